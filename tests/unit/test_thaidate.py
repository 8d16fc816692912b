"""Thai calendar: parsing and formatting dates, digits, Buddhist Era and fiscal years.

Expected values come from the definitions (BE = CE + 543; FY Y runs 1 Oct CE Y-544 to 30 Sep
CE Y-543; Bangkok is UTC+7 since 1920), not from the implementation.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms_bridge.thaidate import (
    OFFICE_TZ,
    ThaiDateError,
    be_to_ce,
    ce_to_be,
    fiscal_year_bounds,
    fiscal_year_of,
    fiscal_year_rounds,
    format_thai_date,
    parse_thai_date,
    round_of,
    to_arabic_digits,
    to_thai_digits,
)

UTC = timezone.utc
ICT = timezone(timedelta(hours=7))  # Bangkok's offset since 1920, written out independently
MAY_22_2019 = date(2019, 5, 22)


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "๒๒ พฤษภาคม ๒๕๖๒",
        "22 พฤษภาคม 2562",
        "22 พ.ค. 62",
        "22 พ.ค. 2562",
        "22 พ.ค 2562",
        "22 พค 2562",
        "22 พ. ค. 2562",
        "22พฤษภาคม2562",
        "22/05/2562",
        "22/5/62",
        "22-05-2562",
        "๒๒/๐๕/๒๕๖๒",
        "2019-05-22",
        "วันที่ ๒๒ เดือน พฤษภาคม พ.ศ.๒๕๖๒",
        "วันที่ 22 เดือนพฤษภาคม พ.ศ. 2562",
        "วันที่ 22 พฤษภาคม 2562",
        "22 พฤษภาคม พ.ศ. 2562",
        "  22 พฤษภาคม 2562 \n",
        "22\u00a0พฤษภาคม\u200b2562",
    ],
)
def test_every_written_form_of_22_may_2019_parses(text: str) -> None:
    assert parse_thai_date(text) == MAY_22_2019


@pytest.mark.parametrize(
    ("abbr", "month"),
    [("ม.ค.", 1), ("ก.พ.", 2), ("มี.ค.", 3), ("เม.ย.", 4), ("พ.ค.", 5), ("มิ.ย.", 6),
     ("ก.ค.", 7), ("ส.ค.", 8), ("ก.ย.", 9), ("ต.ค.", 10), ("พ.ย.", 11), ("ธ.ค.", 12)],
)  # fmt: skip
def test_each_abbreviation_with_and_without_dots(abbr: str, month: int) -> None:
    assert parse_thai_date(f"1 {abbr} 2567") == date(2024, month, 1)
    assert parse_thai_date(f"1 {abbr.replace('.', '')} 2567") == date(2024, month, 1)


@pytest.mark.parametrize(
    ("name", "month"),
    [("มกราคม", 1), ("กุมภาพันธ์", 2), ("มีนาคม", 3), ("เมษายน", 4), ("พฤษภาคม", 5), ("มิถุนายน", 6),
     ("กรกฎาคม", 7), ("สิงหาคม", 8), ("กันยายน", 9), ("ตุลาคม", 10), ("พฤศจิกายน", 11), ("ธันวาคม", 12)],
)  # fmt: skip
def test_each_full_month_name(name: str, month: int) -> None:
    assert parse_thai_date(f"๑ {name} ๒๕๖๗") == date(2024, month, 1)


def test_leap_day_2567_is_valid() -> None:
    assert parse_thai_date("29 กุมภาพันธ์ 2567") == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "days"),
    [("30 กุมภาพันธ์ 2567", 29), ("29 กุมภาพันธ์ 2566", 28), ("31 เมษายน 2567", 30), ("31/06/2567", 30)],
)
def test_impossible_day_says_how_many_days_the_month_has(text: str, days: int) -> None:
    with pytest.raises(ThaiDateError) as info:
        parse_thai_date(text)
    assert f"only {days} days" in str(info.value)
    assert text in str(info.value)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("22/05/2019", "2562"), ("22-05-1900", "2443"), ("1 ตุลาคม 2200", "2743"), ("22 พ.ค. 2024", "2567")],
)
def test_ce_year_where_be_expected_suggests_be(text: str, suggestion: str) -> None:
    with pytest.raises(ThaiDateError) as info:
        parse_thai_date(text)
    message = str(info.value)
    assert "CE" in message and "BE" in message
    assert f"did you mean {suggestion}?" in message
    assert text in message


def test_iso_year_that_looks_be_is_refused() -> None:
    with pytest.raises(ThaiDateError, match="did you mean 2019-05-22"):
        parse_thai_date("2562-05-22")


def test_unknown_month_is_named() -> None:
    with pytest.raises(ThaiDateError) as info:
        parse_thai_date("22 มกรา 2562")
    assert "'มกรา'" in str(info.value)
    assert "month" in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", "\u200b"])
def test_empty_is_an_error(text: str) -> None:
    with pytest.raises(ThaiDateError, match="empty"):
        parse_thai_date(text)


@pytest.mark.parametrize("text", ["hello", "22 2562", "22/05", "2019/05/22/01", "13/13/2562", "00/05/2562"])
def test_garbage_is_an_error_quoting_the_input(text: str) -> None:
    with pytest.raises(ThaiDateError) as info:
        parse_thai_date(text)
    assert repr(text) in str(info.value)


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_thai_date("31 เมษายน 2567")


# --- formatting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "22 พฤษภาคม 2562"),
        ({"month": "abbr"}, "22 พ.ค. 2562"),
        ({"digits": "thai"}, "๒๒ พฤษภาคม ๒๕๖๒"),
        ({"era": True}, "22 พฤษภาคม พ.ศ. 2562"),
        ({"month": "abbr", "digits": "thai", "era": True}, "๒๒ พ.ค. พ.ศ. ๒๕๖๒"),
    ],
)
def test_format(options: dict, expected: str) -> None:
    assert format_thai_date(MAY_22_2019, **options) == expected


def test_format_aware_datetime_uses_bangkok_day() -> None:
    # 18:00 UTC on 21 May is 01:00 on 22 May in Bangkok.
    assert format_thai_date(datetime(2019, 5, 21, 18, 0, tzinfo=UTC)) == "22 พฤษภาคม 2562"


def test_format_rejects_bad_options_and_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        format_thai_date(MAY_22_2019, month="short")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_thai_date(MAY_22_2019, digits="roman")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_thai_date(datetime(2019, 5, 22, 12, 0))


@settings(deadline=None, max_examples=300)
@given(
    day=st.dates(date(1900, 1, 1), date(2200, 12, 31)),
    month=st.sampled_from(["full", "abbr"]),
    digits=st.sampled_from(["thai", "arabic"]),
    era=st.booleans(),
)
def test_format_then_parse_round_trips(day: date, month: str, digits: str, era: bool) -> None:
    assert parse_thai_date(format_thai_date(day, month=month, digits=digits, era=era)) == day  # type: ignore[arg-type]


# --- digits and eras -----------------------------------------------------------------------


def test_digit_conversion_known_values() -> None:
    assert to_thai_digits("0123456789") == "๐๑๒๓๔๕๖๗๘๙"
    assert to_arabic_digits("๐๑๒๓๔๕๖๗๘๙") == "0123456789"
    assert to_thai_digits("ปี 2562 (FY)") == "ปี ๒๕๖๒ (FY)"
    assert to_arabic_digits("ปี ๒๕๖๒ (FY)") == "ปี 2562 (FY)"
    assert to_thai_digits(2567) == "๒๕๖๗"


@settings(deadline=None)
@given(st.text())
def test_digit_round_trips(text: str) -> None:
    arabic = to_arabic_digits(text)
    assert not any(c in "๐๑๒๓๔๕๖๗๘๙" for c in arabic)
    assert to_arabic_digits(to_thai_digits(arabic)) == arabic
    thai = to_thai_digits(text)
    assert not any(c in "0123456789" for c in thai)
    assert to_thai_digits(to_arabic_digits(thai)) == thai
    assert len(thai) == len(arabic) == len(text)


def test_be_ce_known_values() -> None:
    assert ce_to_be(2019) == 2562
    assert be_to_ce(2567) == 2024


@settings(deadline=None)
@given(st.integers(-10_000, 10_000))
def test_be_ce_round_trip(year: int) -> None:
    assert be_to_ce(ce_to_be(year)) == year
    assert ce_to_be(be_to_ce(year)) == year
    assert ce_to_be(year) - year == 543


# --- fiscal years and rounds ---------------------------------------------------------------


def test_fiscal_year_2562_bounds() -> None:
    start, end = fiscal_year_bounds(2562)
    assert start == datetime(2018, 10, 1, tzinfo=ICT)
    assert end == datetime(2019, 10, 1, tzinfo=ICT)
    assert start.utcoffset() == end.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2018, 9, 30), 2561), (date(2018, 10, 1), 2562), (date(2019, 9, 30), 2562), (date(2019, 10, 1), 2563)],
)
def test_fiscal_year_of_dates(day: date, expected: int) -> None:
    assert fiscal_year_of(day) == expected


def test_fiscal_year_of_converts_to_bangkok_first() -> None:
    # 30 Sep 17:00 UTC is 1 Oct 00:00 in Bangkok: already the next fiscal year.
    assert fiscal_year_of(datetime(2019, 9, 30, 16, 59, 59, tzinfo=UTC)) == 2562
    assert fiscal_year_of(datetime(2019, 9, 30, 17, 0, tzinfo=UTC)) == 2563


def test_naive_datetime_rejected() -> None:
    for func in (fiscal_year_of, round_of):
        with pytest.raises(ValueError, match="naive"):
            func(datetime(2019, 5, 22, 12, 0))


aware_datetimes = st.datetimes(
    min_value=datetime(1921, 1, 1), max_value=datetime(2199, 12, 31),
    timezones=st.one_of(st.timezones(), st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-1439, 1439))),
)  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(aware_datetimes)
def test_fiscal_year_of_agrees_with_bounds_in_any_timezone(t: datetime) -> None:
    year = fiscal_year_of(t)
    start, end = fiscal_year_bounds(year)
    assert start <= t < end
    bangkok_day = t.astimezone(ICT).date()
    assert year == bangkok_day.year + 543 + (1 if bangkok_day.month >= 10 else 0)


@settings(deadline=None, max_examples=300)
@given(aware_datetimes)
def test_round_of_contains_t(t: datetime) -> None:
    rnd = round_of(t)
    assert rnd.start <= t < rnd.end
    assert rnd.fiscal_year == fiscal_year_of(t)
    assert rnd.number == (2 if 4 <= t.astimezone(ICT).month <= 9 else 1)


# Bangkok kept local mean time (UTC+6:42:04) until 1920, so fixed UTC+7 arithmetic only holds
# from fiscal year 2464 (starting 1 Oct 1920) on; Bangkok wall-clock checks hold for every year.
ALL_YEARS = st.integers(2444, 2743)
MODERN_YEARS = st.integers(2464, 2743)


@settings(deadline=None)
@given(ALL_YEARS)
def test_round_and_year_boundaries_in_bangkok_time(be_year: int) -> None:
    ce = be_year - 543
    assert round_of(datetime(ce, 3, 31, 23, 59, 59, tzinfo=OFFICE_TZ)).number == 1
    assert round_of(datetime(ce, 4, 1, 0, 0, tzinfo=OFFICE_TZ)).number == 2
    assert fiscal_year_of(datetime(ce, 9, 30, 23, 59, 59, tzinfo=OFFICE_TZ)) == be_year
    assert fiscal_year_of(datetime(ce, 10, 1, 0, 0, tzinfo=OFFICE_TZ)) == be_year + 1


@settings(deadline=None)
@given(MODERN_YEARS)
def test_round_and_year_boundaries_in_utc(be_year: int) -> None:
    ce = be_year - 543
    assert round_of(datetime(ce, 3, 31, 16, 59, 59, tzinfo=UTC)).number == 1
    assert round_of(datetime(ce, 3, 31, 17, 0, tzinfo=UTC)).number == 2
    assert fiscal_year_of(datetime(ce, 9, 30, 16, 59, 59, tzinfo=UTC)) == be_year
    assert fiscal_year_of(datetime(ce, 9, 30, 17, 0, tzinfo=UTC)) == be_year + 1


@settings(deadline=None)
@given(ALL_YEARS)
def test_rounds_tile_the_fiscal_year(be_year: int) -> None:
    first, second = fiscal_year_rounds(be_year)
    start, end = fiscal_year_bounds(be_year)
    ce = be_year - 543
    assert (first.fiscal_year, first.number, second.fiscal_year, second.number) == (be_year, 1, be_year, 2)
    assert first.start == start and first.end == second.start and second.end == end
    assert first.first_day == date(ce - 1, 10, 1) and first.last_day == date(ce, 3, 31)
    assert second.first_day == date(ce, 4, 1) and second.last_day == date(ce, 9, 30)
    for moment in (first.start, first.end, second.end):
        assert moment.utcoffset() is not None
        assert moment.astimezone(OFFICE_TZ).time() == datetime.min.time()


@settings(deadline=None)
@given(MODERN_YEARS)
def test_fiscal_year_bounds_are_bangkok_midnights(be_year: int) -> None:
    start, end = fiscal_year_bounds(be_year)
    assert start == datetime(be_year - 544, 10, 1, tzinfo=ICT)
    assert end == datetime(be_year - 543, 10, 1, tzinfo=ICT)


def test_round_of_plain_date() -> None:
    rnd = round_of(date(2024, 3, 31))
    assert (rnd.fiscal_year, rnd.number) == (2567, 1)
    assert rnd.first_day == date(2023, 10, 1)
