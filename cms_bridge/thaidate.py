"""Thai calendar helpers: Buddhist Era years, Thai digits and month names, fiscal years.

Office staff write dates in the Buddhist Era (BE = CE + 543), often with Thai digits and
abbreviated month names, so everything that reads or shows a date for people goes through here.
The office works on Bangkok time; every datetime this module returns is aware and in
:data:`OFFICE_TZ`.

The Thai fiscal year runs 1 October to 30 September and is named by the BE year in which it
ends: FY 2562 is 2018-10-01 to 2019-09-30. It has two reporting rounds, 1 Oct - 31 Mar and
1 Apr - 30 Sep.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator

from cms_bridge.errors import ThaiDateError, UsageError
from cms_bridge.messages import say

__all__ = [
    "BE_OFFSET",
    "BE_YEARS",
    "BE_YEAR_MAX",
    "BE_YEAR_MIN",
    "CE_LOOKALIKE",
    "OFFICE_TZ",
    "Round",
    "ThaiDateError",
    "be_to_ce",
    "ce_to_be",
    "fiscal_year_bounds",
    "fiscal_year_of",
    "fiscal_year_rounds",
    "format_thai_date",
    "parse_thai_date",
    "round_of",
    "start_of_day",
    "to_arabic_digits",
    "to_thai_digits",
]

OFFICE_TZ = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
#: The Buddhist Era years the bridge accepts (fiscal years, ITA lists, migration filters): BE 2500
#: (1957 CE) to BE 2700 (2157 CE), both included. In an ISO (CE) date a year in this range is
#: almost certainly BE typed by mistake.
BE_YEAR_MIN = 2500
BE_YEAR_MAX = 2700
BE_YEARS = range(BE_YEAR_MIN, BE_YEAR_MAX + 1)
#: Where BE is expected, a year in this range is almost certainly a CE year typed by mistake:
#: BE 1900-2200 would be the 14th-17th century CE.
CE_LOOKALIKE = range(1900, 2201)

MONTHS_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
MONTHS_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
# Error messages are read by people who may not read Thai; calendar.month_name follows the locale.
_MONTHS_ENGLISH = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_THAI = str.maketrans("0123456789", _THAI_DIGITS)
_TO_ARABIC = str.maketrans(_THAI_DIGITS, "0123456789")


def _month_key(name: str) -> str:
    # Staff write "พ.ค.", "พ.ค", "พค" and "พ. ค." for the same month.
    return re.sub(r"[.\s]", "", name)


_MONTH_BY_KEY = {_month_key(n): i for names in (MONTHS_FULL, MONTHS_ABBR) for i, n in enumerate(names, 1)}

_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_NUMERIC = re.compile(r"(?P<day>\d{1,2}) ?(?P<sep>[/.-]) ?(?P<month>\d{1,2}) ?(?P=sep) ?(?P<year>\d{4}|\d{2})")
_TEXT = re.compile(
    r"(?:วันที่ ?)?(?P<day>\d{1,2}) ?(?:เดือน ?)?(?P<month>[^\d\s][^\d]*?) ?(?:พ\. ?ศ\.? ?)?(?P<year>\d{4}|\d{2})"
)


def be_to_ce(year: int) -> int:
    """Return the Christian Era year for Buddhist Era *year* (2562 -> 2019)."""
    return year - BE_OFFSET


def ce_to_be(year: int) -> int:
    """Return the Buddhist Era year for Christian Era *year* (2019 -> 2562)."""
    return year + BE_OFFSET


def to_thai_digits(text: str | int) -> str:
    """Return *text* with Arabic digits 0-9 replaced by Thai digits ๐-๙; other characters stay."""
    return str(text).translate(_TO_THAI)


def to_arabic_digits(text: str) -> str:
    """Return *text* with Thai digits ๐-๙ replaced by Arabic digits 0-9; other characters stay."""
    return text.translate(_TO_ARABIC)


def start_of_day(day: date) -> datetime:
    """Return 00:00 Bangkok time at the start of calendar day *day* (aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=OFFICE_TZ)


