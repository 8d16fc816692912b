"""Category migrations on a messy real WordPress, checked with SQL independently of the adapter.

The traps of issue 13 are built by the test itself, partly through the REST API and partly
straight in MariaDB (as an old import or a hand edit leaves them): near-duplicate names differing
by spacing or ``&amp;``, a zero-width name, a trailing space, three levels, drafts, private,
trashed and missed-schedule posts, long Thai names whose slugs clash, term meta and descriptions.
Snapshots of wp_terms, wp_term_taxonomy, wp_term_relationships, wp_termmeta and
wp_posts.post_status are taken before apply, after apply and after rollback.
"""

from __future__ import annotations

import getpass
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cms_bridge.categories.engine import MigrationEngine, describe
from cms_bridge.categories.plan import load_plan
from cms_bridge.config import Config
from cms_bridge.errors import PlanError, SiteError
from cms_bridge.ledger.store import Ledger
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress import RestAdapter, XmlRpcAdapter
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import Category, wordpress_slug
from cms_bridge.wordpress.protocol import Cms

from ..conftest import ROOT

SOCKET = ROOT / ".local" / "wordpress" / "run" / "mariadb.sock"
LONG = "O20 ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ"
FY2567 = datetime(2024, 3, 1, 9, 0, tzinfo=OFFICE_TZ)


def sql(query: str) -> list[list[str]]:
    """Rows of a query (or of the last statement of several) run in the site's MariaDB."""
    done = subprocess.run(["mariadb", "--protocol=socket", f"--socket={SOCKET}", f"-u{getpass.getuser()}",
                           "--default-character-set=utf8mb4", "--batch", "--raw", "--skip-column-names",
                           "wordpress", "-e", query], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines()]


