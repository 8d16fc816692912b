"""Category migrations on the in-memory site: plan = apply, an interrupted apply resumes, rollback
is exact, costs, and every planning refusal (tests/integration/test_migration.py, ported)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cms_bridge.categories.engine import MigrationEngine
from cms_bridge.categories.journal import get_run, running_run
from cms_bridge.categories.plan import Plan, PlanError, fiscal_bounds_dates, load_plan
from cms_bridge.errors import SiteError
from cms_bridge.ledger.store import Ledger
from cms_bridge.mappings import load_mappings
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms

from ..integration.test_migration import FY_START, PLAN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site() -> FakeCms:
    return FakeCms()


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger(tmp_path / "ledger.sqlite3") as opened:
        yield opened


def make_site(site: FakeCms, n: int = 150) -> dict:
    cats = {name: site.ensure_category_path(name).id for name in
            ("จัดซื้อจัดจ้าง", "ข่าวประชาสัมพันธ์", "ข่าว ประชาสัมพันธ์", "เอกสารเก่า", "หมวดว่าง", "ITA 2567")}
    posts = {}
    for i in range(n):
        if i < 100:
            kind = ("ประกาศ", "สรุปผล", "คำสั่ง")[i % 3]
            title, cat, when = f"{kind}จัดซื้อ {i}", cats["จัดซื้อจัดจ้าง"], FY_START - timedelta(days=200) + timedelta(days=i * 6)
        else:
            news = "ข่าวประชาสัมพันธ์" if i % 2 else "ข่าว ประชาสัมพันธ์"
            title, cat, when = f"ข่าว {i}", cats[news], FY_START + timedelta(days=i)
        stored = site.add_post(title=title, date=when, categories=[cat])
        posts[stored.id] = (title, [cat], when)
    return {"cats": cats, "posts": posts}


def snapshot(site: FakeCms) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[str, int]]]:
    return ({p.id: tuple(sorted(p.categories)) for p in site.posts.values()},
            {t.id: (t.raw_name, t.parent) for t in site.terms.values()})


def write_plan(tmp_path: Path, text: str) -> tuple[Plan, str]:
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return load_plan(path)


def test_plan_apply_interrupt_resume_and_rollback(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    made = make_site(site)
    original = snapshot(site)
    plan, digest = write_plan(tmp_path, PLAN)
    fy_end = datetime(2024, 10, 1, tzinfo=OFFICE_TZ)
    in_fy = {pid for pid, (t, c, d) in made["posts"].items() if c == [made["cats"]["จัดซื้อจัดจ้าง"]] and FY_START <= d < fy_end}
    announcements = {pid for pid in in_fy if made["posts"][pid][0].startswith("ประกาศ")}
    summaries = {pid for pid in in_fy if made["posts"][pid][0].startswith("สรุปผล")}
    duplicate_news = {pid for pid, (t, c, d) in made["posts"].items() if c == [made["cats"]["ข่าว ประชาสัมพันธ์"]]}
    assert announcements and summaries and duplicate_news
    engine = MigrationEngine(site, ledger)
    changes = engine.plan(plan)
    moved = [c for c in changes if c.kind == "post_categories"]
    # A merged post is one change (the source swapped for the target), not two.
    assert len(moved) == len(announcements) + len(summaries) + len(duplicate_news)
    assert snapshot(site) == original  # planning changed nothing

    # Cut off in the middle of the post writes (the 30th write fails), then resumed.
    writes = {"n": 0}

    def thirtieth(*_: object) -> bool:
        writes["n"] += 1
        return writes["n"] == 30

    site.fail("write", when=thirtieth)
    with pytest.raises(SiteError):
        engine.apply(plan, digest)
    assert running_run(ledger, digest) is not None
    seen: list[tuple[int, int]] = []
    run_id = engine.apply(plan, digest, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(changes), len(changes)) and seen[0][0] > 1  # resumed, not restarted
    posts, terms = snapshot(site)
    o20 = next(i for i, (n, _) in terms.items() if n.startswith("O20"))
    o21 = next(i for i, (n, _) in terms.items() if n.startswith("O21"))
    general = made["cats"]["ข่าวประชาสัมพันธ์"]
    assert terms[general][0] == "ข่าวประชาสัมพันธ์ (ทั่วไป)"  # renamed, same term
    for pid, (title, cats, _) in made["posts"].items():
        expected = ((*cats, o20) if pid in announcements else (o21,) if pid in summaries
                    else (general,) if pid in duplicate_news else tuple(cats))
        assert posts[pid] == tuple(sorted(expected)), (pid, title)
    assert made["cats"]["ข่าว ประชาสัมพันธ์"] not in terms and made["cats"]["หมวดว่าง"] not in terms
    assert terms[made["cats"]["เอกสารเก่า"]] == ("เอกสารเก่า", made["cats"]["ITA 2567"])
    assert get_run(ledger, run_id).status == "done" and running_run(ledger, digest) is None

    undone = engine.rollback(run_id)
    assert (undone.undone, undone.conflicts) == (len(changes), [])
    posts, terms = snapshot(site)
    recreated = {n: i for i, (n, _) in terms.items()}
    remap = {made["cats"][n]: recreated[n] for n in ("ข่าว ประชาสัมพันธ์", "หมวดว่าง")}
    assert posts == {pid: tuple(sorted(remap.get(c, c) for c in cats)) for pid, cats in original[0].items()}
    assert {i: v for i, v in terms.items() if i not in remap.values()} == \
        {i: v for i, v in original[1].items() if i not in remap}
    assert get_run(ledger, run_id).status == "rolled_back"


def test_costs_are_reads_per_100_and_writes_per_batch(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    old = site.ensure_category_path("เก่า").id
    for i in range(260):
        site.add_post(title=f"โพสต์ {i}", categories=[old])
    plan, digest = write_plan(tmp_path, 'name = "move"\n[[steps]]\naction = "create_tree"\npaths = ["ใหม่"]\n'
                              '[[steps]]\naction = "move_posts"\nmode = "replace"\nto = "ใหม่"\n'
                              '[steps.filter]\ncategory = "เก่า"\n')
    site.requests.clear()
    MigrationEngine(site, ledger).apply(plan, digest)
    assert site.requests == {"list_categories": 1, "iter_posts": 3, "create_category": 1, "batch": 11}
    assert set(site.batch_sizes) == {25, 10}
    new = next(t.id for t in site.terms.values() if t.raw_name == "ใหม่")
    assert all(p.categories == [new] for p in site.posts.values())


def test_a_plan_naming_a_missing_category_changes_nothing(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    site.ensure_category_path("มีอยู่")
    plan, digest = write_plan(tmp_path, 'name = "bad"\n[[steps]]\naction = "create_tree"\npaths = ["ใหม่ / ย่อย"]\n'
                              '[[steps]]\naction = "rename"\ncategory = "ไม่มี"\nto = "x"\n')
    before = snapshot(site)
    with pytest.raises(PlanError, match="step 2: the category 'ไม่มี'"):
        MigrationEngine(site, ledger).apply(plan, digest)
    assert snapshot(site) == before


def steps(*body: str) -> str:
    return 'name = "t"\n' + "".join(f"[[steps]]\n{b}\n" for b in body)


@pytest.mark.parametrize(("body", "message"), [
    (['action = "merge"\nfrom = "ก"\ninto = "ก"'], r"step 1: cannot merge 'ก' \(#2\) into itself"),
    (['action = "merge"\nfrom = "ก"\ninto = "ข"'],
     r"step 1: 'ก' \(#2\) has subcategories \('ก / ลูก' \(#3\)\); reparent them first"),
    (['action = "reparent"\ncategory = "ก"\nparent = "ก / ลูก"'], r"'ก / ลูก' \(#3\) is inside 'ก' \(#2\); that would be a cycle"),
    (['action = "delete_empty"\ncategories = ["ก"]'], r"step 1: 'ก' \(#2\) has subcategories"),
    (['action = "delete_empty"\ncategories = ["ข"]'], r"step 1: 'ข' \(#4\) still holds 1 post\(s\) \(draft, e.g. #"),
    (['action = "create_tree"\nita_year = 2567'], "ita_year needs the ITA mappings"),
])
def test_plans_that_cannot_be_done_are_refused_naming_the_step(site: FakeCms, ledger: Ledger, tmp_path: Path,
                                                               body: list[str], message: str) -> None:
    site.ensure_category_path("ก / ลูก")
    held = site.ensure_category_path("ข").id
    site.add_post(title="ร่าง", status="draft", categories=[held])  # a draft still holds it
    plan, _ = write_plan(tmp_path, steps(*body))
    with pytest.raises(PlanError, match=message):
        MigrationEngine(site, ledger).plan(plan)


def test_modes_add_remove_by_id_and_title_pattern_and_date_bounds(site: FakeCms, ledger: Ledger,
                                                                   tmp_path: Path) -> None:
    a = site.add_category("ซ้ำ &amp; ชื่อ").id
    b = site.ensure_category_path("อื่น").id
    inside = site.add_post(title="ประกาศ 1", date=datetime(2024, 2, 1, tzinfo=OFFICE_TZ), categories=[a, b]).id
    outside = site.add_post(title="ประกาศ 2", date=datetime(2024, 5, 1, tzinfo=OFFICE_TZ), categories=[a, b]).id
    other = site.add_post(title="ข่าว 3", date=datetime(2024, 2, 2, tzinfo=OFFICE_TZ), categories=[a]).id
    plan, digest = write_plan(tmp_path, steps(
        'action = "create_tree"\npaths = ["ใหม่"]',
        f'action = "move_posts"\nmode = "add"\nto = "ใหม่"\n[steps.filter]\ncategory = "#{a}"\n'
        'after = "2024-01-01"\nbefore = "2024-03-01"\ntitle_pattern = "^ประกาศ"',
        'action = "move_posts"\nmode = "remove"\ncategory = "อื่น"\n[steps.filter]\ncategory = "ใหม่"'))
    changes = MigrationEngine(site, ledger).plan(plan)
    assert [(c.kind, c.target) for c in changes] == [("create_term", None), ("post_categories", inside),
                                                     ("post_categories", inside)]
    MigrationEngine(site, ledger).apply(plan, digest)
    new = next(t.id for t in site.terms.values() if t.raw_name == "ใหม่")
    assert site.posts[inside].categories == [a, new]
    assert site.posts[outside].categories == [a, b] and site.posts[other].categories == [a]
    assert MigrationEngine(site, ledger).plan(plan)[1:] == []  # done: the tree exists, nothing left to move


def test_create_tree_from_the_shipped_ita_2567_list(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    mappings = load_mappings()
    plan, digest = write_plan(tmp_path, steps('action = "create_tree"\nita_year = 2567'))
    changes = MigrationEngine(site, ledger, mappings).plan(plan)
    expected = {item.category for item in mappings.ita_year(2567).items.values()}
    MigrationEngine(site, ledger, mappings).apply(plan, digest)
    leaves = {site.ensure_category_path(p).id for p in expected}
    assert len(site.terms) == 1 + len(changes) and len(leaves) == len(expected)


def test_rollback_of_a_created_category_deleted_meanwhile(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    plan, digest = write_plan(tmp_path, steps('action = "create_tree"\npaths = ["ชั่วคราว"]'))
    engine = MigrationEngine(site, ledger)
    run_id = engine.apply(plan, digest)
    created = next(t.id for t in site.terms.values() if t.raw_name == "ชั่วคราว")
    site.delete_category(created)
    assert engine.rollback(run_id).undone == 1 and set(site.terms) == {1}


def test_load_plan_reports_each_problem(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    with pytest.raises(PlanError, match="cannot read the plan"):
        load_plan(path)
    path.write_bytes(b'name = "\xff"')
    with pytest.raises(PlanError, match="not valid UTF-8"):
        load_plan(path)
    path.write_text("name = ", encoding="utf-8")
    with pytest.raises(PlanError, match="not valid TOML"):
        load_plan(path)
    path.write_text(steps('action = "move_posts"\nmode = "add"\n[steps.filter]\nfiscal_year = 2567\n'
                          'after = "2024-01-01"\ntitle_pattern = "("',
                          'action = "move_posts"\nmode = "remove"\n[steps.filter]\nafter = "2024-02-01"\n'
                          'before = "2024-01-01"'), encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    text = str(caught.value)
    assert "step 1: filter.title_pattern: title_pattern is not a valid regular expression" in text
    assert "step 2: filter: after (2024-02-01) must be before before (2024-01-01)" in text


def test_plan_validators_and_fiscal_bounds(tmp_path: Path) -> None:
    for bad, message in [('mode = "add"\n[steps.filter]\nfiscal_year = 2567', "needs 'to'"),
                         ('mode = "remove"\n[steps.filter]\nfiscal_year = 2567', "needs 'category'"),
                         ('mode = "add"\nto = "x"\n[steps.filter]\nfiscal_year = 2567\nbefore = "2024-01-01"',
                          "either fiscal_year or after/before"),
                         ('mode = "add"\nto = "x"\n[steps.filter]\nafter = "2024-02-01"\nbefore = "2024-01-01"',
                          "must be before")]:
        (tmp_path / "p.toml").write_text(steps('action = "move_posts"\n' + bad), encoding="utf-8")
        with pytest.raises(PlanError, match=message):
            load_plan(tmp_path / "p.toml")
    first, after_last = fiscal_bounds_dates(2567)
    assert (first.isoformat(), after_last.isoformat()) == ("2023-10-01", "2024-10-01")
    plan, digest = load_plan(ROOT / "jobs" / "ita-2567-procurement.toml")
    assert len(digest) == 64 and plan.steps
