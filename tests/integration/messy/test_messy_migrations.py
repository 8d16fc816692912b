"""Category migrations on the messy site, checked with SQL: every shipped job and a merge/rename/
reparent/delete plan go plan -> apply -> rollback through the command line, and the site after
rollback is the site before, but for what the plan announced (new ids of recreated categories)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from cms_bridge.categories.engine import MigrationEngine, PlannedChanges
from cms_bridge.categories.journal import Change
from cms_bridge.categories.plan import load_plan
from cms_bridge.ledger.store import Ledger
from cms_bridge.mappings import load_mappings
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient

from ...conftest import ROOT
from .. import messy_site as site
from ..messy_site import Snapshot, cli, diff, no_traceback, recreated_ids, snapshot
from .conftest import MessySite

JOBS = sorted((ROOT / "jobs").glob("*.toml"))


# -- helpers ------------------------------------------------------------------------------------

@dataclass
class RoundTrip:
    before: Snapshot
    planned: PlannedChanges
    plan_output: str
    applied: Snapshot
    apply_output: str
    rolled_back: Snapshot
    rollback_output: str


def planned_changes(messy: MessySite, plan_file: Path) -> PlannedChanges:
    """The changes the engine plans, read with the library (a separate ledger: nothing is written)."""
    plan, _ = load_plan(plan_file)
    with Ledger(messy.ledger.with_name("plan-only.sqlite3")) as ledger:
        return MigrationEngine(RestAdapter(HttpClient(messy.config)), ledger, load_mappings()).plan(plan)


def run_ok(messy: MessySite, *args: str) -> str:
    done = cli(messy.cli_config, *args)
    no_traceback(done)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout + done.stderr


def apply(messy: MessySite, plan_file: Path) -> tuple[str, str]:
    """``migrate apply`` through the command line; the run id and its output."""
    output = run_ok(messy, "migrate", "apply", str(plan_file))
    found = re.search(r"run (\S+): done", output)
    assert found, output
    return found.group(1), output


def round_trip(messy: MessySite, plan_file: Path) -> RoundTrip:
    before = snapshot()
    planned = planned_changes(messy, plan_file)
    plan_output = run_ok(messy, "migrate", "plan", str(plan_file))
    assert snapshot() == before, "migrate plan changed the site:\n" + "\n".join(diff(before, snapshot()))
    run_id, apply_output = apply(messy, plan_file)
    applied = snapshot()
    rollback_output = run_ok(messy, "migrate", "rollback", run_id)
    return RoundTrip(before, planned, plan_output, applied, apply_output, snapshot(), rollback_output)


def stored(name: str) -> str:
    """A name as it reads: WordPress stores "&" as "&amp;", which is its encoding, not a change."""
    return site.nfc(html.unescape(name))


def expected_after_apply(changes: list[Change], before: Snapshot, after: Snapshot) -> list[str]:
    """What differs between the plan's changes and what the apply did, by SQL (empty: as planned)."""
    problems: list[str] = []
    created: dict[int, int] = {}  # placeholder (-seq) -> the id the category got
    for change in changes:
        if change.kind == "create_term":
            parent = created.get(change.after["parent"], change.after["parent"])
            found = [t.id for t in after.terms.values() if t.id not in before.terms
                     and stored(t.name) == stored(change.after["name"]) and t.parent == parent]
            if len(found) != 1:
                problems.append(f"planned category {change.after['name']!r} under #{parent}: {len(found)} made")
            else:
                created[-change.seq] = found[0]
    final: dict[int, set[int]] = {}
    for change in changes:
        if change.kind == "post_categories":
            assert change.target is not None
            final[change.target] = {created.get(c, c) for c in change.after["categories"]}
        elif change.kind == "update_term":
            assert change.target is not None
            term = after.terms.get(change.target)
            parent = created.get(change.after["parent"], change.after["parent"])
            if term is None or (stored(term.name), term.parent) != (stored(change.after["name"]), parent):
                problems.append(f"category #{change.target}: planned {change.after}, is {term}")
        elif change.kind == "delete_term" and change.target in after.terms:
            problems.append(f"category #{change.target} was to be deleted and is still there")
    for pid, row in before.posts.items():
        now = after.posts[pid].category_ids if pid in after.posts else None
        wanted = final.get(pid, row.category_ids)
        if now != wanted:
            problems.append(f"post {pid} {row.title!r} ({row.status}): planned {sorted(wanted)}, is {sorted(now or [])}")
    touched = {c.target for c in changes if c.kind in ("update_term", "delete_term")}
    for tid, term in before.terms.items():
        if tid not in touched and after.terms.get(tid) != term:
            problems.append(f"category #{tid} {term.name!r} changed though the plan does not touch it: {after.terms.get(tid)}")
    return problems


