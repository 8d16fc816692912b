"""Category migrations on the real WordPress with 1,000+ posts: plan = apply, interrupt and
resume, roll back exactly, request costs."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cms_bridge.categories.engine import MigrationEngine
from cms_bridge.config import Config
from cms_bridge.ledger.store import Ledger
from cms_bridge.categories.plan import PlanError, load_plan
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import ALL_STATUSES, PostQuery

from ..conftest import ROOT

POSTS = 1000
FY_START = datetime(2023, 10, 1, tzinfo=OFFICE_TZ)  # FY 2567 = 1 Oct 2566 (2023) .. 30 Sep 2567
O20 = "ITA 2567 / O20 ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้าง"
O21 = "ITA 2567 / O21 สรุปผลการจัดซื้อจัดจ้างรายเดือน"

PLAN = f'''
name = "test: ITA tree, re-file, merge, rename, reparent, delete"

[[steps]]
action = "create_tree"
paths = ["{O20}", "{O21}"]

[[steps]]
action = "move_posts"
mode = "add"
to = "{O20}"
[steps.filter]
category = "จัดซื้อจัดจ้าง"
fiscal_year = 2567
title_pattern = "^ประกาศ"

[[steps]]
action = "move_posts"
mode = "replace"
to = "{O21}"
[steps.filter]
category = "จัดซื้อจัดจ้าง"
fiscal_year = 2567
title_pattern = "^สรุปผล"

[[steps]]
action = "merge"
from = "ข่าว ประชาสัมพันธ์"
into = "ข่าวประชาสัมพันธ์"

[[steps]]
action = "rename"
category = "ข่าวประชาสัมพันธ์"
to = "ข่าวประชาสัมพันธ์ (ทั่วไป)"

[[steps]]
action = "reparent"
category = "เอกสารเก่า"
parent = "ITA 2567"

[[steps]]
action = "delete_empty"
categories = ["หมวดว่าง"]
'''


def make_site(rest: RestAdapter) -> dict:
    """1,000 posts: procurement announcements and summaries over three fiscal years, news in two
    duplicate categories; returns the facts the expectations are computed from."""
    cats = {name: rest.ensure_category_path(name).id for name in
            ("จัดซื้อจัดจ้าง", "ข่าวประชาสัมพันธ์", "ข่าว ประชาสัมพันธ์", "เอกสารเก่า", "หมวดว่าง", "ITA 2567")}
    posts = []
    for i in range(POSTS):
        if i < 700:
            kind = ("ประกาศ", "สรุปผล", "คำสั่ง")[i % 3]
            when = FY_START - timedelta(days=200) + timedelta(days=i % 600)  # FY 2566..2568
            posts.append((f"{kind}จัดซื้อ {i}", [cats["จัดซื้อจัดจ้าง"]], when))
        else:
            news = "ข่าวประชาสัมพันธ์" if i % 2 else "ข่าว ประชาสัมพันธ์"
            posts.append((f"ข่าว {i}", [cats[news]], FY_START + timedelta(days=i % 300)))
    writes = [("POST", "/wp/v2/posts", {"title": t, "status": "publish", "categories": c,
                                        "date_gmt": d.astimezone(OFFICE_TZ).replace(tzinfo=None).isoformat()})
              for t, c, d in posts]
    ids = [item["id"] for item in rest.batch(writes)]
    return {"cats": cats, "posts": {pid: (t, c, d) for pid, (t, c, d) in zip(ids, posts, strict=True)}}


def snapshot(clean_site: Config) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[str, int]]]:
    rest = RestAdapter(HttpClient(clean_site))
    # WordPress does not keep the order categories were given in: compare them as sets.
    posts = {p.id: tuple(sorted(p.categories)) for p in rest.iter_posts(PostQuery(statuses=ALL_STATUSES))}
    terms = {c.id: (c.name, c.parent) for c in rest.list_categories()}
    return posts, terms


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(PLAN, encoding="utf-8")
    return path


def test_plan_apply_interrupt_resume_and_rollback_on_1000_posts(clean_site: Config, tmp_path: Path,
                                                                plan_file: Path) -> None:
    rest = RestAdapter(HttpClient(clean_site))
    site = make_site(rest)
    original_posts, original_terms = snapshot(clean_site)
    plan, plan_hash = load_plan(plan_file)
    ledger_path = tmp_path / "ledger.sqlite3"

    # Plan: counted by the test from how the site was made, not from the engine.
    fy_start, fy_end = FY_START, datetime(2024, 10, 1, tzinfo=OFFICE_TZ)
    in_fy = {pid for pid, (t, c, d) in site["posts"].items() if c == [site["cats"]["จัดซื้อจัดจ้าง"]] and fy_start <= d < fy_end}
    announcements = {pid for pid in in_fy if site["posts"][pid][0].startswith("ประกาศ")}
    summaries = {pid for pid in in_fy if site["posts"][pid][0].startswith("สรุปผล")}
    duplicate_news = {pid for pid, (t, c, d) in site["posts"].items() if c == [site["cats"]["ข่าว ประชาสัมพันธ์"]]}
    with Ledger(ledger_path) as ledger:
        changes = MigrationEngine(rest, ledger).plan(plan)
    moved = [c for c in changes if c.kind == "post_categories"]
    # A merged post is one change: its category swapped for the target.
    assert len(moved) == len(announcements) + len(summaries) + len(duplicate_news)
    assert snapshot(clean_site) == (original_posts, original_terms)  # planning changed nothing

    # Apply in a subprocess, killed with SIGKILL in the middle of the post writes; then resume.
    config = tmp_path / "cms-bridge.toml"
    config.write_text(f'[site]\nurl = "{clean_site.require_site().url}"\nusername = "admin"\n'
                      f'app_password_file = "{clean_site.require_site().app_password_file}"\n'
                      f'[sync]\nledger = "{ledger_path}"\n', encoding="utf-8")
    killed = subprocess.run([sys.executable, "-m", "tests.integration.crash_driver", "30", "after",
                             "--config", str(config), "migrate", "apply", str(plan_file)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    http = HttpClient(clean_site)
    with Ledger(ledger_path) as ledger:
        engine = MigrationEngine(RestAdapter(http), ledger)
        run_id = engine.apply(plan, plan_hash)
        posts, terms = snapshot(clean_site)
        o20 = next(i for i, (n, _) in terms.items() if n.startswith("O20"))
        o21 = next(i for i, (n, _) in terms.items() if n.startswith("O21"))
        general = next(i for i, (n, _) in terms.items() if n == "ข่าวประชาสัมพันธ์ (ทั่วไป)")
        assert general == site["cats"]["ข่าวประชาสัมพันธ์"]  # renamed, same term
        for pid, (title, cats, _) in site["posts"].items():
            if pid in announcements:
                expected = (*cats, o20)
            elif pid in summaries:
                expected = (o21,)
            elif pid in duplicate_news:
                expected = (general,)
            else:
                expected = tuple(cats)
            assert posts[pid] == tuple(sorted(expected)), (pid, title)
        assert site["cats"]["ข่าว ประชาสัมพันธ์"] not in terms and site["cats"]["หมวดว่าง"] not in terms
        assert terms[site["cats"]["เอกสารเก่า"]] == ("เอกสารเก่า", site["cats"]["ITA 2567"])
        from cms_bridge.categories.journal import get_run, running_run

        assert get_run(ledger, run_id).status == "done" and running_run(ledger, plan_hash) is None

        # Roll back: every post's categories and every surviving term exactly as before.
        assert engine.rollback(run_id).conflicts == []
        posts, terms = snapshot(clean_site)
        recreated = {n: i for i, (n, _) in terms.items()}
        remap = {site["cats"][n]: recreated[n] for n in ("ข่าว ประชาสัมพันธ์", "หมวดว่าง")}
        assert posts == {pid: tuple(sorted(remap.get(c, c) for c in cats)) for pid, cats in original_posts.items()}
        assert {i: v for i, v in terms.items() if i not in remap.values()} == \
            {i: v for i, v in original_terms.items() if i not in remap}


def test_request_costs_are_reads_per_100_and_writes_per_batch(clean_site: Config, tmp_path: Path) -> None:
    rest = RestAdapter(HttpClient(clean_site))
    old = rest.ensure_category_path("เก่า").id
    new_path = "ใหม่"
    n = 260
    rest.batch([("POST", "/wp/v2/posts", {"title": f"โพสต์ {i}", "status": "publish", "categories": [old]})
                for i in range(n)])
    plan = tmp_path / "p.toml"
    plan.write_text(f'name = "move"\n[[steps]]\naction = "create_tree"\npaths = ["{new_path}"]\n'
                    f'[[steps]]\naction = "move_posts"\nmode = "replace"\nto = "{new_path}"\n'
                    f'[steps.filter]\ncategory = "เก่า"\n', encoding="utf-8")
    loaded, digest = load_plan(plan)
    http = HttpClient(clean_site)
    cms = RestAdapter(http)
    cms.site_info()
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        before = http.requests_sent
        MigrationEngine(cms, ledger).apply(loaded, digest)
    # 1 category listing + ceil(N/100) post reads + 1 category creation + ceil(N/25) batched writes.
    assert http.requests_sent - before == 1 + math.ceil(n / 100) + 1 + math.ceil(n / 25)


def test_a_plan_naming_a_missing_category_changes_nothing(clean_site: Config, tmp_path: Path) -> None:
    rest = RestAdapter(HttpClient(clean_site))
    rest.ensure_category_path("มีอยู่")
    plan = tmp_path / "p.toml"
    plan.write_text('name = "bad"\n[[steps]]\naction = "create_tree"\npaths = ["ใหม่ / ย่อย"]\n'
                    '[[steps]]\naction = "rename"\ncategory = "ไม่มี"\nto = "x"\n', encoding="utf-8")
    loaded, digest = load_plan(plan)
    before = snapshot(clean_site)
    with Ledger(tmp_path / "l.sqlite3") as ledger, pytest.raises(PlanError, match="step 2: the category 'ไม่มี'"):
        MigrationEngine(rest, ledger).apply(loaded, digest)
    assert snapshot(clean_site) == before


def test_the_shipped_ita_2567_job_plans_applies_resumes_and_rolls_back(clean_site: Config, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from cms_bridge.cli import main

    rest = RestAdapter(HttpClient(clean_site))
    procurement = rest.ensure_category_path("จัดซื้อจัดจ้าง").id
    # Posts filed by hand under subcategories too: the job reaches them (include_subcategories).
    nested = [rest.ensure_category_path(p).id for p in ("จัดซื้อจัดจ้าง / ประกาศผู้ชนะ",
                                                        "จัดซื้อจัดจ้าง / ประกาศผู้ชนะ / 2567")]
    writes = []
    for i in range(120):
        title = ("ประกาศผู้ชนะ", "สรุปผลการจัดซื้อจัดจ้าง", "คำสั่ง")[i % 3] + f" {i}"
        when = FY_START + timedelta(days=(i * 5) % 400 - 20)  # some just before and after FY 2567
        category = nested[i % 2] if i % 4 == 0 else procurement
        writes.append(("POST", "/wp/v2/posts", {"title": title, "status": "publish", "categories": [category],
                                                "date_gmt": when.replace(tzinfo=None).isoformat()}))
    rest.batch(writes)
    before, _ = snapshot(clean_site)
    job = ROOT / "jobs" / "ita-2567-procurement.toml"
    config = tmp_path / "cms-bridge.toml"
    config.write_text(f'[site]\nurl = "{clean_site.require_site().url}"\nusername = "admin"\n'
                      f'app_password_file = "{clean_site.require_site().app_password_file}"\n'
                      f'[sync]\nledger = "{tmp_path / "ledger.sqlite3"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "migrate", "plan", str(job)]) == 0
    planned = capsys.readouterr().out
    assert snapshot(clean_site)[0] == before
    killed = subprocess.run([sys.executable, "-m", "tests.integration.crash_driver", "50", "after",
                             "--config", str(config), "migrate", "apply", str(job)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert main(["--config", str(config), "migrate", "apply", str(job)]) == 0
    run_id = capsys.readouterr().out.split()[1].rstrip(":")
    after, terms = snapshot(clean_site)
    o20 = next(i for i, (n, _) in terms.items() if n.startswith("O20 "))
    o21 = next(i for i, (n, _) in terms.items() if n.startswith("O21 "))
    fy_end = datetime(2024, 10, 1, tzinfo=OFFICE_TZ)
    expected_o20 = expected_o21 = 0
    for _, _, body in writes:
        when = datetime.fromisoformat(body["date_gmt"]).replace(tzinfo=OFFICE_TZ)
        if FY_START <= when < fy_end:
            expected_o20 += body["title"].startswith("ประกาศ")
            expected_o21 += body["title"].startswith("สรุปผล")
    assert sum(o20 in cats for cats in after.values()) == expected_o20 > 0
    assert sum(o21 in cats for cats in after.values()) == expected_o21 > 0
    assert f"re-file {expected_o20 + expected_o21} posts ({expected_o20 + expected_o21} changes)" in planned
    in_nested = [cats for cats in after.values() if set(cats) & set(nested)]
    assert any(o20 in cats for cats in in_nested) and any(o21 in cats for cats in in_nested)
    assert main(["--config", str(config), "migrate", "rollback", run_id]) == 0
    assert snapshot(clean_site)[0] == before
