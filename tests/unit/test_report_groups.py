"""What the six-monthly report counts for a group, and what each row says, on the in-memory site.

A group's posts are those in its category, its aliases, their near-duplicates on the site and
(by default) their subcategories; the office summary counts each post once. Each row's outcome
comes from the notes given to ``record`` or from the desk (Ledger.set_outcome); the channels a
request asked for are ticked as asked until ``record`` confirms them. Made-up titles and people.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.errors import LedgerError
from cms_bridge.mappings import Mappings
from cms_bridge.reports.harvest import group_category_ids, harvest, summarise
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms

from .conftest import Clock

BKK = OFFICE_TZ
IN_ROUND_1 = datetime(2024, 1, 15, 10, tzinfo=BKK)
RECORDER = "นางสาวทดลอง ใจดี"


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


def _with_group(mappings: Mappings, key: str, **changes: object) -> Mappings:
    groups = dict(mappings.groups)
    groups[key] = groups[key].model_copy(update=changes)
    return mappings.model_copy(update={"groups": groups})


def _publish(bridge: Bridge, rid: str, *, channels: str = '["website"]', group: str = "finance") -> None:
    folder = bridge.config.intake.inbox / rid  # type: ignore[operator]
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(text_pdf([rid]))
    text = request_toml(rid, group=group, kind="procurement", request_date="2023-10-01",
                        approved_at=IN_ROUND_1.isoformat())
    (folder / "request.toml").write_text(text.replace('channels = ["website"]', f"channels = {channels}"),
                                         encoding="utf-8")
    bridge.intake()
    bridge.sync(datetime(2024, 6, 1, tzinfo=BKK))


def test_subcategories_aliases_and_near_duplicates_count_and_the_office_counts_each_post_once(
        bridge: Bridge, site: FakeCms) -> None:
    finance = bridge.mappings.group("finance")
    policy = bridge.mappings.group("policy")
    assert finance.category and policy.category and finance.include_subcategories  # the default
    own = site.ensure_category_path(finance.category).id
    sub = site.ensure_category_path(finance.category + " / ประกาศปี ๒๕๖๗").id
    subsub = site.ensure_category_path(finance.category + " / ประกาศปี ๒๕๖๗ / ไตรมาส 1").id
    parent = site.ensure_category_path("กลุ่มงาน").id
    # Someone created the group's category again, with a zero-width space and a double space.
    twin = site.create_category("กลุ่มบริหาร\u200bการเงินและสินทรัพย์", parent).id
    assert twin != own
    alias = site.ensure_category_path("ข่าวการเงิน (ชื่อเดิม)").id
    other = site.ensure_category_path(policy.category).id
    unrelated = site.ensure_category_path("ข่าวประชาสัมพันธ์").id
    posts = {
        "own": site.add_post(title="ประกาศในหมวดของกลุ่ม", date=datetime(2023, 10, 2, 9, tzinfo=BKK), categories=[own]),
        "sub": site.add_post(title="ประกาศในหมวดย่อย", date=datetime(2023, 11, 3, 9, tzinfo=BKK), categories=[sub]),
        "subsub": site.add_post(title="ประกาศสองชั้นลงไป", date=datetime(2023, 12, 4, 9, tzinfo=BKK),
                                categories=[subsub]),
        "twin": site.add_post(title="ประกาศในหมวดซ้ำ", date=datetime(2024, 1, 5, 9, tzinfo=BKK), categories=[twin]),
        "alias": site.add_post(title="ประกาศในหมวดชื่อเดิม", date=datetime(2024, 2, 6, 9, tzinfo=BKK),
                               categories=[alias]),
        "shared": site.add_post(title="ประกาศร่วมสองกลุ่ม", date=datetime(2024, 3, 7, 9, tzinfo=BKK),
                                categories=[own, other]),
    }
    site.add_post(title="ข่าวทั่วไป", date=datetime(2024, 1, 8, 9, tzinfo=BKK), categories=[unrelated])
    site.add_post(title="ร่างในหมวดของกลุ่ม", status="draft", date=datetime(2024, 1, 9, 9, tzinfo=BKK),
                  categories=[own])
    site.add_post(title="ประกาศรอบหลัง", date=datetime(2024, 4, 1, 0, 0, tzinfo=BKK), categories=[own])
    mappings = _with_group(bridge.mappings, "finance", aliases=("ข่าวการเงิน (ชื่อเดิม)",))
    assert group_category_ids(site.list_categories(), mappings.group("finance")) == {own, sub, subsub, twin, alias}

    fin, pol = harvest(site, bridge.ledger, mappings, 2567, 1, groups=["finance", "policy"])

    # One row per hand-made post: its title and its own day, in date order.
    assert [(i.published_on, i.title, i.ref) for i in fin.items] == [
        (date(2023, 10, 2), "ประกาศในหมวดของกลุ่ม", f"post:{posts['own'].id}"),
        (date(2023, 11, 3), "ประกาศในหมวดย่อย", f"post:{posts['sub'].id}"),
        (date(2023, 12, 4), "ประกาศสองชั้นลงไป", f"post:{posts['subsub'].id}"),
        (date(2024, 1, 5), "ประกาศในหมวดซ้ำ", f"post:{posts['twin'].id}"),
        (date(2024, 2, 6), "ประกาศในหมวดชื่อเดิม", f"post:{posts['alias'].id}"),
        (date(2024, 3, 7), "ประกาศร่วมสองกลุ่ม", f"post:{posts['shared'].id}"),
    ]
    assert [i.title for i in pol.items] == ["ประกาศร่วมสองกลุ่ม"]
    summary = summarise([fin, pol])
    assert [row.website for row in summary.rows] == [6, 1]
    assert (summary.items, summary.website, summary.total) == (6, 6, 6)  # the shared post once

    # Without subcategories: the listed categories and their near-duplicates only.
    flat = _with_group(mappings, "finance", include_subcategories=False)
    [fin_flat] = harvest(site, bridge.ledger, flat, 2567, 1, groups=["finance"])
    assert [i.title for i in fin_flat.items] == ["ประกาศในหมวดของกลุ่ม", "ประกาศในหมวดซ้ำ", "ประกาศในหมวดชื่อเดิม",
                                                 "ประกาศร่วมสองกลุ่ม"]


def test_a_record_note_reaches_the_website_row_and_the_desk_outcome_replaces_it(bridge: Bridge,
                                                                                site: FakeCms) -> None:
    _publish(bridge, "out-one", channels='["website", "social", "board"]')
    # Before any record: the website is confirmed, social and board are ticked as asked.
    [before] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    [row] = before.items
    assert (row.channels, row.asked, row.outcome) == ({"website"}, {"social", "board"}, "")
    assert (row.mark("online"), row.mark("board")) == ("confirmed", "asked")
    assert before.total("board") == 1  # asked counts: the request asked for the board

    bridge.record_manual(group="finance", channel="board", title="ติดบอร์ดหน้าสำนักงาน", published_on=date(2024, 1, 16),
                         recorded_by=RECORDER, request_id="out-one", note="ครูในสังกัดทราบกำหนดการ")
    bridge.record_manual(group="finance", channel="social", title="แชร์เฟซบุ๊ก", published_on=date(2024, 1, 17),
                         recorded_by=RECORDER, request_id="out-one", note="มีผู้เข้าชม 120 คน")
    [merged] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    [row] = merged.items  # one row, not three
    assert (row.channels, row.asked) == ({"website", "social", "board"}, frozenset())
    assert row.mark("board") == "confirmed"
    assert row.outcome == "ครูในสังกัดทราบกำหนดการ; มีผู้เข้าชม 120 คน"

    bridge.ledger.set_outcome(request_id="out-one", outcome="  ผู้ประกอบการยื่นเสนอราคา ๕ ราย ", by=RECORDER)
    [desk] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    assert desk.items[0].outcome == "ผู้ประกอบการยื่นเสนอราคา ๕ ราย"
    # Cleared: the notes show again; each change is in the audit trail.
    bridge.ledger.set_outcome(request_id="out-one", outcome="", by=RECORDER)
    [cleared] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    assert cleared.items[0].outcome == "ครูในสังกัดทราบกำหนดการ; มีผู้เข้าชม 120 คน"
    events = [e for e in bridge.ledger.events("out-one") if e.action == "report.outcome_set"]
    assert [(e.before, e.after) for e in events] == [
        ({"item": "request:out-one", "outcome": None},
         {"item": "request:out-one", "outcome": "ผู้ประกอบการยื่นเสนอราคา ๕ ราย"}),
        ({"item": "request:out-one", "outcome": "ผู้ประกอบการยื่นเสนอราคา ๕ ราย"},
         {"item": "request:out-one", "outcome": None}),
    ]


def test_set_outcome_for_a_hand_made_post_and_a_manual_record(bridge: Bridge, site: FakeCms) -> None:
    own = site.ensure_category_path(bridge.mappings.group("finance").category or "").id
    post = site.add_post(title="ประกาศทำมือ", date=IN_ROUND_1, categories=[own])
    record = bridge.record_manual(group="finance", channel="board", title="ติดบอร์ด", published_on=date(2024, 1, 20),
                                  recorded_by=RECORDER, note="บันทึกของผู้ติด")
    bridge.ledger.set_outcome(post_id=post.id, outcome="ผู้ปกครองทราบ", by=RECORDER)
    bridge.ledger.set_outcome(manual_id=record.id, outcome="บุคลากรรับทราบครบ", by=RECORDER)

    [report] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])

    assert [(i.origin, i.outcome) for i in report.items] == [("site", "ผู้ปกครองทราบ"), ("manual", "บุคลากรรับทราบครบ")]
    assert bridge.ledger.outcomes() == {f"post:{post.id}": "ผู้ปกครองทราบ", f"manual:{record.id}": "บุคลากรรับทราบครบ"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "exactly one item"),
    ({"request_id": "pr-x", "post_id": 3}, "exactly one item"),
    ({"request_id": "pr-nobody"}, "unknown request 'pr-nobody'"),
    ({"manual_id": 999}, "unknown manual publication #999"),
    ({"post_id": 0}, "post id must be a positive number"),
])
def test_set_outcome_refuses_what_names_no_single_known_item(bridge: Bridge, kwargs: dict[str, object],
                                                             message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        bridge.ledger.set_outcome(outcome="ข้อความ", by=RECORDER, **kwargs)  # type: ignore[arg-type]
    assert bridge.ledger.outcomes() == {}


def test_a_post_the_bridge_made_is_never_also_a_hand_made_row(bridge: Bridge, site: FakeCms) -> None:
    _publish(bridge, "bridge-own")
    [report] = harvest(site, bridge.ledger, bridge.mappings, 2567, 1, groups=["finance"])
    assert [(i.origin, i.ref) for i in report.items] == [("bridge", "request:bridge-own")]


def test_ledger_step_m011_moves_the_desks_outcomes_into_the_one_store(bridge: Bridge, site: FakeCms) -> None:
    import sqlite3

    from cms_bridge.bridge import report_item_key

    _publish(bridge, "mig-web")
    own = site.ensure_category_path(bridge.mappings.group("finance").category or "").id
    post = site.add_post(title="ประกาศทำมือ", date=IN_ROUND_1, categories=[own])
    alone = bridge.record_manual(group="finance", channel="board", title="ติดบอร์ดหน้าห้อง", published_on=date(2024, 1, 20),
                                 recorded_by=RECORDER)
    kept = bridge.record_manual(group="finance", channel="social", title="แชร์ข่าว", published_on=date(2024, 1, 21),
                                recorded_by=RECORDER)
    bridge.ledger.set_outcome(manual_id=kept.id, outcome="ข้อความที่ตั้งทีหลัง", by=RECORDER)
    [before] = bridge.report(2567, 1, groups=["finance"])
    by_ref = {item.ref: report_item_key(item) for item in before.items}
    assert set(by_ref) == {"request:mig-web", f"post:{post.id}", f"manual:{alone.id}", f"manual:{kept.id}"}
    texts = {"request:mig-web": "ผู้ประกอบการทราบ", f"post:{post.id}": "ผู้ปกครองทราบ",
             f"manual:{alone.id}": "ครูทราบ", f"manual:{kept.id}": "ข้อความเก่าของโต๊ะงาน"}
    config = bridge.config
    bridge.close()
    # The ledger as the desk left it before m011: outcomes by the desk's own keys, m011 not yet run.
    db = sqlite3.connect(config.sync.ledger)
    with db:
        db.execute("INSERT INTO report_notes VALUES ('finance', 2567, 1, ?, '[\"ป้ายชำรุด\"]',"
                   " '2000-01-01T00:00:00.000000+00:00', 'desk:director1')",
                   (json.dumps({by_ref[ref]: text for ref, text in texts.items()}, ensure_ascii=False),))
        db.execute("DELETE FROM migrations WHERE name = 'm011_one_outcome_store'")
    db.close()

    with Bridge(config, cms=site, clock=site.clock) as again:
        # What the ledger alone names moved; the later text set in the ledger stands; the hand-made
        # post waits for the site.
        assert again.ledger.outcomes() == {"request:mig-web": "ผู้ประกอบการทราบ", f"manual:{alone.id}": "ครูทราบ",
                                           f"manual:{kept.id}": "ข้อความที่ตั้งทีหลัง"}
        left, problems = again.ledger.report_notes(group_key="finance", fiscal_year=2567, round_number=1)
        assert left == {by_ref[f"post:{post.id}"]: "ผู้ปกครองทราบ"} and problems == ["ป้ายชำรุด"]
        [report] = again.report(2567, 1, groups=["finance"])
        assert {item.ref: item.outcome for item in report.items} == {
            "request:mig-web": "ผู้ประกอบการทราบ", f"post:{post.id}": "ผู้ปกครองทราบ",
            f"manual:{alone.id}": "ครูทราบ", f"manual:{kept.id}": "ข้อความที่ตั้งทีหลัง"}
        assert again.ledger.outcomes()[f"post:{post.id}"] == "ผู้ปกครองทราบ"
        assert again.ledger.report_notes(group_key="finance", fiscal_year=2567, round_number=1) == ({}, ["ป้ายชำรุด"])
        moved = [e.after["item"] for e in again.ledger.events() if e.action == "report.outcome_set"
                 and e.after and e.after.get("from") == "report_notes"]
        assert sorted(moved) == sorted(["request:mig-web", f"manual:{alone.id}", f"post:{post.id}"])