def as_read(snap: Snapshot, announced: PlannedChanges | None = None) -> Snapshot:
    """*snap* with names as they read (WordPress stores "&" as "&amp;": its encoding, not a change)
    and, given a plan, with what it announced rollback cannot restore: the name rollback writes
    back instead, and no term meta for a category it deletes. Nothing else is allowed to differ."""
    names = {u.term: u.restored for u in announced.unrestorable if u.field == "name"} if announced else {}
    no_meta = {u.term for u in announced.unrestorable if u.field == "meta"} if announced else set()
    terms = {i: replace(t, name=names.get(i) or html.unescape(t.name), meta=() if i in no_meta else t.meta)
             for i, t in snap.terms.items()}
    return Snapshot(posts=snap.posts, terms=terms)


def assert_round_trip(trip: RoundTrip) -> None:
    # No post is ever lost, whatever else happens.
    assert set(trip.applied.posts) == set(trip.before.posts) == set(trip.rolled_back.posts)
    problems = expected_after_apply(trip.planned, trip.before, trip.applied)
    assert not problems, "apply did not do what the plan said:\n" + "\n".join(problems[:40])
    # What plan announced it cannot restore is named in what it printed, before anything changed.
    for item in trip.planned.unrestorable:
        assert f"(#{item.term})" in trip.plan_output and ("term meta" if item.field == "meta" else
                                                          repr(item.restored)) in trip.plan_output, item
    expected, now = as_read(trip.before, trip.planned), as_read(trip.rolled_back)
    left = diff(expected, now, remap=recreated_ids(expected, now))
    assert not left, "after rollback the site differs from before:\n" + "\n".join(left[:40])


