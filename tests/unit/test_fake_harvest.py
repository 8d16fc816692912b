"""Harvest on the in-memory site: round boundaries, withdrawn and deleted posts, manual records,
hand-made posts one row each, a group's subcategories, aliases and near-duplicates, distinct
office counts, outcomes and channels asked for, costs (tests/integration/test_harvest.py, ported)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.reports.harvest import harvest, summarise
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms

from .conftest import Clock

BKK = OFFICE_TZ
LAST_OF_ROUND_1 = datetime(2024, 3, 31, 23, 59, tzinfo=BKK)
FIRST_OF_ROUND_2 = datetime(2024, 4, 1, 0, 0, tzinfo=BKK)


@pytest.fixture
def site() -> FakeCms:
    return FakeCms(clock=Clock(datetime(2024, 6, 1, tzinfo=BKK)))


@pytest.fixture
def bridge(config: Config, tmp_path: Path, site: FakeCms):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cfg = config.model_copy(update={
        "intake": config.intake.model_copy(update={"inbox": inbox}),
        "sync": config.sync.model_copy(update={"ledger": tmp_path / "ledger.sqlite3"})})
    with Bridge(cfg, cms=site, clock=site.clock) as b:
        yield b


def add_request(bridge: Bridge, rid: str, approved: datetime, group: str = "finance") -> None:
    folder = bridge.config.intake.inbox / rid  # type: ignore[operator]
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(text_pdf([rid]))
    (folder / "request.toml").write_text(request_toml(rid, group=group, kind="procurement", request_date="2023-10-01",
                                                      approved_at=approved.isoformat()), encoding="utf-8")


def test_round_boundaries_withdrawn_posts_manual_records_and_site_posts(bridge: Bridge, site: FakeCms) -> None:
    group = bridge.mappings.group("finance")
    assert group.category
    category = site.ensure_category_path(group.category).id
    add_request(bridge, "h-r1-last", LAST_OF_ROUND_1)
    add_request(bridge, "h-r2-first", FIRST_OF_ROUND_2)
    add_request(bridge, "h-r1-early", datetime(2023, 11, 15, 9, tzinfo=BKK))
    add_request(bridge, "h-other", datetime(2024, 1, 10, 9, tzinfo=BKK), group="ict")
    bridge.intake()
    bridge.sync(datetime(2024, 6, 1, tzinfo=BKK))
    bridge.record_decision("h-r1-early", status="rejected", by="นายสมมุติ ใจกว้าง", at=datetime(2024, 6, 2, tzinfo=BKK))
    bridge.sync(datetime(2024, 6, 3, tzinfo=BKK))
    assert bridge.ledger.get_publication("h-r1-early").state == "withdrawn"  # procurement: archived
    site.add_post(title="ประกาศทำมือ ๑", date=LAST_OF_ROUND_1, categories=[category])
    site.add_post(title="ประกาศทำมือ ๒", date=datetime(2024, 1, 20, 10, tzinfo=BKK), categories=[category])
    site.add_post(title="ประกาศทำมือ ๓", date=FIRST_OF_ROUND_2, categories=[category])
    site.add_post(title="ร่างทำมือ", status="draft", date=LAST_OF_ROUND_1, categories=[category])  # not counted
    bridge.record_manual(group="finance", channel="board", title="ติดบอร์ดประกาศ", published_on=date(2024, 2, 10),
                         recorded_by="นางสาวทดลอง ใจดี")
    bridge.record_manual(group="finance", channel="social", title="แชร์เฟซบุ๊ก", published_on=date(2024, 3, 31),
                         recorded_by="นางสาวทดลอง ใจดี", request_id="h-r1-last")
    bridge.record_manual(group="finance", channel="social", title="แชร์ของ ict", published_on=date(2024, 3, 1),
                         recorded_by="นางสาวทดลอง ใจดี", request_id="h-other")

    [round1] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    [round2] = harvest(site, bridge.ledger, bridge.mappings, 2567, 2, groups=["finance"])

    assert (round1.total("website"), round1.total("social"), round1.total("board")) == (4, 1, 1)
    assert (round2.total("website"), round2.total("social"), round2.total("board")) == (2, 0, 0)
    titles = [i.title for i in round1.items if i.origin == "bridge"]
    assert sorted(titles) == ["ประกาศ h-r1-early", "ประกาศ h-r1-last"]
    last = next(i for i in round1.items if i.title == "ประกาศ h-r1-last")
    assert last.channels == {"website", "social"} and last.published_on.isoformat() == "2024-03-31"
    assert round1.counts["2024-03"] == {"website": 2, "social": 1, "board": 0}
    assert round1.counts["2024-01"]["website"] == 1 and round1.counts["2023-11"]["website"] == 1
    site_rows = [i for i in round1.items if i.origin == "site"]
    assert [(i.published_on.isoformat(), i.title) for i in site_rows] == [("2024-01-20", "ประกาศทำมือ ๒"),
                                                                          ("2024-03-31", "ประกาศทำมือ ๑")]
    assert summarise([round1]).rows[0].total == 6
    # ict: its bridge post, plus the social share of that request, in a row of its own.
    [ict] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["ict"])
    assert [(i.origin, sorted(i.channels)) for i in ict.items] == [("bridge", ["social", "website"])]


def test_a_deleted_post_counts_at_the_ledger_time(bridge: Bridge, site: FakeCms) -> None:
    add_request(bridge, "gone", datetime(2024, 2, 5, 9, tzinfo=BKK))
    bridge.intake()
    bridge.sync(datetime(2024, 6, 1, tzinfo=BKK))
    # The post is dated at its approval (5 Feb, round 1); the bridge published it on 1 Jun.
    [report] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    assert [(i.origin, i.published_on.isoformat()) for i in report.items] == [("bridge", "2024-02-05")]
    site.delete_post(site.find_by_keys(["pr-gone"])["pr-gone"].id)
    # Deleted: the ledger's time is all that is left, which falls in round 2.
    [report] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    assert report.items == ()
    [report] = harvest(site, bridge.ledger, bridge.mappings, 2567, 2, groups=["finance"])
    assert [(i.origin, i.published_on.isoformat()) for i in report.items] == [("bridge", "2024-06-01")]


def test_harvest_reads_the_rounds_posts_in_pages_and_never_creates(bridge: Bridge, site: FakeCms) -> None:
    # No category on the site yet: nothing read but the category list, nothing created.
    [empty] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    assert empty.items == () and len(site.terms) == 1
    assert dict(site.requests) == {"list_categories": 1}
    category = site.ensure_category_path(bridge.mappings.group("finance").category or "").id
    start = datetime(2023, 10, 5, tzinfo=BKK)
    costs = []
    for n in (50, 250):
        for i in range(n):
            site.add_post(title=f"p{i}", date=start.replace(hour=i % 24), categories=[category])
        site.requests.clear()
        reports = harvest(site, bridge.ledger, bridge.mappings, 2567, 1)  # every group: one read all the same
        costs.append(dict(site.requests))
        assert reports[list(bridge.mappings.groups).index("finance")].total("website") == len(site.posts)
    # One request per 100 posts of the round, whatever the number of groups.
    assert costs == [{"list_categories": 1, "iter_posts": 1}, {"list_categories": 1, "iter_posts": 3}]


def test_every_group_by_default(bridge: Bridge, site: FakeCms) -> None:
    reports = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, problems=["ไม่มีปัญหา"])
    assert [r.group_key for r in reports] == list(bridge.mappings.groups)
    assert all(r.problems == ("ไม่มีปัญหา",) for r in reports)
    assert len(summarise(reports).rows) == len(reports)