def _office_date(value: date | datetime) -> date:
    """The Bangkok calendar day of *value*; a naive datetime has no defined day, so it is refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise UsageError(f"naive datetime {value.isoformat()} has no time zone; pass an aware datetime")
        return value.astimezone(OFFICE_TZ).date()
    return value


def parse_thai_date(text: str) -> date:
    """Read a date the way office staff write it.

    Accepted forms (Thai or Arabic digits, any spacing):
    ``"๒๒ พฤษภาคม ๒๕๖๒"``, ``"22 พ.ค. 62"``, ``"22/05/2562"``, ``"22-05-2562"``,
    ``"วันที่ ๒๒ เดือน พฤษภาคม พ.ศ.๒๕๖๒"`` (all Buddhist Era; a two-digit year means 25xx) and
    ISO ``"2019-05-22"`` (Christian Era).

    Args:
        text: the date as written.

    Returns:
        The calendar date.

    Raises:
        ThaiDateError: the text is empty or not a recognised form, the month name is unknown, a
            BE year looks like a CE year (or an ISO year like a BE one), or the day does not
            exist in that month and year.
    """
    # ZWSP and NBSP arrive from copy-pasted Word documents; treat them as spaces.
    cleaned = unicodedata.normalize("NFC", text).replace("\u200b", " ").strip()
    cleaned = re.sub(r"\s+", " ", to_arabic_digits(cleaned))
    if not cleaned:
        raise ThaiDateError(say("date.empty", text=text))

    if m := _ISO.fullmatch(cleaned):
        year = int(m["year"])
        if year in BE_YEARS:
            suggestion = f"{be_to_ce(year)}-{m['month']}-{m['day']}"
            raise ThaiDateError(say("date.iso_be_year", text=text, year=year, suggestion=suggestion))
        return _checked_date(text, year, int(m["month"]), int(m["day"]), f"{year} CE")

    if m := _NUMERIC.fullmatch(cleaned):
        month = int(m["month"])
    elif m := _TEXT.fullmatch(cleaned):
        name = m["month"].strip()
        if _month_key(name) not in _MONTH_BY_KEY:
            raise ThaiDateError(say("date.unknown_month", text=text, name=name))
        month = _MONTH_BY_KEY[_month_key(name)]
    else:
        raise ThaiDateError(say("date.unrecognised", text=text))

    be_year = _be_year(text, m["year"])
    return _checked_date(text, be_to_ce(be_year), month, int(m["day"]), f"{be_year} BE ({be_to_ce(be_year)} CE)")


def _be_year(text: str, digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:
        # Office memos abbreviate 2562 to 62; nobody writes about the 2400s.
        return BE_YEAR_MIN + year
    if year in CE_LOOKALIKE:
        raise ThaiDateError(say("date.ce_year", text=text, year=year, be_year=ce_to_be(year)))
    if not 1 <= be_to_ce(year) <= 9999:
        raise ThaiDateError(say("date.be_year_out_of_range", text=text, year=year))
    return year


def _checked_date(text: str, ce_year: int, month: int, day: int, year_label: str) -> date:
    if not 1 <= ce_year <= 9999:
        raise ThaiDateError(say("date.year_out_of_range", text=text, year=ce_year))
    if not 1 <= month <= 12:
        raise ThaiDateError(say("date.no_such_month", text=text, month=month))
    days = calendar.monthrange(ce_year, month)[1]
    if not 1 <= day <= days:
        raise ThaiDateError(say("date.no_such_day", text=text, day=day, month_name=MONTHS_FULL[month - 1],
                                month_en=_MONTHS_ENGLISH[month - 1], year_en=year_label,
                                be_year_th=ce_to_be(ce_year), days=days))
    return date(ce_year, month, day)


def format_thai_date(
    value: date | datetime,
    *,
    month: Literal["full", "abbr"] = "full",
    digits: Literal["thai", "arabic"] = "arabic",
    era: bool = False,
) -> str:
    """Write a date the Thai way, with a Buddhist Era year: ``"22 พฤษภาคม 2562"``.

    Args:
        value: the date; an aware datetime is shown as its Bangkok calendar day.
        month: ``"full"`` (``พฤษภาคม``) or ``"abbr"`` (``พ.ค.``).
        digits: ``"arabic"`` (``22``) or ``"thai"`` (``๒๒``).
        era: put ``"พ.ศ. "`` before the year.

    Returns:
        The formatted date, which :func:`parse_thai_date` reads back.

    Raises:
        UsageError: (a ValueError) an unknown *month* or *digits* option, or a naive datetime.
    """
    if month not in ("full", "abbr"):
        raise UsageError(f"month must be 'full' or 'abbr', not {month!r}")
    if digits not in ("thai", "arabic"):
        raise UsageError(f"digits must be 'thai' or 'arabic', not {digits!r}")
    day = _office_date(value)
    names = MONTHS_FULL if month == "full" else MONTHS_ABBR
    text = f"{day.day} {names[day.month - 1]} {'พ.ศ. ' if era else ''}{ce_to_be(day.year)}"
    return to_thai_digits(text) if digits == "thai" else text


def fiscal_year_of(value: date | datetime) -> int:
    """Return the Buddhist Era fiscal year that *value* falls in.

    Args:
        value: a date (a Bangkok calendar day) or an aware datetime (converted to Bangkok time).

    Returns:
        The BE year in which that fiscal year ends; 2018-10-01 and 2019-09-30 are both in 2562.

    Raises:
        UsageError: (a ValueError) *value* is a naive datetime.
    """
    day = _office_date(value)
    return ce_to_be(day.year + (1 if day.month >= 10 else 0))


def fiscal_year_bounds(be_year: int) -> tuple[datetime, datetime]:
    """Return when fiscal year *be_year* starts and ends, as aware Bangkok midnights.

    Args:
        be_year: Buddhist Era fiscal year, e.g. 2562.

    Returns:
        ``(start, end_exclusive)``: 1 October of CE ``be_year - 544`` and of CE ``be_year - 543``.

    Raises:
        ValueError: the year is outside what :class:`datetime.datetime` can represent.
    """
    ce_end = be_to_ce(be_year)
    return start_of_day(date(ce_end - 1, 10, 1)), start_of_day(date(ce_end, 10, 1))


@dataclass(frozen=True)
class Round:
    """One of the two half-year reporting rounds of a fiscal year.

    Attributes:
        fiscal_year: BE fiscal year.
        number: 1 (1 Oct - 31 Mar) or 2 (1 Apr - 30 Sep).
        start: first instant, 00:00 Bangkok (aware).
        end: first instant after the round, 00:00 Bangkok (aware, exclusive).
    """

    fiscal_year: int
    number: int
    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        """The first Bangkok calendar day of the round."""
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The last Bangkok calendar day of the round (inclusive)."""
        return self.end.date() - timedelta(days=1)