def write_plan(tmp_path: Path, body: str, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


# -- the shipped jobs and a merge/rename/reparent/delete plan ---------------------------------

# Jobs that fail on the messy site today (none); any other job in jobs/ must pass as it is.
JOB_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("job", [
    pytest.param(job, id=job.stem,
                 marks=[pytest.mark.xfail(strict=True, reason=JOB_XFAIL[job.name])] if job.name in JOB_XFAIL else [])
    for job in JOBS])
def test_shipped_job_plan_apply_rollback_round_trip(messy: MessySite, job: Path) -> None:
    assert_round_trip(round_trip(messy, job))


def custom_plan(messy: MessySite) -> str:
    t = messy.term
    return f'''
name = "messy: merge near-duplicates, rename, reparent three levels, delete an empty category"

[[steps]]
action = "merge"
from = "#{t("act_raw")}"
into = "#{t("act")}"

[[steps]]
action = "merge"
from = "#{t("photos_zw")}"
into = "#{t("photos")}"

[[steps]]
action = "rename"
category = "#{t("docs_trail")}"
to = "เอกสารเผยแพร่ทั่วไป"

[[steps]]
action = "reparent"
category = "เอกสารเก่า"
parent = "คลังเอกสาร"

[[steps]]
action = "delete_empty"
categories = ["หมวดว่าง"]
'''


def test_merge_rename_reparent_delete_plan_round_trip(messy: MessySite, tmp_path: Path) -> None:
    trip = round_trip(messy, write_plan(tmp_path, custom_plan(messy)))
    # Three levels moved whole: คลังเอกสาร / เอกสารเก่า / ปี 2560.
    old, archive = messy.term("old"), messy.term("archive")
    assert trip.applied.terms[old].parent == archive and trip.applied.terms[messy.term("old_2560")].parent == old
    assert_round_trip(trip)


def test_merge_rename_reparent_delete_plan_applies_as_planned(messy: MessySite, tmp_path: Path) -> None:
    # The apply half of the round trip above, which holds today: every change the plan lists is
    # on the site after apply, and nothing else changed.
    plan = write_plan(tmp_path, custom_plan(messy))
    before = snapshot()
    planned = planned_changes(messy, plan)
    apply(messy, plan)
    problems = expected_after_apply(planned, before, snapshot())
    assert not problems, "\n".join(problems)
    # Posts of the merged near-duplicates are in the survivors, in every status they had.
    after = snapshot()
    for source, target in (("act_raw", "act"), ("photos_zw", "photos")):
        for pid in before.in_any({messy.term(source)}):
            assert messy.term(target) in after.posts[pid].category_ids, before.posts[pid]


# -- single defects of issue 13, each on the messy site -----------------------------------------

def test_ita_job_files_every_fy2567_procurement_post_of_the_subtree(messy: MessySite) -> None:
    before = snapshot()
    proc = before.subtree(messy.term("proc"))
    apply(messy, ROOT / "jobs" / "ita-2567-procurement.toml")
    after = snapshot()
    ita = after.term_id("ITA 2567")
    o20 = next(t.id for t in after.terms.values() if t.parent == ita and t.name.startswith("O20 "))
    o21 = next(t.id for t in after.terms.values() if t.parent == ita and t.name.startswith("O21 "))
    # Counted by SQL from the site before: published (the filter's default), FY 2567 = 1 Oct 2566
    # (2023) to 30 Sep 2567 (2024), local time, anywhere under จัดซื้อจัดจ้าง.
    for target, prefix in ((o20, "ประกาศ"), (o21, "สรุปผล")):
        wanted = {p.id for p in before.posts.values() if p.category_ids & proc and p.status == "publish"
                  and "2023-10-01" <= p.date < "2024-10-01" and p.title.startswith(prefix)}
        assert any(before.posts[p].category_ids - {messy.term("proc")} for p in wanted)  # subcategories included
        assert after.in_any({target}) == wanted


def missed_schedule(snap: Snapshot, posts: set[int]) -> set[int]:
    """Those of *posts* scheduled for a time already past (WordPress publishes them on any write)."""
    now = site.NOW.strftime("%Y-%m-%d %H:%M:%S")
    return {p for p in posts if snap.posts[p].status == "future" and snap.posts[p].date < now}


def test_merge_job_moves_posts_of_every_status_including_trash(messy: MessySite) -> None:
    # By design (missed_schedule = "skip", the default) a merge leaves a missed-schedule post as it
    # is, and then keeps its source category, which still holds that post; plan says both first.
    job = ROOT / "jobs" / "merge-duplicate-categories.toml"
    before = snapshot()
    planned = run_ok(messy, "migrate", "plan", str(job))
    apply(messy, job)
    after = snapshot()
    kept_any = False
    for source, target in (("news_dup", "news"), ("proc_dup", "proc")):
        src, into = messy.term(source), messy.term(target)
        held = before.in_any({src})
        assert {before.posts[p].status for p in held} >= {"publish", "draft", "private", "pending", "trash"}
        skipped = missed_schedule(before, held)
        for pid in held - skipped:
            assert into in after.posts[pid].category_ids, before.posts[pid]
            assert src not in after.posts[pid].category_ids, before.posts[pid]
            assert after.posts[pid].category_ids != {1}  # never left in Uncategorized
        for pid in skipped:  # untouched: same categories, still scheduled
            assert after.posts[pid] == before.posts[pid]
            assert f"#{pid}" in planned, planned
        if skipped:
            kept_any = True
            assert src in after.terms and after.in_any({src}) == skipped
            assert re.search(rf"\(#{src}\) is kept: it still holds {len(skipped)} skipped missed-schedule", planned), planned
        else:
            assert src not in after.terms and f"delete category {before.path(src)!r} (#{src})" in planned
    assert kept_any  # the messy site has a missed-schedule post in one of the sources


def test_merge_job_leaves_missed_schedule_posts_scheduled(messy: MessySite) -> None:
    before = snapshot()
    now = site.NOW.strftime("%Y-%m-%d %H:%M:%S")
    missed = {p.id for p in before.posts.values() if p.status == "future" and p.date < now}
    assert missed & before.in_any({messy.term("news_dup")})
    run_id, _ = apply(messy, ROOT / "jobs" / "merge-duplicate-categories.toml")
    assert {snapshot().posts[p].status for p in missed} == {"future"}
    run_ok(messy, "migrate", "rollback", run_id)
    assert {snapshot().posts[p].status for p in missed} == {"future"}


def test_delete_empty_refuses_a_category_holding_only_trashed_posts(messy: MessySite, tmp_path: Path) -> None:
    before = snapshot()
    plan = write_plan(tmp_path, 'name = "delete"\n[[steps]]\naction = "delete_empty"\ncategories = ["หมวดถังขยะ"]\n')
    done = cli(messy.cli_config, "migrate", "plan", str(plan))
    no_traceback(done)
    assert done.returncode != 0 and "หมวดถังขยะ" in done.stdout + done.stderr
    applied = cli(messy.cli_config, "migrate", "apply", str(plan))
    no_traceback(applied)
    assert applied.returncode != 0 and snapshot() == before


def test_a_later_move_posts_step_applies_its_whole_filter(messy: MessySite, tmp_path: Path) -> None:
    fy = site.SCHEDULED_FY
    plan = write_plan(tmp_path, f'''
name = "two filters over one category"
[[steps]]
action = "create_tree"
paths = ["ตรวจทาน / ทุกสถานะ", "ตรวจทาน / ตั้งเวลา {fy}"]
[[steps]]
action = "move_posts"
mode = "add"
to = "ตรวจทาน / ทุกสถานะ"
[steps.filter]
category = "จัดซื้อจัดจ้าง"
statuses = ["publish", "private", "draft", "pending", "future"]
[[steps]]
action = "move_posts"
mode = "add"
to = "ตรวจทาน / ตั้งเวลา {fy}"
[steps.filter]
category = "จัดซื้อจัดจ้าง"
fiscal_year = {fy}
statuses = ["future"]
''')
    before = snapshot()
    # FY n (BE) = 1 October of n - 544 (CE) to 30 September of n - 543.
    first, end = f"{fy - 544}-10-01", f"{fy - 543}-10-01"
    wanted = {p.id for p in before.posts.values() if p.status == "future" and first <= p.date < end
              and p.category_ids & before.subtree(messy.term("proc"))}
    scheduled = {p for p in wanted if before.posts[p].date > site.NOW.strftime("%Y-%m-%d %H:%M:%S")}
    assert scheduled
    apply(messy, plan)
    after = snapshot()
    filed = after.in_any({after.term_id(f"ตั้งเวลา {fy}")})
    assert scheduled <= filed and not filed - wanted, [before.posts[p] for p in filed - wanted][:5]


def test_rollback_lists_and_keeps_edits_made_after_the_apply(messy: MessySite) -> None:
    run_id, _ = apply(messy, ROOT / "jobs" / "ita-2567-procurement.toml")
    after = snapshot()
    ita = after.term_id("ITA 2567")
    o20 = next(t.id for t in after.terms.values() if t.parent == ita and t.name.startswith("O20 "))
    # An editor files a new post under the new O20, and adds a category of their own to the new tree.
    rest = RestAdapter(HttpClient(messy.config))
    post = rest.http.request("POST", rest._url("/wp/v2/posts"), json={
        "title": "ประกาศที่เจ้าหน้าที่เพิ่มเอง", "status": "publish", "categories": [o20]}).json()
    extra = rest.create_category("O99 หมวดที่เจ้าหน้าที่เพิ่ม", ita)
    done = cli(messy.cli_config, "migrate", "rollback", run_id)
    no_traceback(done)
    output = done.stdout + done.stderr
    now = snapshot()
    assert str(post["id"]) in output and str(extra.id) in output  # each conflict is listed
    assert o20 in now.posts[post["id"]].category_ids  # and the editor's work is kept
    assert extra.id in now.terms


@pytest.mark.parametrize("name, keys", [
    pytest.param("ข่าว & กิจกรรม", ("act", "act_raw"), id="entity-look-alike"),
    pytest.param("ประกาศ / คำสั่ง", ("orders", "slash"), id="slash-in-a-name"),
])
def test_a_name_matching_two_categories_is_refused_naming_both(messy: MessySite, tmp_path: Path, name: str,
                                                                keys: tuple[str, str]) -> None:
    before = snapshot()
    plan = write_plan(tmp_path, f'name = "ambiguous"\n[[steps]]\naction = "rename"\ncategory = "{name}"\nto = "ชื่อใหม่"\n')
    done = cli(messy.cli_config, "migrate", "plan", str(plan))
    no_traceback(done)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    for key in keys:
        assert str(messy.term(key)) in output, output
    assert snapshot() == before


def test_a_long_thai_name_at_the_slug_limit_is_foreseen_by_plan(messy: MessySite, tmp_path: Path) -> None:
    # The same 29-letter name already exists under จัดซื้อจัดจ้าง: WordPress appends the parent's
    # slug to the new one, past the 200 bytes of the column.
    path = f"คลังเอกสาร / {site.LONG_NAME}"
    plan = write_plan(tmp_path, f'name = "long"\n[[steps]]\naction = "create_tree"\npaths = ["{path}"]\n')
    before = snapshot()
    planned = cli(messy.cli_config, "migrate", "plan", str(plan))
    no_traceback(planned)
    if planned.returncode != 0:  # refused before anything changes, naming the category
        assert site.LONG_NAME in planned.stdout + planned.stderr and snapshot() == before
        return
    applied = cli(messy.cli_config, "migrate", "apply", str(plan))
    no_traceback(applied)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    after = snapshot()
    assert after.term_id(site.LONG_NAME, parent=messy.term("archive"))


def refile_counts(output: str) -> list[tuple[int, int]]:
    """(posts, changes) of each "re-file N posts (M changes)" line of plan output."""
    return [(int(n), int(m)) for n, m in re.findall(r"re-file (\d+) posts? \((\d+) changes?\)", output)]


def test_plan_output_counts_posts_names_new_parents_and_omits_no_ops(messy: MessySite, tmp_path: Path) -> None:
    before = snapshot()
    job = ROOT / "jobs" / "merge-duplicate-categories.toml"
    merge = run_ok(messy, "migrate", "plan", str(job))
    # Every post of the two sources is re-filed but the missed-schedule ones, which plan names.
    held = before.in_any({messy.term("news_dup"), messy.term("proc_dup")})
    skipped = missed_schedule(before, held)
    assert skipped and all(f"#{p}" in merge for p in skipped)
    moves = [c for c in planned_changes(messy, job) if c.kind == "post_categories"]
    assert refile_counts(merge) == [(len(held - skipped), len(moves))], merge
    # Posts and changes are counted apart: two steps filing the same post are 1 post, 2 changes.
    orders_id = messy.term("orders")
    twice = write_plan(tmp_path, 'name = "twice"\n'
                       '[[steps]]\naction = "move_posts"\nmode = "add"\nto = "คลังเอกสาร"\n'
                       f'[steps.filter]\ncategory = "#{orders_id}"\n'
                       '[[steps]]\naction = "move_posts"\nmode = "add"\nto = "เอกสารเก่า"\n'
                       f'[steps.filter]\ncategory = "#{orders_id}"\n', "twice.toml")
    orders = before.in_any({messy.term("orders")}, ("publish",))
    assert refile_counts(run_ok(messy, "migrate", "plan", str(twice))) == [(len(orders), 2 * len(orders))]
    # A new category's parent is named by its path, never by a placeholder id.
    ita = run_ok(messy, "migrate", "plan", str(ROOT / "jobs" / "ita-2567-procurement.toml"))
    assert re.search(r"create category 'ITA 2567 / O20 [^\n]*\(under 'ITA 2567' \(new\)\)", ita), ita
    assert not re.search(r"under -\d|#-\d", ita), ita
    # A rename to the same name is no change: not listed at all.
    noop = write_plan(tmp_path, 'name = "no-op"\n[[steps]]\naction = "rename"\ncategory = "ข่าวประชาสัมพันธ์"\n'
                                'to = "ข่าวประชาสัมพันธ์"\n')
    output = run_ok(messy, "migrate", "plan", str(noop))
    assert f"#{messy.term('news')}" not in output and "rename" not in output, output
    assert output.strip().endswith("nothing to change"), output


def test_planning_changes_nothing_and_every_command_ends_without_a_traceback(messy: MessySite, tmp_path: Path) -> None:
    # Every job and plan of this file, planned on the messy site: SQL shows no change at all.
    before = snapshot()
    plans = [*JOBS, write_plan(tmp_path, custom_plan(messy), "custom.toml")]
    for plan in plans:
        done = cli(messy.cli_config, "migrate", "plan", str(plan))
        no_traceback(done)
        assert done.returncode == 0, done.stdout + done.stderr
    assert snapshot() == before
    runs = run_ok(messy, "migrate", "runs")
    assert runs.strip() == ""  # planning starts no run