def q(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def sql_term(name: str, slug: str, parent: int = 0, description: str = "") -> int:
    """A category written straight into the database, exactly as given."""
    rows = sql(f"INSERT INTO wp_terms (name, slug, term_group) VALUES ({q(name)}, {q(slug)}, 0);"
               "SET @t = LAST_INSERT_ID();"
               "INSERT INTO wp_term_taxonomy (term_id, taxonomy, description, parent, count)"
               f" VALUES (@t, 'category', {q(description)}, {parent}, 0); SELECT @t;")
    return int(rows[-1][0])


Snapshot = tuple[dict[int, tuple[str, str, int, str]], set[tuple[int, str, str]], dict[int, tuple[str, frozenset[int]]]]


def snapshot() -> Snapshot:
    """Every category (name, slug, parent, description), all term meta, every post's status and
    categories, read from the database."""
    terms = {int(r[0]): (r[1], r[2], int(r[3]), r[4]) for r in sql(
        "SELECT t.term_id, t.name, t.slug, tt.parent, tt.description FROM wp_terms t"
        " JOIN wp_term_taxonomy tt ON tt.term_id = t.term_id WHERE tt.taxonomy = 'category'")}
    meta = {(int(r[0]), r[1], r[2]) for r in sql("SELECT term_id, meta_key, meta_value FROM wp_termmeta")}
    posts = {int(r[0]): (r[1], frozenset(int(c) for c in r[2].split(",") if c != "NULL")) for r in sql(
        "SELECT p.ID, p.post_status, COALESCE(GROUP_CONCAT(tt.term_id), 'NULL') FROM wp_posts p"
        " LEFT JOIN wp_term_relationships r ON r.object_id = p.ID"
        " LEFT JOIN wp_term_taxonomy tt ON tt.term_taxonomy_id = r.term_taxonomy_id AND tt.taxonomy = 'category'"
        " WHERE p.post_type = 'post' GROUP BY p.ID, p.post_status")}
    return terms, meta, posts


def make_posts(rest: RestAdapter, posts: Sequence[tuple[str, str, list[int], datetime]]) -> list[int]:
    """Posts (title, status, categories, date) made through the REST API; trash ones trashed after."""
    writes = [("POST", "/wp/v2/posts", {"title": t, "status": "draft" if s == "trash" else s, "categories": c,
                                        "date_gmt": d.astimezone(timezone.utc).replace(tzinfo=None).isoformat()})
              for t, s, c, d in posts]
    ids = [int(item["id"]) for item in rest.batch(writes)]
    for post_id, (_, status, _, _) in zip(ids, posts, strict=True):
        if status == "trash":
            rest.set_status(post_id, "trash")
    return ids


def miss_schedule(post_id: int, when: datetime) -> None:
    """A scheduled post whose time passed with nobody publishing it (WP-Cron did not run)."""
    gmt = when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    local = when.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M:%S")
    sql(f"UPDATE wp_posts SET post_date = '{local}', post_date_gmt = '{gmt}' WHERE ID = {post_id}")
    assert sql(f"SELECT post_status FROM wp_posts WHERE ID = {post_id}") == [["future"]]


def write_plan(tmp_path: Path, text: str, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def fresh(clean_site: Config) -> RestAdapter:
    """A new adapter (no cached tree): what a later `cms-bridge` command sees."""
    return RestAdapter(HttpClient(clean_site))


def cli_config(clean_site: Config, tmp_path: Path, ledger: Path) -> Path:
    config = tmp_path / "cms-bridge.toml"
    config.write_text(f'[site]\nurl = "{clean_site.require_site().url}"\nusername = "admin"\n'
                      f'app_password_file = "{clean_site.require_site().app_password_file}"\n'
                      f'[sync]\nledger = "{ledger}"\n', encoding="utf-8")
    return config


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cms_bridge", "--config", str(config), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("api", ["rest", "xmlrpc"])
def test_a_messy_site_applies_and_rolls_back_to_identical_sql_apart_from_what_plan_announced(
        clean_site: Config, tmp_path: Path, api: str) -> None:
    rest = fresh(clean_site)
    buy = rest.ensure_category_path("จัดซื้อจัดจ้าง").id
    deep = rest.ensure_category_path("จัดซื้อจัดจ้าง / ประกาศผู้ชนะ / 2567").id
    news = rest.ensure_category_path("ข่าวกิจกรรม").id
    look_alike = rest.ensure_category_path("ข่าว & ประกาศ").id
    notice = rest.ensure_category_path("ประกาศ").id
    ita67 = rest.ensure_category_path(f"ITA 2567 / {LONG}").parent
    ita68 = rest.ensure_category_path("ITA 2568").id
    empty = rest.ensure_category_path("หมวดว่าง").id
    doubled = sql_term("ข่าว  &amp; ประกาศ", "news-notice-dup", description="ทำซ้ำด้วยมือ")
    sql(f"INSERT INTO wp_termmeta (term_id, meta_key, meta_value) VALUES ({doubled}, 'color', 'red')")
    zero = sql_term("ประกาศ\u200b", wordpress_slug("ประกาศ") + "-2", description="ชื่อมีอักขระล่องหน")
    trailing = sql_term("เอกสาร ", "documents")
    # The trap is real: WordPress itself refuses the clashing long Thai slug.
    with pytest.raises(SiteError, match="db_insert_error|Could not insert"):
        fresh(clean_site).create_category(LONG, ita68)

    ids = make_posts(rest, [
        ("ประกาศผู้ชนะ ก", "publish", [buy], FY2567),
        ("ประกาศผู้ชนะ ข", "publish", [deep], FY2567 + timedelta(days=1)),
        ("ประกาศผู้ชนะ ลับ", "private", [deep], FY2567 + timedelta(days=2)),
        ("ประกาศผู้ชนะ ร่าง", "draft", [buy], FY2567 + timedelta(days=3)),
        ("ประกาศ ปี 2566", "publish", [buy], FY2567 - timedelta(days=300)),
        ("ประกาศผู้ชนะ ตั้งเวลา", "future", [deep], datetime.now(timezone.utc) + timedelta(days=30)),
        ("ข่าวซ้ำ เผยแพร่", "publish", [doubled, notice], FY2567),
        ("ข่าวซ้ำ ร่าง", "draft", [doubled], FY2567),
        ("ข่าวซ้ำ ส่วนตัว", "private", [doubled], FY2567),
        ("ข่าวซ้ำ ถังขยะ", "trash", [doubled], FY2567),
        ("ข่าวจริง", "publish", [look_alike], FY2567),
        ("ประกาศล่องหน", "publish", [zero], FY2567),
        ("เอกสาร 1", "publish", [trailing], FY2567),
    ])
    missed, trashed, real = ids[5], ids[9], ids[10]
    miss_schedule(missed, FY2567 + timedelta(days=5))
    before = snapshot()
    assert before[2][trashed] == ("trash", frozenset({doubled}))

    # Over XML-RPC a category cannot leave (or, on rollback, regain) the top level: plan refuses it.
    reparent = f'[[steps]]\naction = "reparent"\ncategory = "#{trailing}"\nparent = "ITA 2567"\n'
    if api == "xmlrpc":
        refused, _ = load_plan(write_plan(tmp_path, 'name = "up"\n' + reparent, "up.toml"))
        with Ledger(tmp_path / "refused.sqlite3") as ledger, pytest.raises(
                PlanError, match=rf"step 1: moving 'เอกสาร' \(#{trailing}\) from the top level cannot be done"):
            MigrationEngine(XmlRpcAdapter(HttpClient(clean_site)), ledger).plan(refused)
        with pytest.raises(SiteError, match="cannot move category"):
            XmlRpcAdapter(HttpClient(clean_site)).update_category(deep, parent=0)
        reparent = ""
    plan_file = write_plan(tmp_path, f'''
name = "messy"
[[steps]]
action = "create_tree"
paths = ["ITA 2568 / {LONG}"]

[[steps]]
action = "move_posts"
mode = "add"
to = "ITA 2568 / {LONG}"
[steps.filter]
category = "จัดซื้อจัดจ้าง"
include_subcategories = true
fiscal_year = 2567
title_pattern = "^ประกาศผู้ชนะ"
statuses = ["publish", "private", "future"]

[[steps]]
action = "merge"
from = "#{doubled}"
into = "ข่าวกิจกรรม"

[[steps]]
action = "merge"
from = "#{zero}"
into = "ข่าวกิจกรรม"

[[steps]]
action = "rename"
category = "#{trailing}"
to = "เอกสารเก่า"

{reparent}
[[steps]]
action = "delete_empty"
categories = ["หมวดว่าง"]
''')
    plan, digest = load_plan(plan_file)
    def site() -> Cms:
        """A new adapter of the API under test (the tree as the database now has it)."""
        return fresh(clean_site) if api == "rest" else XmlRpcAdapter(HttpClient(clean_site))

    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        changes = MigrationEngine(site(), ledger).plan(plan)
        lines = describe(changes)
        text = "\n".join(lines)
        assert snapshot() == before  # planning changed nothing
        # What WordPress will refuse, change or not let be undone is said before anything changes.
        assert f"new category 'ITA 2568 / {LONG}' (new): its slug is taken" in text
        assert "1 missed-schedule post(s) left as they are" in text and f"#{missed}" in text
        assert f"'ข่าว  & ประกาศ' (#{doubled}): its stored name 'ข่าว  & ประกาศ' has doubled" in text
        assert f"renaming 'เอกสาร' (#{trailing}): its stored name 'เอกสาร ' has doubled or trailing" in text
        for deleted in (doubled, zero, empty):
            assert f"(#{deleted}): rollback recreates it with its name, slug, description and parent but " \
                   "WordPress gives it a new id; its term meta" in text
        assert "re-file 8 posts (8 changes)" in text  # 3 procurement + 4 duplicate news + 1 zero-width
        assert f"rename 'เอกสาร' (#{trailing}) to 'เอกสารเก่า'" in text
        assert (f"from under the top level to under 'ITA 2567' (#{ita67})" in text) == (api == "rest")

        run = MigrationEngine(site(), ledger).apply(plan, digest)
        terms, meta, posts = snapshot()
        o20 = next(i for i, t in terms.items() if t[0] == LONG and t[2] == ita68)
        assert len(terms[o20][1]) <= 200 and terms[o20][1] != before[0][next(
            i for i, t in before[0].items() if t[0] == LONG)][1]
        assert posts[ids[0]] == ("publish", frozenset({buy, o20}))
        assert posts[ids[1]] == ("publish", frozenset({deep, o20})) and posts[ids[2]] == ("private", frozenset({deep, o20}))
        assert posts[ids[3]] == before[2][ids[3]] and posts[ids[4]] == before[2][ids[4]]  # draft, other year
        assert posts[missed] == ("future", frozenset({deep}))  # skipped: still scheduled, not published
        assert posts[ids[6]] == ("publish", frozenset({news, notice}))
        assert [posts[i] for i in ids[7:10]] == [("draft", frozenset({news})), ("private", frozenset({news})),
                                                ("trash", frozenset({news}))]
        assert posts[real] == before[2][real] and terms[look_alike] == before[0][look_alike]
        assert posts[ids[11]] == ("publish", frozenset({news}))
        assert doubled not in terms and zero not in terms and empty not in terms
        assert terms[trailing] == ("เอกสารเก่า", "documents", ita67 if api == "rest" else 0, "")

        result = MigrationEngine(site(), ledger).rollback(run)
        assert result.conflicts == []
    terms, meta, posts = snapshot()
    by_slug = {t[1]: i for i, t in terms.items()}
    new_id = {old: by_slug[before[0][old][1]] for old in (doubled, zero, empty)}
    assert all(new_id[old] not in before[0] for old in new_id)  # recreated, never a look-alike reused

    # Identical to the snapshot before apply, but for what the plan announced: new ids for the
    # recreated categories, the doubled space and the trailing space WordPress's API cannot write,
    # the term meta it cannot reach.
    def expected_term(term_id: int) -> tuple[str, str, int, str]:
        name, slug, parent, description = before[0][term_id]
        if term_id in (doubled, trailing):
            name = " ".join(name.split())
        return name, slug, parent, description

    assert {new_id.get(i, i): expected_term(i) for i in before[0]} == terms
    assert meta == {m for m in before[1] if m[0] != doubled}
    assert posts == {p: (s, frozenset(new_id.get(c, c) for c in cats)) for p, (s, cats) in before[2].items()}


def test_rollback_is_three_way_and_force_overrides(clean_site: Config, tmp_path: Path) -> None:
    rest = fresh(clean_site)
    old = rest.ensure_category_path("เก่า").id
    other = rest.ensure_category_path("อื่น").id
    ids = make_posts(rest, [(f"โพสต์ {i}", "publish", [old], FY2567 + timedelta(days=i)) for i in range(3)])
    before = snapshot()
    ledger_path = tmp_path / "ledger.sqlite3"
    plan_file = write_plan(tmp_path, '''
name = "three-way"
[[steps]]
action = "create_tree"
paths = ["ใหม่"]
[[steps]]
action = "move_posts"
mode = "replace"
to = "ใหม่"
[steps.filter]
category = "เก่า"
[[steps]]
action = "rename"
category = "อื่น"
to = "อื่น ๆ"
''')
    plan, digest = load_plan(plan_file)
    with Ledger(ledger_path) as ledger:
        run = MigrationEngine(rest, ledger).apply(plan, digest)
    new = next(c.id for c in fresh(clean_site).list_categories() if c.name == "ใหม่")
    # Editors, after the apply: a post also filed under "อื่น ๆ", a new post in the new category.
    editor = fresh(clean_site)
    editor.change_categories([_add(ids[0], other)])
    filed = make_posts(editor, [("ใหม่หลังย้าย", "publish", [new], FY2567)])[0]
    config = cli_config(clean_site, tmp_path, ledger_path)

    kept = cli(config, "migrate", "rollback", run)
    assert kept.returncode == 1, kept.stderr
    assert "Traceback" not in kept.stderr + kept.stdout
    assert f"conflict: post #{ids[0]} 'โพสต์ 0' was re-filed since the run" in kept.stdout
    assert f"conflict: category 'ใหม่' (#{new}), made by the run, is kept: it holds 2 post(s)" in kept.stdout
    assert "--force` undoes them anyway" in kept.stdout
    terms, _, posts = snapshot()
    assert posts[ids[0]] == ("publish", frozenset({new, other})) and posts[filed] == ("publish", frozenset({new}))
    assert posts[ids[1]] == before[2][ids[1]] and posts[ids[2]] == before[2][ids[2]]
    assert terms[other][0] == "อื่น" and new in terms  # the rename was still as the run left it

    forced = cli(config, "migrate", "rollback", run, "--force")
    assert forced.returncode == 0, forced.stderr
    terms, _, posts = snapshot()
    assert new not in terms and posts[ids[0]] == before[2][ids[0]]
    assert posts[filed] == ("publish", frozenset({1}))  # the editor's post lost the removed category


def _add(post_id: int, category: int) -> Any:
    from cms_bridge.wordpress.models import CategoryChange

    return CategoryChange(post_id=post_id, add=(category,))


def test_ambiguous_names_are_refused_with_every_candidate_and_no_traceback(clean_site: Config, tmp_path: Path) -> None:
    rest = fresh(clean_site)
    child = rest.ensure_category_path("ประกาศ / คำสั่ง").id
    literal = rest.create_category("ประกาศ / คำสั่ง").id  # a name with a slash in it, at the top
    plain = rest.ensure_category_path("ข่าว & ประกาศ").id
    doubled = sql_term("ข่าว &amp;  ประกาศ", "dup")
    before = snapshot()
    config = cli_config(clean_site, tmp_path, tmp_path / "ledger.sqlite3")
    for body, ids in (('action = "rename"\ncategory = "ประกาศ / คำสั่ง"\nto = "x"', (child, literal)),
                      ('action = "merge"\nfrom = "ข่าว & ประกาศ"\ninto = "ประกาศ"', (plain, doubled))):
        plan = write_plan(tmp_path, f'name = "ambiguous"\n[[steps]]\n{body}\n')
        for action in ("plan", "apply"):
            done = cli(config, "migrate", action, str(plan))
            assert done.returncode != 0 and "Traceback" not in done.stderr + done.stdout
            assert "matches 2 categories" in done.stderr and all(f"(#{i})" in done.stderr for i in ids)
            assert "name the one meant by id" in done.stderr
    assert snapshot() == before


class _KilledAfterCreate:
    """A site whose connection dies right after the first category is created (as a kill -9
    between the write and the journal would leave it)."""

    def __init__(self, cms: Cms) -> None:
        self._cms = cms
        self.created: list[Category] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cms, name)

    def create_category(self, name: str, parent: int = 0, **options: Any) -> Category:
        made = self._cms.create_category(name, parent, **options)
        self.created.append(made)
        raise SiteError("connection reset", method="POST", url="xmlrpc.php")


def test_xmlrpc_resume_looks_the_created_category_up(clean_site: Config, tmp_path: Path) -> None:
    # wp.newTerm answers a fault for a term that exists; the adapter looks the existing one up,
    # so a run cut off after a create resumes instead of failing.
    plan, digest = load_plan(write_plan(tmp_path, 'name = "x"\n[[steps]]\naction = "create_tree"\n'
                                                  'paths = ["ITA 2569 / O1 โครงสร้าง"]\n'))
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        dying = _KilledAfterCreate(XmlRpcAdapter(HttpClient(clean_site)))
        with pytest.raises(SiteError, match="connection reset"):
            MigrationEngine(dying, ledger).apply(plan, digest)  # type: ignore[arg-type]
        MigrationEngine(XmlRpcAdapter(HttpClient(clean_site)), ledger).apply(plan, digest)
    rows = sql("SELECT t.term_id, t.name FROM wp_terms t JOIN wp_term_taxonomy tt ON tt.term_id = t.term_id"
               " WHERE tt.taxonomy = 'category' AND t.term_id > 1 ORDER BY t.term_id")
    assert [r[1] for r in rows] == ["ITA 2569", "O1 โครงสร้าง"]
    assert int(rows[0][0]) == dying.created[0].id  # the one made before the cut-off, not a second


def test_later_steps_filter_every_post_and_missed_schedule_posts_publish_only_when_asked(
        clean_site: Config, tmp_path: Path) -> None:
    rest = fresh(clean_site)
    buy = rest.ensure_category_path("จัดซื้อจัดจ้าง").id
    rest.ensure_category_path("ITA")
    ids = make_posts(rest, [(f"ประกาศ {i}", "publish", [buy], FY2567 + timedelta(days=i)) for i in range(4)]
                     + [("ประกาศ ลับ", "private", [buy], FY2567),
                        ("ประกาศ ล่วงหน้า", "future", [buy], datetime(2027, 6, 1, tzinfo=OFFICE_TZ)),
                        ("ประกาศ ตกหล่น", "future", [buy], datetime.now(timezone.utc) + timedelta(days=30))])
    ahead, missed = ids[5], ids[6]
    miss_schedule(missed, (datetime.now(timezone.utc) - timedelta(days=10)).replace(microsecond=0))
    scheduled_for = sql(f"SELECT post_date_gmt FROM wp_posts WHERE ID = {missed}")
    sql(f"UPDATE wp_posts SET post_date = '2030-06-01 09:00:00', post_date_gmt = '2030-06-01 02:00:00'"
        f" WHERE ID = {ahead}")  # FY 2573, still ahead of the clock
    before = snapshot()
    steps = '''
[[steps]]
action = "move_posts"
mode = "add"
to = "ITA"
[steps.filter]
category = "จัดซื้อจัดจ้าง"
statuses = ["publish", "private", "future"]

[[steps]]
action = "move_posts"
mode = "remove"
category = "จัดซื้อจัดจ้าง"
[steps.filter]
category = "ITA"
fiscal_year = 2573
statuses = ["future"]
'''
    ita = next(c.id for c in fresh(clean_site).list_categories() if c.name == "ITA")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        skip, skip_hash = load_plan(write_plan(tmp_path, 'name = "skip"\n' + steps, "skip.toml"))
        changes = MigrationEngine(fresh(clean_site), ledger).plan(skip)
        # The second step re-files only the post of FY 2573 in 'future', not the 2567 ones the first read.
        assert [c.target for c in changes if c.kind == "post_categories"] == ids[:6] + [ahead]
        MigrationEngine(fresh(clean_site), ledger).apply(skip, skip_hash)
        _, _, posts = snapshot()
        assert posts[ahead] == ("future", frozenset({ita}))
        assert posts[missed] == before[2][missed] == ("future", frozenset({buy}))  # skipped: not published
        assert all(posts[i] == (before[2][i][0], frozenset({buy, ita})) for i in ids[:5])

        publish, publish_hash = load_plan(write_plan(
            tmp_path, 'name = "publish"\nmissed_schedule = "publish"\n' + steps, "publish.toml"))
        text = "\n".join(describe(MigrationEngine(fresh(clean_site), ledger).plan(publish)))
        assert "1 missed-schedule post(s) will be PUBLISHED" in text and f"#{missed}" in text
        run = MigrationEngine(fresh(clean_site), ledger).apply(publish, publish_hash)
        assert snapshot()[2][missed] == ("publish", frozenset({buy, ita}))  # as the plan said
        assert sql(f"SELECT post_date_gmt FROM wp_posts WHERE ID = {missed}") == scheduled_for
        assert MigrationEngine(fresh(clean_site), ledger).rollback(run).conflicts == []
    assert snapshot()[2][missed] == ("publish", frozenset({buy}))  # categories back; 'future' cannot be
    assert sql(f"SELECT post_date_gmt FROM wp_posts WHERE ID = {missed}") == scheduled_for


SLUG_NAMES = ["ข่าว & ประกาศ", "ITA 2567", LONG, "ประกาศ\u200bพิเศษ", "Hello, World! v1.2", "บอร์ด/ป้ายประชาสัมพันธ์",
              "ข่าว (ทั่วไป)", "ปี ๒๕๖๗", "A – B — C", "x\u00a0y", "ข่าว_กิจกรรม", "“ข่าว” …", "ก" * 30, "a × b"]


def test_plan_predicts_the_slug_wordpress_makes(clean_site: Config) -> None:
    # plan foresees slug clashes and the 200-byte limit from its own prediction: it must be
    # WordPress's (sanitize_title), Thai percent-encoded and cut at 200 bytes included.
    rest = fresh(clean_site)
    made = {name: rest.create_category(name).id for name in SLUG_NAMES}
    stored = {int(r[0]): r[1] for r in sql("SELECT term_id, slug FROM wp_terms")}
    assert {name: stored[made[name]] for name in SLUG_NAMES} == {name: wordpress_slug(name) for name in SLUG_NAMES}
    assert len(stored[made["ก" * 30]]) == 198  # 22 Thai characters of nine bytes; the 23rd would pass 200


def test_a_rollback_cut_off_between_the_site_and_the_journal_finishes_exactly(
        clean_site: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cms_bridge.categories.engine as engine_module

    rest = fresh(clean_site)
    old = rest.ensure_category_path("เก่า").id
    rest.ensure_category_path("ใหม่")
    other = rest.ensure_category_path("อื่น").id
    sql(f"UPDATE wp_term_taxonomy SET description = 'หมวดเดิม' WHERE term_id = {old}")
    make_posts(rest, [(f"โพสต์ {i}", ("publish", "draft", "trash")[i % 3], [old], FY2567 + timedelta(hours=i))
                      for i in range(60)])
    before = snapshot()
    plan, digest = load_plan(write_plan(tmp_path, 'name = "cut"\n[[steps]]\naction = "merge"\nfrom = "เก่า"\n'
                                                  'into = "ใหม่"\n[[steps]]\naction = "rename"\ncategory = "อื่น"\n'
                                                  'to = "อื่น ๆ"\n'))
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        run = MigrationEngine(fresh(clean_site), ledger).apply(plan, digest)
        # The site has each change, the journal does not (a kill between the two), three times:
        # after the rename is undone, after the category is recreated, after a batch of posts.
        real_mark = engine_module.mark
        cuts = {"update_term": 1, "delete_term": 1, "post_categories": 1}

        def mark_then_die(ledger_: Ledger, run_id: str, changes: list[Any], state_: str) -> None:
            if cuts.get(changes[0].kind):
                cuts[changes[0].kind] -= 1
                raise SiteError("killed", method="-", url="-")
            real_mark(ledger_, run_id, changes, state_)

        monkeypatch.setattr(engine_module, "mark", mark_then_die)
        for _ in cuts:
            with pytest.raises(SiteError, match="killed"):
                MigrationEngine(fresh(clean_site), ledger).rollback(run)
        result = MigrationEngine(fresh(clean_site), ledger).rollback(run)
    assert result.conflicts == []
    terms, meta, posts = snapshot()
    (again,) = [i for i, t in terms.items() if t[0] == "เก่า"]  # recreated once, not twice
    assert terms[again] == before[0][old] and terms[other] == before[0][other]
    assert posts == {p: (s, frozenset(again if c == old else c for c in cats)) for p, (s, cats) in before[2].items()}


@pytest.mark.parametrize("api", ["rest", "xmlrpc"])
def test_undated_drafts_keep_their_date_through_apply_and_rollback(clean_site: Config, tmp_path: Path,
                                                                   api: str) -> None:
    # An undated draft (post_date_gmt zero, as WordPress saves one) is dated "now" by any write
    # that does not send its date; the engine sends it back on both APIs, and plan says so.
    rest = fresh(clean_site)
    dup, keep = rest.ensure_category_path("ข่าว ซ้ำ").id, rest.ensure_category_path("ข่าว").id
    ids = make_posts(rest, [("ร่าง", "draft", [dup], FY2567), ("รอตรวจ", "pending", [dup], FY2567)])
    sql(f"UPDATE wp_posts SET post_date = '2024-03-01 09:00:00', post_date_gmt = '0000-00-00 00:00:00'"
        f" WHERE ID IN ({ids[0]}, {ids[1]})")

    def dates() -> list[list[str]]:
        return sql(f"SELECT ID, post_date FROM wp_posts WHERE ID IN ({ids[0]}, {ids[1]}) ORDER BY ID")

    before = dates()
    assert [d for _, d in before] == ["2024-03-01 09:00:00"] * 2
    cms: Cms = rest if api == "rest" else XmlRpcAdapter(HttpClient(clean_site))
    plan, digest = load_plan(write_plan(tmp_path, f'name = "m"\n[[steps]]\naction = "merge"\nfrom = "#{dup}"\n'
                                                  f'into = "#{keep}"\n'))
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        engine = MigrationEngine(cms, ledger)
        assert any("2 draft or pending post(s) are re-filed" in line for line in describe(engine.plan(plan)))
        run = engine.apply(plan, digest)
        assert dates() == before
        assert {int(r[0]) for r in sql(f"SELECT r.object_id FROM wp_term_relationships r JOIN wp_term_taxonomy tt"
                                       f" ON tt.term_taxonomy_id = r.term_taxonomy_id WHERE tt.term_id = {keep}")} \
            == set(ids)
        assert engine.rollback(run).conflicts == []
    assert dates() == before
