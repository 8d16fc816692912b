"""A messy real site for the migration and harvest tests, and SQL snapshots independent of the adapter.

The site is what an ICT officer finds after years of hand editing: the public theme unit test
data (imported through the WordPress importer, both vendored under tests/fixtures/wordpress/),
then a Thai office on top: near-duplicate categories (spacing, ``&amp;``, a zero-width space, a
trailing space), three levels, subcategories of จัดซื้อจัดจ้าง, posts in every status (trash and
missed schedule included), posts filed under two groups, descriptions and term meta, names at
WordPress's 200-byte slug limit and a category literally named ``ประกาศ / คำสั่ง``.

It is built once (`build`) and kept as a database dump (`restore` reloads it in about a second).
`snapshot` reads what the tests compare straight from MariaDB with the ``mariadb`` client, so a
bug in the adapters cannot hide itself; `diff` says what differs in words.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cms_bridge.thaidate import OFFICE_TZ

from ..conftest import ROOT

STATE = ROOT / ".local" / "wordpress"
SITE_DIR = STATE / "site"
DUMP = ROOT / ".local" / "messy-site.sql"
FIXTURES = ROOT / "tests" / "fixtures" / "wordpress"
WXR = FIXTURES / "theme-test-data" / "themeunittestdata.wordpress.xml"
IMPORTER = FIXTURES / "wordpress-importer"
BUILDER = Path(__file__).resolve().parent / "messy" / "build_site.php"

ZWSP = "\u200b"
#: 29 Thai letters: the slug WordPress makes is cut at 200 bytes (22 letters, 9 bytes each
#: percent-encoded); the same name under another parent needs the parent's slug appended.
LONG_NAME = "หลักฐานการจัดซื้อจัดจ้างพัสดุ"
#: Scheduled posts are placed around the clock of the session that builds the site (Bangkok
#: local time, as post_date is): one whose time has passed missed its schedule (a failed cron),
#: one still to come is really scheduled. Everything else has fixed dates.
NOW = datetime.now(OFFICE_TZ).replace(tzinfo=None, microsecond=0)
MISSED = (NOW - timedelta(days=20)).replace(hour=9, minute=0, second=0)
SCHEDULED = (NOW + timedelta(days=200)).replace(hour=9, minute=0, second=0)


def fiscal_year(when: datetime) -> int:
    """The BE fiscal year of a local time (1 October to 30 September)."""
    return when.year + 543 + (when.month >= 10)


SCHEDULED_FY = fiscal_year(SCHEDULED)


# -- the Thai office site ---------------------------------------------------------------------

@dataclass
class Spec:
    """What the builder creates: categories (parents first) and posts, by key."""

    terms: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)

    def term(self, key: str, name: str, parent: str | None = None, *, description: str = "",
             meta: dict[str, str] | None = None, slug_from: str | None = None) -> str:
        self.terms.append({"key": key, "name": name, "parent": parent, "description": description,
                           "meta": meta or {}, "slug_from": slug_from or name})
        return key

    def post(self, title: str, categories: list[str], when: datetime, status: str = "publish") -> None:
        key = f"p{len(self.posts) + 1}"
        self.posts.append({"key": key, "title": title, "content": f"<p>{title}</p>", "status": status,
                           "date": when.strftime("%Y-%m-%d %H:%M:%S"), "categories": categories})


STATUSES = ("publish", "draft", "private", "pending", "trash", "future")


def office_spec() -> Spec:
    """The Thai office part of the site; names chosen so the shipped jobs and mappings meet them."""
    s = Spec()
    meta = {"cms_bridge_colour": "#1f6feb", "cms_bridge_order": "3"}
    # Procurement, three levels deep, as jobs/ita-2567-procurement.toml expects it.
    proc = s.term("proc", "จัดซื้อจัดจ้าง", description="ประกาศและสรุปผลการจัดซื้อจัดจ้าง", meta=meta)
    bid = s.term("proc_bid", "ประกวดราคาอิเล็กทรอนิกส์", proc, description="e-bidding")
    bid67 = s.term("proc_bid_2567", "ปีงบประมาณ 2567", bid)
    monthly = s.term("proc_monthly", "สรุปผลรายเดือน", proc)
    s.term("proc_long", LONG_NAME, proc, description="ชื่อยาวใกล้ขีดจำกัด slug")
    # jobs/merge-duplicate-categories.toml: a double space as old WordPress versions kept it.
    dup_proc = s.term("proc_dup", "ประกาศ  จัดซื้อจัดจ้าง", description="หมวดซ้ำที่สร้างด้วยมือ")
    news = s.term("news", "ข่าวประชาสัมพันธ์", description="ข่าวทั่วไปของสำนักงาน", meta=meta)
    dup_news = s.term("news_dup", "ข่าว ประชาสัมพันธ์", description="หมวดซ้ำ (เว้นวรรค)",
                      meta={"cms_bridge_colour": "#d73a49"})
    # Near-duplicates that only entities, a zero-width space or a trailing space tell apart.
    act = s.term("act", "ข่าว &amp; กิจกรรม", description="ข่าวและกิจกรรม")  # as WordPress stores "&"
    act_raw = s.term("act_raw", "ข่าว & กิจกรรม", description="นำเข้าจากเว็บเก่า", meta={"cms_bridge_source": "old-site"})
    photos = s.term("photos", "ภาพกิจกรรม")
    s.term("photos_zw", f"ภาพ{ZWSP}กิจกรรม", description="พิมพ์จาก Word", meta={"cms_bridge_source": "word"})
    trail = s.term("docs_trail", "เอกสารเผยแพร่ ", description="มีช่องว่างท้ายชื่อ", slug_from="เอกสารเผยแพร่")
    old = s.term("old", "เอกสารเก่า", description="ก่อนปี 2565")
    old60 = s.term("old_2560", "ปี 2560", old)
    s.term("archive", "คลังเอกสาร")
    s.term("empty", "หมวดว่าง", description="ไม่มีโพสต์", meta={"cms_bridge_colour": "#cccccc"})
    trash_only = s.term("trash_only", "หมวดถังขยะ", description="มีแต่โพสต์ในถังขยะ")
    drafts_only = s.term("drafts_only", "ร่างประกาศ", description="มีแต่ฉบับร่าง")
    notices = s.term("notices", "ประกาศ")
    orders = s.term("orders", "คำสั่ง", notices)
    slash = s.term("slash", "ประกาศ / คำสั่ง", description="ชื่อที่มีเครื่องหมาย / จริง ๆ")
    # The groups of mappings/groups.toml, with a subtree (admin) and a near-duplicate (policy).
    groups = s.term("groups", "กลุ่มงาน")
    admin = s.term("g_admin", "กลุ่มอำนวยการ", groups)
    admin_mail = s.term("g_admin_mail", "งานสารบรรณ", admin)
    admin_site = s.term("g_admin_site", "งานอาคารสถานที่", admin)
    policy = s.term("g_policy", "กลุ่มนโยบายและแผน", groups)
    policy_dup = s.term("g_policy_dup", "กลุ่มนโยบายและแผน ", groups, slug_from="กลุ่มนโยบายและแผน")
    finance = s.term("g_finance", "กลุ่มบริหารการเงินและสินทรัพย์", groups)
    personnel = s.term("g_personnel", "กลุ่มบริหารงานบุคคล", groups)

    # Procurement posts over FY 2566-2568, every fourth in a subcategory, some not published.
    start = datetime(2023, 4, 3, 9, 30)  # FY 2566 round 2 .. FY 2568
    for i in range(90):
        kind = ("ประกาศ", "สรุปผล", "คำสั่ง")[i % 3]
        where = [proc]
        if i % 4 == 1:
            where = [bid67 if kind == "ประกาศ" else monthly]
        elif i % 4 == 2 and kind == "ประกาศ":
            where = [bid]
        status = "publish" if i % 10 else ("draft", "private", "pending")[i // 10 % 3]
        s.post(f"{kind}จัดซื้อ ครั้งที่ {i + 1}", where, start + timedelta(days=7 * i, hours=i % 5), status)
    # Recent procurement posts: published, missed-schedule and scheduled.
    for i in range(6):
        s.post(f"ประกาศจัดซื้อ ล่าสุด ฉบับ {i + 1}", [proc], MISSED - timedelta(days=i))
    s.post("ประกาศจัดซื้อ (ตั้งเวลาไว้แต่พลาด)", [proc], MISSED + timedelta(hours=3), "future")
    s.post("ประกาศจัดซื้อ (ตั้งเวลาไว้)", [proc], SCHEDULED, "future")
    for i in range(5):
        s.post(f"ประกาศ จัดซื้อจัดจ้าง (หมวดซ้ำ) {i + 1}", [dup_proc], start + timedelta(days=30 * i),
               STATUSES[i])
    s.post("ประกาศซ้ำสองหมวด", [dup_proc, proc], start + timedelta(days=200))

    # News in the duplicate category in every status, and in both.
    for i, status in enumerate(STATUSES * 2):
        when = MISSED + timedelta(hours=i + 1) if status == "future" and i < 6 else \
            SCHEDULED + timedelta(days=i) if status == "future" else datetime(2024, 1, 10 + i, 10)
        s.post(f"ข่าว {status} {i + 1}", [dup_news], when, status)
    for i in range(8):
        s.post(f"ข่าวประชาสัมพันธ์ {i + 1}", [news], datetime(2024, 2, 1 + i, 10), "publish" if i % 4 else "draft")
    s.post("ข่าวสองหมวด", [news, dup_news], datetime(2024, 2, 20, 10))
    s.post("ข่าวสองหมวด (ถังขยะ)", [news, dup_news], datetime(2024, 2, 21, 10), "trash")
    for i in range(4):
        s.post(f"กิจกรรม {i + 1}", [act if i % 2 else act_raw], datetime(2024, 3, 1 + i, 10))
        s.post(f"ภาพกิจกรรม {i + 1}", [photos], datetime(2024, 3, 5 + i, 10))
        s.post(f"เอกสารเผยแพร่ {i + 1}", [trail], datetime(2024, 3, 10 + i, 10), STATUSES[i])
        s.post(f"เอกสารเก่า {i + 1}", [old if i % 2 else old60], datetime(2017, 6, 1 + i, 10))
    s.post("คำสั่งแต่งตั้ง", [orders], datetime(2024, 4, 2, 10))
    s.post("ประกาศ/คำสั่ง รวม", [slash], datetime(2024, 4, 3, 10))
    s.post("โพสต์ในถังขยะ 1", [trash_only], datetime(2024, 4, 4, 10), "trash")
    s.post("โพสต์ในถังขยะ 2", [trash_only, news], datetime(2024, 4, 5, 10), "trash")
    s.post("ร่างประกาศรับสมัคร", [drafts_only], datetime(2024, 4, 6, 10), "draft")

    # Group posts over FY 2567 (October 2023 - September 2024), at month boundaries too.
    months = [datetime(2023 + (m >= 3), (m + 9) % 12 + 1, 1) for m in range(12)]
    for n, first in enumerate(months):
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(seconds=1)
        s.post(f"อำนวยการ ต้นเดือน {n}", [admin], first)
        s.post(f"อำนวยการ ปลายเดือน {n}", [admin], last)
        s.post(f"สารบรรณ {n}", [admin_mail], first + timedelta(days=3, hours=10))
        if n % 2:
            s.post(f"อาคารสถานที่ {n}", [admin_site], first + timedelta(days=5, hours=11))
        s.post(f"อำนวยการ ฉบับร่าง {n}", [admin], first + timedelta(days=6), ("draft", "private", "pending", "trash")[n % 4])
        s.post(f"นโยบายและแผน {n}", [policy], first + timedelta(days=8, hours=9))
        if n % 3 != 1:
            s.post(f"นโยบายและแผน (หมวดซ้ำ) {n}", [policy_dup], first + timedelta(days=9, hours=9))
        s.post(f"อำนวยการร่วมกับนโยบายและแผน {n}", [admin, policy], first + timedelta(days=12, hours=14))
        if n % 2 == 0:
            s.post(f"สารบรรณร่วมกับนโยบาย (หมวดซ้ำ) {n}", [admin_mail, policy_dup], first + timedelta(days=13))
        s.post(f"การเงิน {n}", [finance], first + timedelta(days=15, hours=10))
        s.post(f"บุคคล {n}", [personnel], last - timedelta(hours=2))
    s.post("การเงิน ก่อนเที่ยงคืนสิ้นรอบ", [finance], datetime(2024, 3, 31, 23, 59, 59))
    s.post("การเงิน เที่ยงคืนต้นรอบ", [finance], datetime(2024, 4, 1, 0, 0, 0))
    return s


# -- building, dumping, restoring ---------------------------------------------------------------

def db_password() -> str:
    return (STATE / "db-password").read_text(encoding="utf-8").strip()


def _client(program: str, *args: str, stdin: Any = None, input_text: str | None = None) -> str:
    port = os.environ.get("CMS_BRIDGE_DB_PORT", "23306")
    # The password goes by environment, never on a command line others can read.
    env = {**os.environ, "MYSQL_PWD": db_password()}
    done = subprocess.run([program, "--protocol=tcp", "-h127.0.0.1", f"-P{port}", "-uwordpress",
                           "--default-character-set=utf8mb4", *args], env=env, stdin=stdin, input=input_text,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{program} failed: {done.stderr.strip()}")
    return done.stdout


def query(sql: str) -> list[dict[str, Any]]:
    """Rows of *sql*, a SELECT of one JSON_OBJECT(...) column (JSON keeps tabs and newlines whole)."""
    out = _client("mariadb", "--batch", "--raw", "--skip-column-names", "wordpress", "-e", sql)
    return [json.loads(line) for line in out.splitlines() if line]


def execute(sql: str) -> None:
    """Run statements against the site's database."""
    _client("mariadb", "wordpress", input_text=sql)


