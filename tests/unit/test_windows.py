"""Publication windows: validation, exact Bangkok-midnight boundaries, approval, next boundary.

Boundaries are written out by hand from the rules (Bangkok = UTC+7; a range's end day is
included; FY Y (BE) runs from 1 Oct CE Y-544 to 1 Oct CE Y-543), never taken from the code.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from cms_bridge.windows import (
    FiscalYearWindow,
    PermanentWindow,
    RangeWindow,
    Window,
    WindowState,
    closes_at,
    describe,
    next_boundary,
    opens_at,
    state_at,
)

UTC = timezone.utc
ICT = timezone(timedelta(hours=7))
SECOND = timedelta(seconds=1)
TINY = timedelta(microseconds=1)
BEFORE, OPEN, CLOSED = WindowState.BEFORE, WindowState.OPEN, WindowState.CLOSED

RANGE = RangeWindow(start=date(2024, 1, 10), end=date(2024, 1, 20))
RANGE_OPENS = datetime(2024, 1, 9, 17, 0, tzinfo=UTC)  # 10 Jan 00:00 Bangkok
RANGE_CLOSES = datetime(2024, 1, 20, 17, 0, tzinfo=UTC)  # 21 Jan 00:00 Bangkok
FY2567 = FiscalYearWindow(fiscal_year=2567)
FY_OPENS = datetime(2023, 9, 30, 17, 0, tzinfo=UTC)  # 1 Oct 2023 00:00 Bangkok
FY_CLOSES = datetime(2024, 9, 30, 17, 0, tzinfo=UTC)  # 1 Oct 2024 00:00 Bangkok


# --- models --------------------------------------------------------------------------------


def test_discriminated_union_picks_the_kind() -> None:
    adapter = TypeAdapter(Window)
    assert adapter.validate_python({"kind": "permanent"}) == PermanentWindow()
    assert adapter.validate_python({"kind": "fiscal_year", "fiscal_year": 2567}) == FY2567
    assert adapter.validate_python({"kind": "range", "start": "2024-01-10", "end": "2024-01-20"}) == RANGE
    assert adapter.validate_json('{"kind": "permanent", "start": "2024-01-01"}').start == date(2024, 1, 1)
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "weekly"})
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "range", "start": "2024-01-10"})
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "fiscal_year", "fiscalyear": 2567})


def test_range_end_before_start_names_both_dates() -> None:
    with pytest.raises(ValidationError) as info:
        RangeWindow(start=date(2024, 4, 1), end=date(2024, 3, 31))
    assert "2024-04-01" in str(info.value) and "2024-03-31" in str(info.value)


def test_one_day_range_is_valid() -> None:
    assert RangeWindow(start=date(2024, 4, 1), end=date(2024, 4, 1)).end == date(2024, 4, 1)


@pytest.mark.parametrize(("year", "suggestion"), [(2024, "2567"), (1900, "2443"), (2200, "2743")])
def test_ce_fiscal_year_is_refused_with_be_suggestion(year: int, suggestion: str) -> None:
    with pytest.raises(ValidationError) as info:
        FiscalYearWindow(fiscal_year=year)
    message = str(info.value)
    assert "CE" in message and "BE" in message and suggestion in message


@pytest.mark.parametrize("year", [2499, 2701, 67, -2567])
def test_implausible_fiscal_year_is_refused(year: int) -> None:
    with pytest.raises(ValidationError, match="2500"):
        FiscalYearWindow(fiscal_year=year)


@pytest.mark.parametrize("year", [2500, 2700])
def test_fiscal_year_range_is_inclusive(year: int) -> None:
    assert FiscalYearWindow(fiscal_year=year).fiscal_year == year


def test_windows_are_immutable() -> None:
    with pytest.raises(ValidationError):
        FY2567.fiscal_year = 2568  # type: ignore[misc]


# --- boundaries ----------------------------------------------------------------------------


def test_opens_and_closes_at() -> None:
    assert opens_at(RANGE) == RANGE_OPENS and closes_at(RANGE) == RANGE_CLOSES
    assert opens_at(FY2567) == FY_OPENS and closes_at(FY2567) == FY_CLOSES
    assert opens_at(PermanentWindow()) is None and closes_at(PermanentWindow()) is None
    assert opens_at(PermanentWindow(start=date(2024, 1, 10))) == RANGE_OPENS
    for moment in (opens_at(RANGE), closes_at(RANGE), opens_at(FY2567), closes_at(FY2567)):
        assert moment is not None and moment.utcoffset() == timedelta(hours=7)


def test_range_end_day_is_included() -> None:
    assert state_at(RANGE, datetime(2024, 1, 9, 23, 59, 59, tzinfo=ICT)) is BEFORE
    assert state_at(RANGE, datetime(2024, 1, 10, 0, 0, tzinfo=ICT)) is OPEN
    assert state_at(RANGE, datetime(2024, 1, 20, 23, 59, 59, tzinfo=ICT)) is OPEN
    assert state_at(RANGE, datetime(2024, 1, 21, 0, 0, tzinfo=ICT)) is CLOSED


def test_range_boundaries_in_utc() -> None:
    assert state_at(RANGE, RANGE_OPENS - SECOND) is BEFORE
    assert state_at(RANGE, RANGE_OPENS) is OPEN
    assert state_at(RANGE, RANGE_CLOSES - TINY) is OPEN
    assert state_at(RANGE, RANGE_CLOSES) is CLOSED
    # The UTC calendar day of the end is 20 Jan, yet 17:00 UTC is already 21 Jan in Bangkok.
    assert state_at(RANGE, datetime(2024, 1, 20, 18, 0, tzinfo=UTC)) is CLOSED


def test_fiscal_year_boundary_at_1_october_bangkok() -> None:
    assert state_at(FY2567, datetime(2023, 9, 30, 23, 59, 59, tzinfo=ICT)) is BEFORE
    assert state_at(FY2567, datetime(2023, 10, 1, 0, 0, tzinfo=ICT)) is OPEN
    assert state_at(FY2567, datetime(2024, 9, 30, 23, 59, 59, tzinfo=ICT)) is OPEN
    assert state_at(FY2567, datetime(2024, 10, 1, 0, 0, tzinfo=ICT)) is CLOSED
    assert state_at(FY2567, FY_OPENS - SECOND) is BEFORE
    assert state_at(FY2567, FY_OPENS) is OPEN
    assert state_at(FY2567, datetime(2024, 9, 30, 16, 59, 59, tzinfo=UTC)) is OPEN
    assert state_at(FY2567, FY_CLOSES) is CLOSED


def test_permanent_windows() -> None:
    assert state_at(PermanentWindow(), datetime(1, 1, 2, tzinfo=UTC)) is OPEN
    assert state_at(PermanentWindow(), datetime(9999, 12, 30, tzinfo=UTC)) is OPEN
    dated = PermanentWindow(start=date(2024, 1, 10))
    assert state_at(dated, RANGE_OPENS - SECOND) is BEFORE
    assert state_at(dated, datetime(9999, 12, 30, tzinfo=UTC)) is OPEN


# --- approval ------------------------------------------------------------------------------


def test_later_approval_delays_opening() -> None:
    approved = datetime(2024, 1, 15, 9, 30, tzinfo=ICT)
    assert state_at(RANGE, approved - SECOND, approved_at=approved) is BEFORE
    assert state_at(RANGE, approved, approved_at=approved) is OPEN
    assert state_at(RANGE, RANGE_CLOSES, approved_at=approved) is CLOSED
    assert next_boundary(RANGE, RANGE_OPENS, approved_at=approved) == approved


def test_earlier_approval_changes_nothing() -> None:
    approved = datetime(2023, 12, 1, tzinfo=ICT)
    assert state_at(RANGE, RANGE_OPENS - SECOND, approved_at=approved) is BEFORE
    assert state_at(RANGE, RANGE_OPENS, approved_at=approved) is OPEN
    assert next_boundary(RANGE, approved, approved_at=approved) == RANGE_OPENS


def test_approval_gates_an_unbounded_permanent_window() -> None:
    approved = datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
    assert state_at(PermanentWindow(), approved - TINY, approved_at=approved) is BEFORE
    assert state_at(PermanentWindow(), approved, approved_at=approved) is OPEN
    assert next_boundary(PermanentWindow(), approved, approved_at=approved) is None


@settings(deadline=None)
@given(
    late=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650)),
    t=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
)
def test_approval_at_or_after_end_never_opens(late: timedelta, t: datetime) -> None:
    for window, closes in ((RANGE, RANGE_CLOSES), (FY2567, FY_CLOSES)):
        assert state_at(window, t, approved_at=closes + late) is CLOSED
        assert next_boundary(window, t, approved_at=closes + late) is None


# --- next_boundary -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "opens", "closes"), [(RANGE, RANGE_OPENS, RANGE_CLOSES), (FY2567, FY_OPENS, FY_CLOSES)]
)
def test_next_boundary_walks_before_open_closed(window: Window, opens: datetime, closes: datetime) -> None:
    t = datetime(2000, 1, 1, tzinfo=UTC)
    states = [state_at(window, t)]
    boundaries = []
    while (t := next_boundary(window, t)) is not None:
        boundaries.append(t)
        states.append(state_at(window, t))
    assert states == [BEFORE, OPEN, CLOSED]
    assert boundaries == [opens, closes]
    assert next_boundary(window, opens - TINY) == opens
    assert next_boundary(window, opens) == closes  # strictly after t
    assert next_boundary(window, closes) is None


windows = st.one_of(
    st.builds(PermanentWindow, start=st.none() | st.dates(date(2000, 1, 1), date(2100, 1, 1))),
    st.builds(FiscalYearWindow, fiscal_year=st.integers(2543, 2643)),
    st.builds(
        lambda start, days: RangeWindow(start=start, end=start + timedelta(days=days)),
        st.dates(date(2000, 1, 1), date(2100, 1, 1)),
        st.integers(0, 800),
    ),
)
instants = st.datetimes(
    min_value=datetime(1999, 1, 1), max_value=datetime(2101, 1, 1),
    timezones=st.one_of(st.timezones(), st.just(UTC)),
)  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(window=windows, t=instants, approved=st.none() | instants)
def test_state_is_constant_until_next_boundary_and_changes_there(
    window: Window, t: datetime, approved: datetime | None
) -> None:
    state = state_at(window, t, approved_at=approved)
    boundary = next_boundary(window, t, approved_at=approved)
    if boundary is None:
        assert state_at(window, datetime(2200, 1, 1, tzinfo=UTC), approved_at=approved) is state
        return
    assert boundary > t and boundary.utcoffset() is not None
    assert state_at(window, boundary - TINY, approved_at=approved) is state
    after = state_at(window, boundary, approved_at=approved)
    assert (state, after) in {(BEFORE, OPEN), (OPEN, CLOSED)}


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2024, 1, 15, 12, 0)
    aware = naive.replace(tzinfo=ICT)
    with pytest.raises(ValueError, match="naive"):
        state_at(RANGE, naive)
    with pytest.raises(ValueError, match="naive"):
        state_at(RANGE, aware, approved_at=naive)
    with pytest.raises(ValueError, match="naive"):
        next_boundary(RANGE, naive)
    with pytest.raises(ValueError, match="naive"):
        next_boundary(RANGE, aware, approved_at=naive)


# --- describe ------------------------------------------------------------------------------


def test_describe() -> None:
    assert describe(PermanentWindow()) == "เผยแพร่แบบถาวร"
    assert describe(PermanentWindow(start=date(2023, 10, 1))) == "เผยแพร่แบบถาวร ตั้งแต่วันที่ 1 ตุลาคม 2566"
    assert describe(FY2567) == "ตลอดปีงบประมาณ 2567"
    assert (
        describe(RangeWindow(start=date(2023, 10, 1), end=date(2024, 3, 31)))
        == "ตั้งแต่วันที่ 1 ตุลาคม 2566 ถึงวันที่ 31 มีนาคม 2567"
    )
    assert describe(RangeWindow(start=date(2024, 2, 29), end=date(2024, 2, 29))) == "เฉพาะวันที่ 29 กุมภาพันธ์ 2567"
