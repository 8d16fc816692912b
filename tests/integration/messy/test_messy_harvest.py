"""Harvest on the messy site: every group's count per month equals a count made with SQL, a group's
subcategories and near-duplicates of its category included, and the office summary counts a post
filed under two groups once."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Literal

import pytest

from cms_bridge.ledger.store import Ledger
from cms_bridge.mappings import Group, load_mappings
from cms_bridge.reports.harvest import harvest, summarise
from cms_bridge.reports.model import GroupReport
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient

from ..messy_site import ZWSP, Snapshot, cli, nfc, no_traceback, snapshot
from .conftest import MessySite

FISCAL_YEAR = 2567
#: FY 2567 rounds, local time: round 1 = 1 Oct 2566 (2023) - 31 Mar 2567, round 2 = 1 Apr - 30 Sep 2567.
ROUNDS: dict[Literal[1, 2], tuple[str, str]] = {1: ("2023-10-01", "2024-04-01"), 2: ("2024-04-01", "2024-10-01")}
#: Groups whose category on the messy site has subcategories (admin) or a near-duplicate (policy).
TANGLED = ("admin", "policy")


def same_name(name: str) -> str:
    # Written here rather than taken from cms_bridge: the expectation must not share the code under test.
    return " ".join(nfc(html.unescape(name)).replace(ZWSP, "").split()).casefold()


def group_categories(snap: Snapshot, group: Group) -> set[int]:
    """Every category whose path reads as the group's (near-duplicates too), with everything below."""
    assert group.category
    wanted = [same_name(level) for level in group.category.split(" / ")]
    found: set[int] = set()
    for term in snap.terms.values():
        if [same_name(level) for level in snap.path(term.id).split(" / ")] == wanted:
            found |= snap.subtree(term.id)
    return found


def months(round_number: Literal[1, 2]) -> list[str]:
    first, end = ROUNDS[round_number]
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" < end[:7]:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def sql_counts(snap: Snapshot, categories: set[int], round_number: Literal[1, 2]) -> dict[str, int]:
    """Published posts per month (local post_date) filed under any of *categories*."""
    counts = dict.fromkeys(months(round_number), 0)
    for post in snap.posts.values():
        if post.status == "publish" and post.category_ids & categories and post.date[:7] in counts:
            counts[post.date[:7]] += 1
    return counts


def reports(messy: MessySite, tmp_path: Path, round_number: Literal[1, 2],
            groups: list[str] | None = None) -> list[GroupReport]:
    with Ledger(tmp_path / f"harvest-{round_number}.sqlite3") as ledger:
        return harvest(RestAdapter(HttpClient(messy.config)), ledger, load_mappings(), FISCAL_YEAR, round_number,
                       groups=groups)


def check_group(messy: MessySite, tmp_path: Path, key: str) -> None:
    snap = snapshot()
    group = load_mappings().group(key)
    categories = group_categories(snap, group) if group.category else set()
    for round_number in (1, 2):
        [report] = reports(messy, tmp_path, round_number, [key])
        got = {month: report.counts.get(month, {}).get("website", 0) for month in months(round_number)}
        assert got == sql_counts(snap, categories, round_number), (key, round_number)


def test_harvest_equals_sql_for_every_plain_group_and_month(messy: MessySite, tmp_path: Path) -> None:
    snap = snapshot()
    mappings = load_mappings()
    keys = [key for key in mappings.groups if key not in TANGLED]
    # The site holds posts for some of these groups (and none for the others: their counts are 0).
    assert sum(sum(sql_counts(snap, group_categories(snap, mappings.group(k)), 1).values()) for k in keys) > 10
    for key in keys:
        check_group(messy, tmp_path, key)


@pytest.mark.parametrize("key", TANGLED)
def test_harvest_counts_a_groups_subtree_and_near_duplicates(messy: MessySite, tmp_path: Path, key: str) -> None:
    snap = snapshot()
    group = load_mappings().group(key)
    categories = group_categories(snap, group)
    assert len(categories) > 1  # the trap is on the site: a subtree or a look-alike
    check_group(messy, tmp_path, key)


def test_office_summary_counts_a_post_filed_under_two_groups_once(messy: MessySite, tmp_path: Path) -> None:
    snap = snapshot()
    mappings = load_mappings()
    everyone: set[int] = set()
    for group in mappings.groups.values():
        if group.category:
            everyone |= group_categories(snap, group)
    first, end = ROUNDS[1]
    distinct = {p.id for p in snap.posts.values()
                if p.status == "publish" and p.category_ids & everyone and first <= p.date < end}
    shared = {p for p in distinct if sum(1 for g in mappings.groups.values() if g.category
                                         and snap.posts[p].category_ids & group_categories(snap, g)) > 1}
    assert shared  # posts filed under admin and policy at once
    summary = summarise(reports(messy, tmp_path, 1))
    # The office-wide website figure counts each post once, however many groups file it.
    assert summary.website == len(distinct)


def test_report_command_writes_every_groups_report_on_the_messy_site(messy: MessySite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for asked in ("1", "2"):
        done = cli(messy.cli_config, "report", "--fiscal-year", str(FISCAL_YEAR), "--round", asked, "--all",
                   "--format", "csv", "--out", str(out))
        no_traceback(done)
        assert done.returncode == 0, done.stdout + done.stderr
    # One file per group and round, plus whatever office-wide files --all adds.
    for key in load_mappings().groups:
        for round_number in (1, 2):
            assert (out / f"report-{FISCAL_YEAR}-r{round_number}-{key}.csv").is_file(), key
