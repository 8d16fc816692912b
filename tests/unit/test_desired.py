"""The desired state of a request at a time, from its decision and window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cms_bridge.publishing.desired import desired_state
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.thaidate import OFFICE_TZ

BKK = OFFICE_TZ


def request(window: dict, decision: dict | None = None) -> PublicationRequest:
    return PublicationRequest.model_validate({
        "request_id": "2570-d-001", "request_date": "2026-09-01", "group": "ict", "kind": "other",
        "title": "ประกาศ", "purpose": "ทดสอบ", "channels": ["website"], "window": window,
        "requester": {"name": "นางสาวทดลอง ใจดี", "position": "ครู"},
        "decision": decision or {"status": "approved", "by": "นายสมมุติ ใจกว้าง",
                                 "at": datetime(2026, 9, 10, 9, 30, tzinfo=BKK)},
    })


def test_pending_is_absent_and_rejected_is_withdrawn() -> None:
    now = datetime(2026, 10, 1, tzinfo=BKK)
    assert desired_state(request({"kind": "permanent"}, {"status": "pending"}), now).state == "absent"
    rejected = {"status": "rejected", "by": "นายสมมุติ ใจกว้าง", "at": datetime(2026, 9, 2, tzinfo=BKK)}
    assert desired_state(request({"kind": "permanent"}, rejected), now).state == "withdrawn"


def test_permanent_window_opens_at_the_approval() -> None:
    r = request({"kind": "permanent"})
    approved = datetime(2026, 9, 10, 9, 30, tzinfo=BKK)
    before = desired_state(r, approved - timedelta(seconds=1))
    assert (before.state, before.publish_at, before.next_change) == ("scheduled", approved, approved)
    after = desired_state(r, approved)
    assert (after.state, after.publish_at, after.next_change) == ("published", approved, None)


def test_range_end_day_is_included_and_next_change_is_the_day_after() -> None:
    r = request({"kind": "range", "start": "2026-10-01", "end": "2026-10-31"})
    last_second = datetime(2026, 10, 31, 23, 59, 59, tzinfo=BKK)
    assert desired_state(r, last_second).state == "published"
    assert desired_state(r, last_second).next_change == datetime(2026, 11, 1, tzinfo=BKK)
    assert desired_state(r, datetime(2026, 11, 1, tzinfo=BKK)).state == "withdrawn"
    early = desired_state(r, datetime(2026, 9, 20, tzinfo=BKK))
    assert early.state == "scheduled" and early.publish_at == datetime(2026, 10, 1, tzinfo=BKK)


def test_fiscal_year_closes_at_1_october_bangkok_in_any_zone() -> None:
    r = request({"kind": "fiscal_year", "fiscal_year": 2570})
    # 1 Oct 2027 00:00 Bangkok = 30 Sep 2027 17:00 UTC.
    assert desired_state(r, datetime(2027, 9, 30, 16, 59, 59, tzinfo=timezone.utc)).state == "published"
    assert desired_state(r, datetime(2027, 9, 30, 17, 0, tzinfo=timezone.utc)).state == "withdrawn"


def test_approval_after_the_window_never_publishes() -> None:
    late = {"status": "approved", "by": "นายสมมุติ ใจกว้าง", "at": datetime(2026, 11, 5, tzinfo=BKK)}
    r = request({"kind": "range", "start": "2026-10-01", "end": "2026-10-31"}, late)
    assert desired_state(r, datetime(2026, 11, 5, 1, tzinfo=BKK)).state == "withdrawn"


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        desired_state(request({"kind": "permanent"}), datetime(2026, 10, 1))