def fiscal_year_rounds(be_year: int) -> tuple[Round, Round]:
    """Return both reporting rounds of fiscal year *be_year*, in order.

    Args:
        be_year: Buddhist Era fiscal year.

    Raises:
        ValueError: the year is outside what :class:`datetime.datetime` can represent.
    """
    start, end = fiscal_year_bounds(be_year)
    middle = start_of_day(date(be_to_ce(be_year), 4, 1))
    return Round(be_year, 1, start, middle), Round(be_year, 2, middle, end)


def round_of(value: date | datetime) -> Round:
    """Return the reporting round that *value* falls in.

    Args:
        value: a date (a Bangkok calendar day) or an aware datetime (converted to Bangkok time).

    Raises:
        UsageError: (a ValueError) *value* is a naive datetime.
    """
    day = _office_date(value)
    first, second = fiscal_year_rounds(fiscal_year_of(day))
    return second if 4 <= day.month <= 9 else first


def _date_from_text(value: Any) -> Any:
    # Staff write dates the Thai way ("๒๒ พ.ค. ๒๕๖๒"); ISO strings go through the same parser.
    if isinstance(value, str):
        return parse_thai_date(value)
    # An unquoted TOML date (request_date = 2569-11-02) arrives as a date already: a Buddhist
    # Era year there would be taken for a Christian Era one, five centuries ahead, and poison
    # every window computed from it.
    if isinstance(value, date) and value.year in BE_YEARS:
        raise ValueError(say("date.unquoted_be", iso=value.isoformat(), year=value.year,
                             ce_date=f"{be_to_ce(value.year)}-{value.month:02d}-{value.day:02d}",
                             thai=f"{value.day} {MONTHS_ABBR[value.month - 1]} {value.year}"))
    return value


ThaiDate = Annotated[date, BeforeValidator(_date_from_text)]
"""A ``date`` field of a pydantic model that also accepts every form :func:`parse_thai_date` reads."""


def _int_from_text(value: Any) -> Any:
    # A number typed on a Thai keyboard ("๒๕๗๐") or with the era written before it ("พ.ศ. 2570")
    # is the same number; anything else is left for pydantic to refuse in its usual words.
    if isinstance(value, str):
        cleaned = re.sub(r"\s+", "", to_arabic_digits(unicodedata.normalize("NFC", value)))
        cleaned = cleaned.removeprefix("พ.ศ.").removeprefix("ปีงบประมาณ")
        if cleaned.isascii() and cleaned.isdigit():
            return int(cleaned)
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a spreadsheet keeps every number as a float
    return value


ThaiNumber = Annotated[int, BeforeValidator(_int_from_text)]
"""An ``int`` field of a pydantic model that also accepts Thai digits (``"๒๕๗๐"``, ``"พ.ศ. ๒๕๗๐"``)."""
