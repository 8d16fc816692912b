"""Harvest on the real WordPress: counts equal an independent count, round boundaries are exact,
withdrawn posts still count, nothing is counted twice, costs do not grow with posts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.reports.harvest import harvest, summarise
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient

BKK = OFFICE_TZ
LAST_OF_ROUND_1 = datetime(2024, 3, 31, 23, 59, tzinfo=BKK)   # FY 2567 round 1 ends 31 Mar 2567
FIRST_OF_ROUND_2 = datetime(2024, 4, 1, 0, 0, tzinfo=BKK)


@pytest.fixture
def bridge(clean_site: Config, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = clean_site.model_copy(update={
        "intake": clean_site.intake.model_copy(update={"inbox": inbox}),
        "sync": clean_site.sync.model_copy(update={"ledger": tmp_path / "ledger.sqlite3"})})
    with Bridge(config) as b:
        yield b


def add_request(bridge: Bridge, rid: str, approved: datetime, group: str = "finance") -> None:
    folder = bridge.config.intake.inbox / rid  # type: ignore[operator]
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(text_pdf([rid]))
    (folder / "request.toml").write_text(request_toml(rid, group=group, kind="procurement", request_date="2023-10-01",
                                                      approved_at=approved.isoformat()), encoding="utf-8")


def hand_made(rest: RestAdapter, category: int, when: datetime, title: str) -> None:
    rest.http.request("POST", rest._url("/wp/v2/posts"), json={
        "title": title, "status": "publish", "categories": [category],
        "date_gmt": when.astimezone(timezone.utc).replace(tzinfo=None).isoformat()})


def test_round_boundaries_withdrawn_posts_manual_records_and_site_posts(bridge: Bridge, clean_site: Config) -> None:
    rest = RestAdapter(HttpClient(clean_site))
    group = bridge.mappings.group("finance")
    assert group.category
    category = rest.ensure_category_path(group.category).id
    # Bridge posts published at the approval time: one on each side of the round boundary.
    add_request(bridge, "h-r1-last", LAST_OF_ROUND_1)
    add_request(bridge, "h-r2-first", FIRST_OF_ROUND_2)
    add_request(bridge, "h-r1-early", datetime(2023, 11, 15, 9, tzinfo=BKK))
    add_request(bridge, "h-other", datetime(2024, 1, 10, 9, tzinfo=BKK), group="ict")
    bridge.intake()
    bridge.sync(datetime(2024, 6, 1, tzinfo=BKK))
    # Withdrawn later: still counts in the round it was published in.
    bridge.record_decision("h-r1-early", status="rejected", by="นายสมมุติ ใจกว้าง", at=datetime(2024, 6, 2, tzinfo=BKK))
    bridge.sync(datetime(2024, 6, 3, tzinfo=BKK))
    assert bridge.ledger.get_publication("h-r1-early").state == "withdrawn"  # procurement: archived
    # Posts people made on the site in the group's category, around the boundary too.
    hand_made(rest, category, LAST_OF_ROUND_1, "ประกาศทำมือ ๑")
    hand_made(rest, category, datetime(2024, 1, 20, 10, tzinfo=BKK), "ประกาศทำมือ ๒")
    hand_made(rest, category, FIRST_OF_ROUND_2, "ประกาศทำมือ ๓")
    # A notice-board posting recorded by hand, and one adding a channel to a bridge item.
    bridge.record_manual(group="finance", channel="board", title="ติดบอร์ดประกาศ", published_on=datetime(2024, 2, 10).date(),
                         recorded_by="นางสาวทดลอง ใจดี")
    bridge.record_manual(group="finance", channel="social", title="แชร์เฟซบุ๊ก", published_on=datetime(2024, 3, 31).date(),
                         recorded_by="นางสาวทดลอง ใจดี", request_id="h-r1-last")

    cms = RestAdapter(HttpClient(clean_site))
    [round1] = harvest(cms, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    [round2] = harvest(cms, bridge.ledger, bridge.mappings, 2567, 2, groups=["finance"])

    # Independent expectation, from what this test made:
    # round 1: bridge h-r1-last (website + social), h-r1-early (withdrawn), board record,
    #          hand-made #1 (31 Mar 23:59) and #2 (20 Jan); round 2: bridge h-r2-first, hand-made #3.
    assert (round1.total("website"), round1.total("social"), round1.total("board")) == (4, 1, 1)
    assert (round2.total("website"), round2.total("social"), round2.total("board")) == (2, 0, 0)
    titles = [i.title for i in round1.items if i.origin == "bridge"]
    assert sorted(titles) == ["ประกาศ h-r1-early", "ประกาศ h-r1-last"]
    last = next(i for i in round1.items if i.title == "ประกาศ h-r1-last")
    assert last.channels == {"website", "social"} and last.published_on.isoformat() == "2024-03-31"
    assert round1.counts["2024-03"] == {"website": 2, "social": 1, "board": 0}
    assert round1.counts["2024-01"]["website"] == 1 and round1.counts["2023-11"]["website"] == 1
    summary = summarise([round1])
    assert summary.rows[0].total == 6


def test_harvest_costs_do_not_grow_with_posts(bridge: Bridge, clean_site: Config) -> None:
    rest = RestAdapter(HttpClient(clean_site))
    category = rest.ensure_category_path(bridge.mappings.group("finance").category or "").id
    start = datetime(2023, 10, 5, tzinfo=BKK)
    counts = []
    for batch in (50, 250):
        rest.batch([("POST", "/wp/v2/posts", {"title": f"p{i}", "status": "publish", "categories": [category],
                                               "date_gmt": (start + timedelta(hours=i)).astimezone(timezone.utc)
                                               .replace(tzinfo=None).isoformat()})
                    for i in range(batch)])
        http = HttpClient(clean_site)
        harvest(RestAdapter(http), bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
        counts.append(http.requests_sent)
    # API root (1) + site info (3) + category listing (1) + one count per month (6): no post read.
    assert counts[0] == counts[1] == 1 + 3 + 1 + 6


def test_report_command_writes_a_docx_whose_rows_are_the_harvest(bridge: Bridge, clean_site: Config,
                                                                  tmp_path: Path) -> None:
    from docx import Document

    from cms_bridge.cli import main

    add_request(bridge, "rep-one", datetime(2024, 1, 15, 9, tzinfo=BKK))
    add_request(bridge, "rep-two", datetime(2024, 2, 20, 9, tzinfo=BKK))
    bridge.intake()
    bridge.sync(datetime(2024, 3, 1, tzinfo=BKK))
    config = tmp_path / "cms-bridge.toml"
    site = clean_site.require_site()
    config.write_text(f'[site]\nurl = "{site.url}"\nusername = "{site.username}"\n'
                      f'app_password_file = "{site.app_password_file}"\n'
                      f'[sync]\nledger = "{bridge.config.sync.ledger}"\n', encoding="utf-8")
    bridge.close()
    out = tmp_path / "out"
    assert main(["--config", str(config), "report", "--fiscal-year", "2567", "--round", "1", "--group", "finance",
                 "--format", "docx", "--format", "csv", "--digits", "arabic", "--out", str(out)]) == 0
    table = Document(str(out / "report-2567-r1-finance.docx")).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    items = [r for r in rows if r[0].isdigit()]
    assert [(r[0], r[2]) for r in items] == [("1", "ประกาศ rep-one"), ("2", "ประกาศ rep-two")]
    assert items[0][1].startswith("15 ม.ค.") and items[1][1].startswith("20 ก.พ.")
    assert (out / "report-2567-r1-finance.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert main(["--config", str(config), "report", "--fiscal-year", "2567", "--round", "1"]) == 2