@dataclass(frozen=True)
class Built:
    """Ids the builder gave the office site's categories and posts, by spec key."""

    terms: dict[str, int]
    posts: dict[str, int]
    imported: int


def build(wp_port: str) -> Built:
    """Build the messy site on the freshly reset local site and dump it to `DUMP`.

    Raises:
        RuntimeError: the importer or the builder failed (its message says where).
    """
    spec = office_spec()
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as handle:
        json.dump({"terms": spec.terms, "posts": spec.posts}, handle, ensure_ascii=False)
    try:
        done = subprocess.run(["php", "-d", "display_errors=stderr", "-d", "memory_limit=1G", str(BUILDER),
                               f"127.0.0.1:{wp_port}", handle.name, str(WXR), str(IMPORTER)],
                              cwd=SITE_DIR, capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise RuntimeError(f"building the messy site failed:\n{done.stderr[-3000:]}")
    ids = json.loads(done.stdout.strip().splitlines()[-1])
    built = Built(terms=ids["terms"], posts=ids["posts"], imported=ids["imported"])
    dump = _client("mariadb-dump", "--single-transaction", "--skip-comments", "wordpress")
    DUMP.write_text(dump, encoding="utf-8")
    DUMP.with_suffix(".json").write_text(json.dumps(ids), encoding="utf-8")
    return built


def restore() -> Built:
    """Put the site back to the messy state `build` dumped."""
    with DUMP.open(encoding="utf-8") as dump:
        _client("mariadb", "wordpress", stdin=dump)
    ids = json.loads(DUMP.with_suffix(".json").read_text(encoding="utf-8"))
    return Built(terms=ids["terms"], posts=ids["posts"], imported=ids["imported"])


# -- snapshots ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PostRow:
    """One post as the database has it."""

    id: int
    title: str
    status: str
    date: str  # post_date, the site's local time
    categories: frozenset[tuple[int, str]]  # (term id, name)

    @property
    def category_ids(self) -> frozenset[int]:
        return frozenset(i for i, _ in self.categories)


@dataclass(frozen=True)
class TermRow:
    """One category as the database has it."""

    id: int
    name: str
    slug: str
    parent: int
    description: str
    meta: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Snapshot:
    """Every post (any status, trash included) and every category of the site."""

    posts: dict[int, PostRow]
    terms: dict[int, TermRow]

    def term_id(self, name: str, parent: int | None = None) -> int:
        """The id of the category named exactly *name* (under *parent*, if given); exactly one must match."""
        found = [t.id for t in self.terms.values() if t.name == name and parent in (None, t.parent)]
        assert len(found) == 1, f"{len(found)} categories named {name!r}: {found}"
        return found[0]

    def subtree(self, term_id: int) -> set[int]:
        """*term_id* and every category below it."""
        found = {term_id}
        while True:
            more = {t.id for t in self.terms.values() if t.parent in found} - found
            if not more:
                return found
            found |= more

    def path(self, term_id: int) -> str:
        names = []
        while term_id:
            names.append(self.terms[term_id].name)
            term_id = self.terms[term_id].parent
        return " / ".join(reversed(names))

    def in_any(self, term_ids: set[int], statuses: tuple[str, ...] | None = None) -> set[int]:
        """Posts filed under any of *term_ids* (in one of *statuses*, if given)."""
        return {p.id for p in self.posts.values()
                if p.category_ids & term_ids and (statuses is None or p.status in statuses)}


def snapshot() -> Snapshot:
    """Read every post's status, date and categories, and every category with its meta, by SQL."""
    # One query (one client start) for the four row kinds; each row says which it is.
    rows = query(
        "SELECT JSON_OBJECT('k', 'post', 'id', ID, 'title', post_title, 'status', post_status, "
        "'date', DATE_FORMAT(post_date, '%Y-%m-%d %H:%i:%s')) FROM wp_posts WHERE post_type = 'post' "
        "AND post_status <> 'auto-draft' "
        "UNION ALL SELECT JSON_OBJECT('k', 'link', 'post', r.object_id, 'term', t.term_id, 'name', t.name) "
        "FROM wp_term_relationships r JOIN wp_term_taxonomy x ON x.term_taxonomy_id = r.term_taxonomy_id "
        "JOIN wp_terms t ON t.term_id = x.term_id WHERE x.taxonomy = 'category' "
        "UNION ALL SELECT JSON_OBJECT('k', 'term', 'id', t.term_id, 'name', t.name, 'slug', t.slug, "
        "'parent', x.parent, 'description', x.description) FROM wp_terms t "
        "JOIN wp_term_taxonomy x ON x.term_id = t.term_id WHERE x.taxonomy = 'category' "
        "UNION ALL SELECT JSON_OBJECT('k', 'meta', 'term', term_id, 'key', meta_key, 'value', meta_value) "
        "FROM wp_termmeta")
    posts = [r for r in rows if r["k"] == "post"]
    links = [r for r in rows if r["k"] == "link"]
    terms = [r for r in rows if r["k"] == "term"]
    meta = [r for r in rows if r["k"] == "meta"]
    cats: dict[int, set[tuple[int, str]]] = {}
    for link in links:
        cats.setdefault(int(link["post"]), set()).add((int(link["term"]), link["name"]))
    metas: dict[int, list[tuple[str, str]]] = {}
    for row in meta:
        metas.setdefault(int(row["term"]), []).append((row["key"], row["value"] or ""))
    return Snapshot(
        posts={int(p["id"]): PostRow(int(p["id"]), p["title"], p["status"], p["date"],
                                     frozenset(cats.get(int(p["id"]), ()))) for p in posts},
        terms={int(t["id"]): TermRow(int(t["id"]), t["name"], t["slug"], int(t["parent"]), t["description"] or "",
                                     tuple(sorted(metas.get(int(t["id"]), ())))) for t in terms})


def recreated_ids(before: Snapshot, after: Snapshot) -> dict[int, int]:
    """Old id -> new id of categories deleted and recreated (WordPress gives a new id).

    A category gone from *after* is paired with a category new in *after* of exactly the same
    name under the same (paired) parent: a look-alike that merely normalises the same is not
    the same category, so a rollback that reuses one shows as a difference.
    """
    gone = [t for i, t in before.terms.items() if i not in after.terms]
    new = {i: t for i, t in after.terms.items() if i not in before.terms}
    pairs: dict[int, int] = {}
    progress = True
    while progress:  # parents first: a recreated child's parent may be recreated too
        progress = False
        for old in gone:
            if old.id in pairs:
                continue
            parent = pairs.get(old.parent, old.parent)
            match = [i for i, t in new.items() if t.name == old.name and t.parent == parent and i not in pairs.values()]
            if len(match) == 1:
                pairs[old.id] = match[0]
                progress = True
    return pairs


def diff(before: Snapshot, after: Snapshot, *, remap: dict[int, int] | None = None,
         ignore_posts: AbstractSet[int] = frozenset(), ignore_terms: AbstractSet[int] = frozenset()) -> list[str]:
    """Readable differences from *before* to *after*, one line each (empty: the same).

    Args:
        before: the earlier snapshot.
        after: the later one.
        remap: old -> new ids of recreated categories (see `recreated_ids`); a post filed under
            the new id counts as filed under the old one, and the new category is compared
            with the old one.
        ignore_posts: posts left out (e.g. ones a test changed on purpose).
        ignore_terms: categories left out (ids of *before*, or of *after* for new ones).
    """
    remap = remap or {}
    back = {new: old for old, new in remap.items()}
    lines: list[str] = []

    def name(snap: Snapshot, term_id: int) -> str:
        return f"#{term_id} {snap.path(term_id)!r}" if term_id in snap.terms else f"#{term_id}"

    for pid in sorted(set(before.posts) | set(after.posts)):
        if pid in ignore_posts:
            continue
        old, new = before.posts.get(pid), after.posts.get(pid)
        if old is None or new is None:
            what = "appeared" if old is None else "disappeared"
            row = new or old
            assert row is not None
            lines.append(f"post {pid} {row.title!r} ({row.status}) {what}")
            continue
        label = f"post {pid} {old.title!r}"
        if old.status != new.status:
            lines.append(f"{label}: status {old.status} -> {new.status}")
        if old.date != new.date:
            lines.append(f"{label}: date {old.date} -> {new.date}")
        now = {back.get(i, i) for i in new.category_ids}
        if old.category_ids != now:
            lost = ", ".join(name(before, i) for i in sorted(old.category_ids - now))
            gained = ", ".join(name(after, remap.get(i, i)) for i in sorted(now - old.category_ids))
            lines.append(f"{label} ({old.status}): categories lost [{lost}] gained [{gained}]")
    for tid in sorted(set(before.terms) | {back.get(i, i) for i in after.terms}):
        if tid in ignore_terms or remap.get(tid, tid) in ignore_terms:
            continue
        old_term, new_term = before.terms.get(tid), after.terms.get(remap.get(tid, tid))
        if old_term is None:
            assert new_term is not None
            lines.append(f"category {name(after, new_term.id)} appeared")
            continue
        if new_term is None:
            lines.append(f"category {name(before, tid)} disappeared (description {old_term.description!r}, "
                         f"meta {dict(old_term.meta)})")
            continue
        for attr in ("name", "slug", "parent", "description", "meta"):
            was, now_value = getattr(old_term, attr), getattr(new_term, attr)
            if attr == "parent":
                now_value = back.get(now_value, now_value)
            if was != now_value:
                lines.append(f"category {name(before, tid)}: {attr} {was!r} -> {now_value!r}")
    return lines


# -- running the command line -------------------------------------------------------------------

TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception): ", re.MULTILINE)


def cli(config: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Run ``cms-bridge --config CONFIG ARGS`` as a person would, in a subprocess."""
    return subprocess.run([sys.executable, "-m", "cms_bridge", "--config", str(config), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    """Fail with the command's output when it printed a Python traceback."""
    output = done.stdout + done.stderr
    assert not TRACEBACK.search(output), f"{done.args[3:]} printed a traceback:\n{output[-3000:]}"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
