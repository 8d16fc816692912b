"""Harvest on the real WordPress: counts equal an independent count (SQL on the site's MariaDB),
round boundaries are exact, withdrawn posts still count, nothing is counted twice, a group's
subcategories, aliases and near-duplicate categories count, the office counts each post once,
and reading the round's posts costs one request per 100 posts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import getpass
import subprocess
from collections import Counter

import pytest

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.reports.harvest import harvest, summarise
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient

from ..conftest import ROOT

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


def hand_made(rest: RestAdapter, category: int | list[int], when: datetime, title: str,
              status: str = "publish") -> None:
    rest.http.request("POST", rest._url("/wp/v2/posts"), json={
        "title": title, "status": status, "categories": category if isinstance(category, list) else [category],
        "date_gmt": when.astimezone(timezone.utc).replace(tzinfo=None).isoformat()})


def sql(query: str) -> list[list[str]]:
    """Rows of *query* on the local site's database, read with the mariadb client (not the adapter)."""
    socket = ROOT / ".local" / "wordpress" / "run" / "mariadb.sock"
    done = subprocess.run(["mariadb", f"--socket={socket}", f"-u{getpass.getuser()}", "--batch", "--skip-column-names",
                           "wordpress", "-e", query], capture_output=True, text=True, timeout=60, check=True)
    return [line.split("\t") for line in done.stdout.splitlines()]


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
    # API root (1) + site info (3) + category listing (1) + the round's posts, 100 a page.
    assert counts == [1 + 3 + 1 + 1, 1 + 3 + 1 + 3]


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
    tables = Document(str(out / "report-2567-r1-finance.docx")).tables  # the last rows are a table of their own
    rows = [[cell.text for cell in row.cells] for table in tables for row in table.rows]
    items = [r for r in rows if r[0].isdigit()]
    assert [(r[0], r[2]) for r in items] == [("1", "ประกาศ rep-one"), ("2", "ประกาศ rep-two")]
    assert items[0][1].startswith("15 ม.ค.") and items[1][1].startswith("20 ก.พ.")
    assert (out / "report-2567-r1-finance.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert main(["--config", str(config), "report", "--fiscal-year", "2567", "--round", "1"]) == 2


def test_subtree_aliases_and_near_duplicates_count_as_sql_counts_them(bridge: Bridge, clean_site: Config) -> None:
    rest = RestAdapter(HttpClient(clean_site))
    finance, policy = bridge.mappings.group("finance"), bridge.mappings.group("policy")
    assert finance.category and policy.category
    own = rest.ensure_category_path(finance.category)
    sub = rest.ensure_category_path(finance.category + " / ประกาศปี ๒๕๖๗")
    subsub = rest.ensure_category_path(finance.category + " / ประกาศปี ๒๕๖๗ / ไตรมาส 1")
    twin_name = finance.category.split(" / ")[-1].replace("การเงิน", "\u200bการเงิน")  # a near-duplicate
    twin = rest.create_category(twin_name, own.parent)
    alias = rest.ensure_category_path("ข่าวการเงิน (ชื่อเดิม)")
    other = rest.ensure_category_path(policy.category)
    unrelated = rest.ensure_category_path("ข่าวประชาสัมพันธ์")
    assert len({own.id, twin.id}) == 2
    for month, day in ((10, 2), (11, 3), (12, 4), (1, 5), (2, 6), (3, 7)):
        when = datetime(2023 + (month < 10), month, day, 9, tzinfo=BKK)
        hand_made(rest, own.id, when, f"ในหมวดของกลุ่ม {month}")
        hand_made(rest, sub.id, when, f"ในหมวดย่อย {month}")
        hand_made(rest, subsub.id, when, f"สองชั้นลงไป {month}")
        hand_made(rest, twin.id, when, f"ในหมวดซ้ำ {month}")
        hand_made(rest, alias.id, when, f"ในหมวดชื่อเดิม {month}")
        hand_made(rest, [own.id, other.id], when, f"ร่วมสองกลุ่ม {month}")
        hand_made(rest, other.id, when, f"ของกลุ่มนโยบาย {month}")
        hand_made(rest, unrelated.id, when, f"ข่าวทั่วไป {month}")
        hand_made(rest, own.id, when, f"ร่างในหมวด {month}", status="draft")
    hand_made(rest, own.id, datetime(2024, 4, 1, 0, 0, tzinfo=BKK), "รอบหลัง")
    groups = dict(bridge.mappings.groups)
    groups["finance"] = finance.model_copy(update={"aliases": ("ข่าวการเงิน (ชื่อเดิม)",)})
    mappings = bridge.mappings.model_copy(update={"groups": groups})

    fin, pol = harvest(RestAdapter(HttpClient(clean_site)), bridge.ledger, mappings, 2567, 1,
                       groups=["finance", "policy"])
    summary = summarise([fin, pol])

    # Independently: the listed categories by their exact names, their subtree by parent links,
    # published posts dated in the round (1 Oct 2566 - 31 Mar 2567 Bangkok time), per month.
    def by_month(term_ids: list[int]) -> Counter[str]:
        ids = ",".join(str(i) for i in term_ids)
        rows = sql(f"""
            WITH RECURSIVE tree (term_taxonomy_id) AS (
                SELECT term_taxonomy_id FROM wp_term_taxonomy WHERE taxonomy = 'category' AND term_id IN ({ids})
                UNION SELECT t.term_taxonomy_id FROM wp_term_taxonomy t JOIN wp_term_taxonomy p
                    ON t.parent = p.term_id AND t.taxonomy = 'category' JOIN tree ON tree.term_taxonomy_id = p.term_taxonomy_id)
            SELECT DATE_FORMAT(DATE_ADD(p.post_date_gmt, INTERVAL 7 HOUR), '%Y-%m'), COUNT(DISTINCT p.ID)
            FROM wp_posts p JOIN wp_term_relationships r ON r.object_id = p.ID JOIN tree USING (term_taxonomy_id)
            WHERE p.post_type = 'post' AND p.post_status = 'publish'
              AND p.post_date_gmt >= '2023-09-30 17:00:00' AND p.post_date_gmt < '2024-03-31 17:00:00'
            GROUP BY 1""")
        return Counter({month: int(n) for month, n in rows})

    finance_terms = [int(r[0]) for r in sql("SELECT t.term_id FROM wp_terms t JOIN wp_term_taxonomy x USING (term_id) "
                                            "WHERE x.taxonomy = 'category' AND t.name IN "
                                            f"('{own.name}', '{twin_name}', 'ข่าวการเงิน (ชื่อเดิม)')")]
    assert sorted(finance_terms) == sorted([own.id, twin.id, alias.id])
    expected_fin, expected_pol = by_month(finance_terms), by_month([other.id])
    assert {m: c["website"] for m, c in fin.counts.items() if c["website"]} == dict(expected_fin)
    assert {m: c["website"] for m, c in pol.counts.items() if c["website"]} == dict(expected_pol)
    assert sum(expected_fin.values()) == 6 * 6 and sum(expected_pol.values()) == 2 * 6
    # The office: each post once, however many groups it is filed under.
    [[distinct]] = sql(f"""
        WITH RECURSIVE tree (term_taxonomy_id) AS (
            SELECT term_taxonomy_id FROM wp_term_taxonomy WHERE taxonomy = 'category'
                AND term_id IN ({",".join(str(i) for i in [*finance_terms, other.id])})
            UNION SELECT t.term_taxonomy_id FROM wp_term_taxonomy t JOIN wp_term_taxonomy p
                ON t.parent = p.term_id AND t.taxonomy = 'category' JOIN tree ON tree.term_taxonomy_id = p.term_taxonomy_id)
        SELECT COUNT(DISTINCT p.ID) FROM wp_posts p JOIN wp_term_relationships r ON r.object_id = p.ID
            JOIN tree USING (term_taxonomy_id)
        WHERE p.post_type = 'post' AND p.post_status = 'publish'
          AND p.post_date_gmt >= '2023-09-30 17:00:00' AND p.post_date_gmt < '2024-03-31 17:00:00'""")
    assert summary.items == summary.website == int(distinct) == 6 * 7
    assert sum(row.website for row in summary.rows) == 6 * 8  # the shared posts in both groups' rows
    # Each hand-made post is its own row, with its title as on the site.
    assert sorted(i.title for i in fin.items if i.published_on.month == 10) == sorted(
        name for [name] in sql("SELECT post_title FROM wp_posts WHERE post_status = 'publish' AND post_type = 'post' "
                               "AND post_date_gmt LIKE '2023-10-02%' AND post_title NOT LIKE 'ของกลุ่มนโยบาย%' "
                               "AND post_title NOT LIKE 'ข่าวทั่วไป%'"))
