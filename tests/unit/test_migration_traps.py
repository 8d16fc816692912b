"""Category migrations on a messy in-memory site: the traps of issue 13, one test each.

Near-duplicate names (spacing, ``&amp;``), a category literally named like a path, a zero-width
name, three levels, drafts, private, trashed and missed-schedule posts, long Thai names. The same
traps run on the real WordPress in tests/integration/test_migration_traps.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cms_bridge.categories.engine import MigrationEngine, describe
from cms_bridge.categories.plan import Plan, load_plan
from cms_bridge.errors import PlanError, SiteError
from cms_bridge.ledger.store import Ledger
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms, StoredTerm
from cms_bridge.wordpress.models import SLUG_MAX_BYTES, CategoryChange, wordpress_slug

NOW = datetime(2027, 5, 1, 3, 0, tzinfo=timezone.utc)
LONG = "O20 ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ"


@pytest.fixture
def site() -> FakeCms:
    return FakeCms(clock=lambda: NOW)


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger(tmp_path / "ledger.sqlite3") as opened:
        yield opened


def raw_term(site: FakeCms, raw_name: str, parent: int = 0, *, slug: str = "", description: str = "") -> int:
    """A category stored exactly so (as an old import or a hand edit in the database leaves it)."""
    term_id = site._next_term
    site._next_term += 1
    site.terms[term_id] = StoredTerm(term_id, raw_name, parent, slug or f"t{term_id}", description)
    return term_id


def plan_of(tmp_path: Path, *steps: str, head: str = "") -> tuple[Plan, str]:
    path = tmp_path / "plan.toml"
    path.write_text(f'name = "t"\n{head}\n' + "".join(f"[[steps]]\n{s}\n" for s in steps), encoding="utf-8")
    return load_plan(path)


def state(site: FakeCms) -> tuple[dict[int, tuple[tuple[int, ...], str, datetime | None]], dict[int, tuple[str, int, str, str]]]:
    """Every post's categories, status and date; every term's stored name, parent, slug, description."""
    return ({p.id: (tuple(sorted(p.categories)), p.status, p.date) for p in site.posts.values()},
            {t.id: (t.raw_name, t.parent, t.slug, t.description) for t in site.terms.values()})


def when(days: int) -> datetime:
    return datetime(2024, 1, 1, tzinfo=OFFICE_TZ) + timedelta(days=days)


def test_a_later_step_applies_its_whole_filter_to_posts_an_earlier_step_read(site: FakeCms, ledger: Ledger,
                                                                             tmp_path: Path) -> None:
    buy = site.add_category("จัดซื้อจัดจ้าง").id
    site.add_category("ITA")
    olds = [site.add_post(title=f"ประกาศ {i}", date=when(i), categories=[buy]).id for i in range(4)]
    private = site.add_post(title="ประกาศ ลับ", status="private", date=when(9), categories=[buy]).id
    ahead = site.add_post(title="ประกาศ ล่วงหน้า", status="future", date=datetime(2027, 6, 1, tzinfo=OFFICE_TZ),
                          categories=[buy]).id
    plan, _ = plan_of(tmp_path,
                      'action = "move_posts"\nmode = "add"\nto = "ITA"\n[steps.filter]\ncategory = "จัดซื้อจัดจ้าง"\n'
                      'statuses = ["publish", "private", "future"]',
                      'action = "move_posts"\nmode = "remove"\ncategory = "จัดซื้อจัดจ้าง"\n[steps.filter]\n'
                      'category = "ITA"\nfiscal_year = 2570\nstatuses = ["future"]')
    changes = MigrationEngine(site, ledger).plan(plan)
    second = [c.target for c in changes if c.kind == "post_categories" and c.seq > len(olds) + 2]
    assert second == [ahead]  # not the 4 published and 1 private ones of 2567 the first step read
    assert {c.target for c in changes} == {*olds, private, ahead}


def test_missed_schedule_posts_are_skipped_by_default_and_said(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    old = site.add_category("เก่า").id
    site.add_category("ใหม่")
    live = site.add_post(title="ข่าว", date=when(1), categories=[old]).id
    missed = site.add_post(title="ตั้งเวลาไว้", status="publish", date=NOW + timedelta(days=1), categories=[old])
    site.clock = lambda: NOW + timedelta(days=2)  # its time passed with nobody publishing it (no cron)
    assert missed.status == "future"
    plan, digest = plan_of(tmp_path, 'action = "merge"\nfrom = "เก่า"\ninto = "ใหม่"')
    changes = MigrationEngine(site, ledger).plan(plan)
    assert [c.target for c in changes if c.kind == "post_categories"] == [live]
    lines = describe(changes)
    assert any("1 missed-schedule post(s) left as they are" in line and f"#{missed.id}" in line for line in lines)
    assert any("'เก่า' (#2) is kept" in line for line in lines)
    assert not any(c.kind == "delete_term" for c in changes)
    MigrationEngine(site, ledger).apply(plan, digest)
    assert (site.posts[missed.id].status, site.posts[missed.id].categories) == ("future", [old])


def test_missed_schedule_posts_published_when_the_plan_says_so(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    old = site.add_category("เก่า").id
    new = site.add_category("ใหม่").id
    missed = site.add_post(title="ตั้งเวลาไว้", status="publish", date=NOW + timedelta(days=1), categories=[old])
    site.clock = lambda: NOW + timedelta(days=2)
    plan, digest = plan_of(tmp_path, 'action = "merge"\nfrom = "เก่า"\ninto = "ใหม่"', head='missed_schedule = "publish"')
    engine = MigrationEngine(site, ledger)
    assert any("will be PUBLISHED" in line and "cannot make them 'future' again" in line
               for line in describe(engine.plan(plan)))
    run = engine.apply(plan, digest)
    assert (site.posts[missed.id].status, site.posts[missed.id].categories) == ("publish", [new])
    result = engine.rollback(run)
    assert result.conflicts == []
    restored = next(t.id for t in site.terms.values() if t.raw_name == "เก่า")
    assert site.posts[missed.id].categories == [restored] and site.posts[missed.id].date == NOW + timedelta(days=1)


def test_trashed_posts_are_merged_counted_and_restored(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    old = site.add_category("เก่า").id
    new = site.add_category("ใหม่").id
    keep = site.add_category("เก็บ").id
    trashed = site.add_post(title="ถังขยะ", categories=[old, keep], date=when(1))
    site.set_status(trashed.id, "trash")
    bin_only = site.add_category("ในถัง").id
    binned = site.add_post(title="ถังขยะ 2", categories=[bin_only], date=when(2))
    site.set_status(binned.id, "trash")
    before = state(site)
    refused, _ = plan_of(tmp_path, 'action = "delete_empty"\ncategories = ["ในถัง"]')
    with pytest.raises(PlanError, match=rf"'ในถัง' \(#{bin_only}\) still holds 1 post\(s\) \(trash, e.g. #{binned.id}\)"):
        MigrationEngine(site, ledger).plan(refused)
    plan, digest = plan_of(tmp_path, 'action = "merge"\nfrom = "เก่า"\ninto = "ใหม่"')
    engine = MigrationEngine(site, ledger)
    run = engine.apply(plan, digest)
    assert (site.posts[trashed.id].status, sorted(site.posts[trashed.id].categories)) == ("trash", [new, keep])
    assert engine.rollback(run).conflicts == []
    posts, terms = state(site)
    restored = next(i for i, t in terms.items() if t[0] == "เก่า")
    assert posts[trashed.id] == (tuple(sorted([restored, keep])), "trash", before[0][trashed.id][2])
    assert terms[restored] == before[1][old]  # name, parent, slug and description as they were


def test_rollback_recreates_a_near_duplicate_exactly_and_never_reuses_its_look_alike(
        site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    target = site.add_category("ข่าวกิจกรรม").id
    plain = raw_term(site, "ข่าว &amp; ประกาศ", slug="news-and", description="ข่าวทั่วไป")
    doubled = raw_term(site, "ข่าว  &amp; ประกาศ", slug="news-and-2", description="ซ้ำ ทำมือ")
    zero = raw_term(site, "ประกาศ\u200b", slug="%e0%b8%9b-2")
    on_plain = [site.add_post(title=f"ก {i}", categories=[plain], date=when(i)).id for i in range(3)]
    on_doubled = [site.add_post(title=f"ข {i}", categories=[doubled], date=when(i)).id for i in range(2)]
    on_zero = site.add_post(title="ค", categories=[zero], date=when(5)).id
    before = state(site)
    plan, _ = plan_of(tmp_path, 'action = "merge"\nfrom = "ข่าว & ประกาศ"\ninto = "ข่าวกิจกรรม"')
    with pytest.raises(PlanError) as caught:
        MigrationEngine(site, ledger).plan(plan)
    assert f"'ข่าว & ประกาศ' matches 2 categories: 'ข่าว & ประกาศ' (#{plain}), 'ข่าว  & ประกาศ' (#{doubled})" in str(caught.value)
    plan, digest = plan_of(tmp_path, f'action = "merge"\nfrom = "#{doubled}"\ninto = "ข่าวกิจกรรม"',
                           f'action = "merge"\nfrom = "#{zero}"\ninto = "ข่าวกิจกรรม"')
    engine = MigrationEngine(site, ledger)
    lines = describe(engine.plan(plan))
    assert any("has doubled or trailing spacing" in line and f"(#{doubled})" in line for line in lines)
    run = engine.apply(plan, digest)
    assert all(site.posts[p].categories == [target] for p in on_doubled + [on_zero])
    assert engine.rollback(run).conflicts == []
    posts, terms = state(site)
    again = {t[2]: i for i, t in terms.items()}
    assert again["news-and-2"] not in (plain, doubled) and again["%e0%b8%9b-2"] != zero
    # The look-alike and its posts are untouched; the recreated one has its own slug and description
    # (WordPress's API collapses the doubled space, as the plan said).
    assert terms[plain] == before[1][plain] and all(posts[p] == before[0][p] for p in on_plain)
    assert terms[again["news-and-2"]] == ("ข่าว &amp; ประกาศ", 0, "news-and-2", "ซ้ำ ทำมือ")
    assert terms[again["%e0%b8%9b-2"]][0::2] == ("ประกาศ\u200b", "%e0%b8%9b-2")
    assert all(site.posts[p].categories == [again["news-and-2"]] for p in on_doubled)
    assert site.posts[on_zero].categories == [again["%e0%b8%9b-2"]]


def test_a_literal_name_with_a_slash_and_the_path_are_told_apart(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    child = site.ensure_category_path("ประกาศ / คำสั่ง").id
    literal = raw_term(site, "ประกาศ / คำสั่ง", slug="literal")
    plan, _ = plan_of(tmp_path, 'action = "rename"\ncategory = "ประกาศ / คำสั่ง"\nto = "คำสั่งเก่า"')
    with pytest.raises(PlanError, match=rf"matches 2 categories: 'ประกาศ / คำสั่ง' \(#{child}\), "
                                        rf"'ประกาศ / คำสั่ง' \(#{literal}\); name the one meant by id"):
        MigrationEngine(site, ledger).plan(plan)
    plan, _ = plan_of(tmp_path, f'action = "rename"\ncategory = "#{literal}"\nto = "คำสั่งเก่า"')
    assert [c.target for c in MigrationEngine(site, ledger).plan(plan)] == [literal]
    # With the child gone, the path means the literal name; creating under a doubled level is refused.
    del site.terms[child]
    plan, _ = plan_of(tmp_path, 'action = "rename"\ncategory = "ประกาศ / คำสั่ง"\nto = "คำสั่งเก่า"')
    assert [c.target for c in MigrationEngine(site, ledger).plan(plan)] == [literal]
    twin = raw_term(site, "ประกาศ", slug="twin")
    plan, _ = plan_of(tmp_path, 'action = "create_tree"\npaths = ["ประกาศ / ใหม่"]')
    with pytest.raises(PlanError, match=rf"'ประกาศ' in 'ประกาศ / ใหม่' matches 2 categories: 'ประกาศ' \(#\d+\), "
                                        rf"'ประกาศ' \(#{twin}\); merge them first"):
        MigrationEngine(site, ledger).plan(plan)


def test_three_way_rollback_keeps_edits_made_since_and_lists_them(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    old = site.add_category("เก่า").id
    other = site.add_category("อื่น").id
    posts = [site.add_post(title=f"โพสต์ {i}", categories=[old], date=when(i)).id for i in range(3)]
    plan, digest = plan_of(tmp_path, 'action = "create_tree"\npaths = ["ใหม่ / ย่อย"]',
                           'action = "move_posts"\nmode = "replace"\nto = "ใหม่ / ย่อย"\n[steps.filter]\ncategory = "เก่า"',
                           'action = "rename"\ncategory = "อื่น"\nto = "อื่น ๆ"')
    engine = MigrationEngine(site, ledger)
    run = engine.apply(plan, digest)
    new = next(t.id for t in site.terms.values() if t.raw_name == "ย่อย")
    # Editors after the apply: one post filed also under "อื่น ๆ", a new post in the new category,
    # the renamed category renamed again.
    site.edit_post(posts[0], categories=[new, other])
    filed = site.add_post(title="ใหม่หลังย้าย", categories=[new], date=when(9)).id
    site.update_category(other, name="อื่น ๆ (แก้)")
    result = engine.rollback(run)
    text = "\n".join(result.conflicts)
    assert len(result.conflicts) == 4, text
    assert f"post #{posts[0]} 'โพสต์ 0' was re-filed since the run" in text
    assert f"'ใหม่ / ย่อย' (#{new}), made by the run, is kept: it holds 2 post(s) (e.g. #{posts[0]}, #{filed})" in text
    assert f"category 'อื่น ๆ (แก้)' (#{other}) was renamed or moved since the run" in text
    assert f"'ใหม่' (#{new - 1}), made by the run, is kept: it holds the subcategories 'ใหม่ / ย่อย' (#{new})" in text
    assert site.posts[posts[0]].categories == [new, other] and site.posts[filed].categories == [new]
    assert [site.posts[p].categories for p in posts[1:]] == [[old], [old]]
    assert site.terms[other].raw_name == "อื่น ๆ (แก้)"
    # --force: the editors' changes give way.
    forced = engine.rollback(run, force=True)
    assert forced.conflicts == [] and forced.undone == 4
    assert site.posts[posts[0]].categories == [old] and site.terms[other].raw_name == "อื่น"
    assert new not in site.terms and site.posts[filed].categories == [1]


def test_slugs_wordpress_would_refuse_are_foreseen_and_avoided(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    slug = wordpress_slug(LONG)
    assert len(slug) <= SLUG_MAX_BYTES and slug.startswith("o20-%e0%b8%9b")  # 22 Thai characters fit
    site.ensure_category_path(f"ITA 2567 / {LONG}")
    site.ensure_category_path("ITA 2568")
    # Without help, WordPress appends the parent's slug on the clash and the insert fails.
    with pytest.raises(SiteError, match="Could not insert term"):
        site.create_category(LONG, site.ensure_category_path("ITA 2568").id)
    plan, digest = plan_of(tmp_path, f'action = "create_tree"\npaths = ["ITA 2568 / {LONG}", "ITA 2569 / {LONG}"]')
    engine = MigrationEngine(site, ledger)
    lines = describe(engine.plan(plan))
    assert sum("its slug is taken, and WordPress would make it" in line for line in lines) == 2
    engine.apply(plan, digest)
    # ensure_category_path (mappings apply, the reconciler) follows the same rule.
    site.ensure_category_path(f"ITA 2570 / {LONG}")
    slugs = sorted(t.slug for t in site.terms.values() if t.raw_name.startswith("O20"))
    assert len(set(slugs)) == 4 and all(len(s) <= SLUG_MAX_BYTES for s in slugs)
    too_long, _ = plan_of(tmp_path, f'action = "create_tree"\npaths = ["{"ก" * 201}"]')
    with pytest.raises(PlanError, match="has 201 characters; WordPress stores at most 200"):
        engine.plan(too_long)


def test_plan_output_counts_posts_and_changes_and_names_parents_by_path(site: FakeCms, ledger: Ledger,
                                                                       tmp_path: Path) -> None:
    a = site.add_category("ก").id
    b = site.add_category("ข").id
    ids = [site.add_post(title=f"เรื่อง {i}", categories=[a], date=when(i)).id for i in range(2)]
    plan, _ = plan_of(tmp_path, 'action = "create_tree"\npaths = ["ITA 2570 / O1"]',
                      'action = "move_posts"\nmode = "add"\nto = "ITA 2570 / O1"\n[steps.filter]\ncategory = "ก"',
                      'action = "move_posts"\nmode = "add"\nto = "ข"\n[steps.filter]\ncategory = "ก"',
                      'action = "rename"\ncategory = "ข"\nto = "ข"',
                      'action = "reparent"\ncategory = "ข"\nparent = "ก"')
    lines = describe(MigrationEngine(site, ledger).plan(plan))
    assert lines[:3] == ["create category 'ITA 2570' (under the top level)",
                         "create category 'ITA 2570 / O1' (under 'ITA 2570' (new))",
                         f"move 'ข' (#{b}) from under the top level to under 'ก' (#{a})"]
    assert "re-file 2 posts (4 changes), e.g.:" in lines
    assert f"  #{ids[0]} 'เรื่อง 0' (publish): ['ก' (#{a})] -> ['ก' (#{a}), 'ITA 2570 / O1' (new)]" in lines
    assert not any(line.startswith("rename") for line in lines)  # the no-op rename is not listed
    assert "note: every re-filed post gets a new modified time" in "\n".join(lines)


def test_include_subcategories_reaches_every_level_and_is_off_by_default(site: FakeCms, ledger: Ledger,
                                                                         tmp_path: Path) -> None:
    top = site.ensure_category_path("จัดซื้อจัดจ้าง").id
    deep = site.ensure_category_path("จัดซื้อจัดจ้าง / ประกาศ / 2567").id
    site.add_category("ปลายทาง")
    on_top = site.add_post(title="ประกาศ บน", categories=[top], date=when(1)).id
    on_deep = site.add_post(title="ประกาศ ล่าง", categories=[deep], date=when(2)).id
    step = 'action = "move_posts"\nmode = "add"\nto = "ปลายทาง"\n[steps.filter]\ncategory = "จัดซื้อจัดจ้าง"'
    plan, _ = plan_of(tmp_path, step)
    assert [c.target for c in MigrationEngine(site, ledger).plan(plan)] == [on_top]
    plan, _ = plan_of(tmp_path, step + "\ninclude_subcategories = true")
    assert [c.target for c in MigrationEngine(site, ledger).plan(plan)] == [on_top, on_deep]


def test_the_shipped_ita_job_reaches_posts_in_subcategories(site: FakeCms, ledger: Ledger) -> None:
    from cms_bridge.mappings import load_mappings

    root = Path(__file__).resolve().parents[2]
    sub = site.ensure_category_path("จัดซื้อจัดจ้าง / ประกาศผู้ชนะ").id
    post = site.add_post(title="ประกาศผู้ชนะการเสนอราคา", categories=[sub], date=when(30)).id
    plan, _ = load_plan(root / "jobs" / "ita-2567-procurement.toml")
    changes = MigrationEngine(site, ledger, load_mappings()).plan(plan)
    assert [c.target for c in changes if c.kind == "post_categories"] == [post]


def test_a_rollback_cut_off_anywhere_finishes_on_rerun_without_conflicts(site: FakeCms, ledger: Ledger, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import cms_bridge.categories.engine as engine_module

    old = site.add_category("เก่า").id
    site.add_category("ใหม่")
    other = site.add_category("อื่น").id
    for i in range(60):
        site.add_post(title=f"โพสต์ {i}", categories=[old], date=when(i))
    before = state(site)
    plan, digest = plan_of(tmp_path, 'action = "merge"\nfrom = "เก่า"\ninto = "ใหม่"',
                           'action = "rename"\ncategory = "อื่น"\nto = "อื่น ๆ"')
    engine = MigrationEngine(site, ledger)
    run = engine.apply(plan, digest)
    # Cut off after the site has the change but before the journal says so: after the rename is
    # undone, after the category is recreated, then in the middle of the post writes.
    real_mark = engine_module.mark
    cuts = {"update_term": 1, "delete_term": 1}

    def mark_then_die(ledger_: Ledger, run_id: str, changes: list, state_: str) -> None:
        kind = changes[0].kind
        if cuts.get(kind):
            cuts[kind] -= 1
            raise SiteError("killed", method="-", url="-")
        real_mark(ledger_, run_id, changes, state_)

    monkeypatch.setattr(engine_module, "mark", mark_then_die)
    for _ in cuts:
        with pytest.raises(SiteError, match="killed"):
            engine.rollback(run)
    writes = {"n": 0}

    def thirtieth(*_: object) -> bool:
        writes["n"] += 1
        return writes["n"] == 30

    site.fail("write", when=thirtieth)
    with pytest.raises(SiteError):
        engine.rollback(run)
    result = engine.rollback(run)
    assert result.conflicts == []
    posts, terms = state(site)
    again = next(i for i, t in terms.items() if t[0] == "เก่า")
    assert len([t for t in terms.values() if t[0] == "เก่า"]) == 1  # recreated once, not twice
    assert terms[other][0] == "อื่น"
    assert posts == {p: (tuple(again if c == old else c for c in cats), s, d) for p, (cats, s, d) in before[0].items()}


def test_force_is_for_rollback_only(capsys: pytest.CaptureFixture[str]) -> None:
    from cms_bridge.cli import main

    assert main(["--config", "/nonexistent.toml", "migrate", "apply", "jobs/x.toml", "--force"]) == 2
    assert capsys.readouterr().err.strip() == "cms-bridge: error: --force is for `migrate rollback` only"


def test_undated_drafts_and_pending_posts_keep_their_date_through_apply_and_rollback(ledger: Ledger,
                                                                                    tmp_path: Path) -> None:
    # WordPress dates a draft without a fixed date "now" on any write (the fake does too): the
    # engine sends each one's date back, and plan says so.
    clock = [NOW - timedelta(days=30)]
    site = FakeCms(clock=lambda: clock[0])
    dup, keep = site.add_category("ข่าว  ซ้ำ").id, site.add_category("ข่าว").id
    undated = {s: site.add_post(title=f"ร่าง {s}", status=s, categories=[dup]).id for s in ("draft", "pending")}
    dated = site.add_post(title="เผยแพร่แล้ว", categories=[dup], date=when(3)).id
    written = {p: site.posts[p].date for p in [*undated.values(), dated]}
    clock[0] = NOW
    bare = site.add_post(title="ร่างเปล่า", status="draft", categories=[keep]).id
    plan, digest = plan_of(tmp_path, f'action = "merge"\nfrom = "#{dup}"\ninto = "#{keep}"')
    engine = MigrationEngine(site, ledger)
    lines = describe(engine.plan(plan))
    assert any("2 draft or pending post(s) are re-filed" in line and "date back" in line for line in lines), lines
    run = engine.apply(plan, digest)
    assert {p: site.posts[p].date for p in written} == written
    assert all(keep in site.posts[p].categories for p in written)
    clock[0] = NOW + timedelta(days=2)
    assert engine.rollback(run).conflicts == []
    assert {p: site.posts[p].date for p in written} == written
    # Without the date sent back, the fake re-dates an undated draft as WordPress does.
    site.change_categories([CategoryChange(post_id=bare, add=(site.add_category("อื่น").id,))])
    assert site.posts[bare].date == clock[0]
