"""Publication windows: when an approved disclosure is visible on the site.

A window is one of three kinds, told apart by ``kind`` so a configuration or database row can
hold any of them (see :data:`Window`):

* ``permanent``: visible from its start (or always, without one) and never taken down;
* ``fiscal_year``: visible for one Thai fiscal year (BE), 1 October to 30 September;
* ``range``: visible from ``start`` to ``end``, both Bangkok calendar days, ``end`` included.

Every boundary is 00:00 Asia/Bangkok: a range a..b is visible from a 00:00 until (b + 1) 00:00,
so the whole of its last day counts. Intervals are half-open, ``[opens, closes)``.

Nothing may be published before it is approved, so the functions that answer "is it visible at
t" take the approval time and start the window at the later of the two.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from cms_bridge.errors import UsageError
from cms_bridge.messages import say
from cms_bridge.thaidate import (
    BE_YEAR_MAX,
    BE_YEAR_MIN,
    CE_LOOKALIKE,
    OFFICE_TZ,
    ThaiDate,
    ThaiNumber,
    ce_to_be,
    fiscal_year_bounds,
    format_thai_date,
    start_of_day,
)

__all__ = [
    "WINDOW_KIND_LABELS",
    "FiscalYearWindow",
    "PermanentWindow",
    "RangeWindow",
    "Window",
    "WindowState",
    "closes_at",
    "describe",
    "next_boundary",
    "opens_at",
    "state_at",
]

# The BE year range of cms_bridge.thaidate, under the names windows have always used.
FISCAL_YEAR_MIN = BE_YEAR_MIN
FISCAL_YEAR_MAX = BE_YEAR_MAX


class _WindowBase(BaseModel):
    # Frozen so a window can be shared and hashed; extra fields are refused so a typo such as
    # "fiscalyear" fails loudly instead of being ignored.
    model_config = ConfigDict(frozen=True, extra="forbid")


class PermanentWindow(_WindowBase):
    """Visible from *start* (00:00 Bangkok) for ever; from the beginning of time without a start."""

    kind: Literal["permanent"] = "permanent"
    start: ThaiDate | None = None


class FiscalYearWindow(_WindowBase):
    """Visible for the whole of one Thai fiscal year, named by its Buddhist Era year."""

    kind: Literal["fiscal_year"] = "fiscal_year"
    fiscal_year: ThaiNumber

    @field_validator("fiscal_year")
    @classmethod
    def _plausible_be_year(cls, value: int) -> int:
        if value in CE_LOOKALIKE:
            raise ValueError(say("window.fiscal_ce", year=value, be_year=ce_to_be(value)))
        if not FISCAL_YEAR_MIN <= value <= FISCAL_YEAR_MAX:
            raise ValueError(say("window.fiscal_implausible", year=value, low=FISCAL_YEAR_MIN, high=FISCAL_YEAR_MAX))
        return value


class RangeWindow(_WindowBase):
    """Visible from *start* to *end*, both Bangkok calendar days, *end* included."""

    kind: Literal["range"] = "range"
    start: ThaiDate
    end: ThaiDate

    @model_validator(mode="after")
    def _end_not_before_start(self) -> RangeWindow:
        if self.end < self.start:
            raise ValueError(say("window.ends_before_start", end=self.end, start=self.start))
        return self


#: The request form's words for each kind of window, accepted wherever a kind is given.
WINDOW_KIND_LABELS: dict[str, str] = {
    "permanent": "ถาวร",
    "fiscal_year": "ตลอดปีงบประมาณ",
    "range": "ช่วงวันที่",
}
# Other ways the form's boxes are written ("เผยแพร่แบบถาวร", "ตั้งแต่วันที่ … ถึงวันที่ …").
_KIND_WORDS = {**{label: kind for kind, label in WINDOW_KIND_LABELS.items()},
               "เผยแพร่แบบถาวร": "permanent", "แบบถาวร": "permanent", "ปีงบประมาณ": "fiscal_year",
               "ตามปีงบประมาณ": "fiscal_year", "ช่วงเวลา": "range", "ตั้งแต่วันที่": "range",
               "ตั้งแต่วันที่ถึงวันที่": "range", "ตั้งแต่ถึง": "range"}


def _thai_kind(value: Any) -> Any:
    # The form's own words for the kind, and "ตลอดปีงบประมาณ ๒๕๗๐" in one cell, so a window can
    # be typed as the paper says it.
    if isinstance(value, str):
        value = {"kind": value}
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        return value
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", value["kind"])).strip()
    compact = text.replace(" ", "").replace("…", "").replace("...", "")
    if text in WINDOW_KIND_LABELS or text.lower() in WINDOW_KIND_LABELS:
        return {**value, "kind": text.lower()}
    if compact in _KIND_WORDS:
        return {**value, "kind": _KIND_WORDS[compact]}
    year = re.fullmatch(r"(?:ตลอด|ตาม)?ปีงบประมาณ(?:พ\.ศ\.)?([0-9๐-๙]{4})", compact)
    if year and "fiscal_year" not in value:
        return {**value, "kind": "fiscal_year", "fiscal_year": year[1]}
    raise ValueError(say("window.unknown_kind", text=text,
                         choices=", ".join(f"{label} ({kind})" for kind, label in WINDOW_KIND_LABELS.items())))


Window = Annotated[PermanentWindow | FiscalYearWindow | RangeWindow, Field(discriminator="kind"),
                   BeforeValidator(_thai_kind)]
"""Any window; validate untrusted data with ``pydantic.TypeAdapter(Window)``.

``kind`` may be given in the form's words (:data:`WINDOW_KIND_LABELS`); a fiscal-year window may
be written in one text, ``"ตลอดปีงบประมาณ ๒๕๗๐"``.
"""


class WindowState(enum.Enum):
    """Where an instant lies relative to a window."""

    BEFORE = "before"
    OPEN = "open"
    CLOSED = "closed"


def opens_at(window: Window) -> datetime | None:
    """Return the first instant of *window*, ignoring approval.

    Args:
        window: any window.

    Returns:
        An aware Bangkok datetime, or ``None`` for a permanent window without a start.
    """
    if isinstance(window, FiscalYearWindow):
        return fiscal_year_bounds(window.fiscal_year)[0]
    return start_of_day(window.start) if window.start is not None else None


def closes_at(window: Window) -> datetime | None:
    """Return the first instant after *window* (exclusive end).

    Args:
        window: any window.

    Returns:
        An aware Bangkok datetime, or ``None`` for a permanent window, which never closes.
    """
    if isinstance(window, FiscalYearWindow):
        return fiscal_year_bounds(window.fiscal_year)[1]
    if isinstance(window, RangeWindow):
        return start_of_day(window.end + timedelta(days=1))
    return None


def _require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError(f"{name} {value.isoformat()} is naive; pass an aware datetime")
    # Aware datetimes sharing a tzinfo compare by wall time; converting both sides to one zone
    # makes every comparison below an exact comparison of instants.
    return value.astimezone(OFFICE_TZ)


def _effective_interval(
    window: Window, approved_at: datetime | None
) -> tuple[datetime | None, datetime | None] | None:
    """``(opens, closes)`` once approval is taken into account, or ``None`` if it never opens."""
    opens, closes = opens_at(window), closes_at(window)
    if approved_at is not None:
        approved_at = _require_aware(approved_at, "approved_at")
        opens = approved_at if opens is None else max(opens, approved_at)
    if opens is not None and closes is not None and opens >= closes:
        return None
    return opens, closes


def state_at(window: Window, t: datetime, *, approved_at: datetime | None = None) -> WindowState:
    """Return whether *window* is not yet open, open, or closed at instant *t*.

    When *approved_at* is given the window opens at the later of its own start and the approval.
    If the approval comes at or after the window's end the window never opens, and the state
    is ``CLOSED`` at every *t*, before the approval included: there is nothing to wait for.

    Args:
        window: any window.
        t: the instant to ask about; must be aware.
        approved_at: when the request was approved; must be aware.

    Returns:
        ``BEFORE``, ``OPEN`` or ``CLOSED``.

    Raises:
        UsageError: (a ValueError) *t* or *approved_at* is a naive datetime.
    """
    t = _require_aware(t, "t")
    interval = _effective_interval(window, approved_at)
    if interval is None:
        return WindowState.CLOSED
    opens, closes = interval
    if opens is not None and t < opens:
        return WindowState.BEFORE
    if closes is not None and t >= closes:
        return WindowState.CLOSED
    return WindowState.OPEN


def next_boundary(window: Window, t: datetime, *, approved_at: datetime | None = None) -> datetime | None:
    """Return the next instant strictly after *t* at which :func:`state_at` changes.

    A scheduler can sleep until this instant and then publish or withdraw.

    Args:
        window: any window.
        t: the instant to start from; must be aware.
        approved_at: when the request was approved; must be aware.

    Returns:
        An aware Bangkok datetime, or ``None`` if the state never changes again.

    Raises:
        UsageError: (a ValueError) *t* or *approved_at* is a naive datetime.
    """
    t = _require_aware(t, "t")
    interval = _effective_interval(window, approved_at)
    if interval is None:
        return None
    for boundary in interval:
        if boundary is not None and boundary > t:
            return boundary
    return None


def describe(window: Window) -> str:
    """Return a one-line Thai description of *window* for editors and the audit log.

    Args:
        window: any window.

    Returns:
        e.g. ``"เผยแพร่แบบถาวร"``, ``"ตลอดปีงบประมาณ 2567"`` or
        ``"ตั้งแต่วันที่ 1 ตุลาคม 2566 ถึงวันที่ 31 มีนาคม 2567"``.
    """
    if isinstance(window, PermanentWindow):
        if window.start is None:
            return "เผยแพร่แบบถาวร"
        return f"เผยแพร่แบบถาวร ตั้งแต่วันที่ {format_thai_date(window.start)}"
    if isinstance(window, FiscalYearWindow):
        return f"ตลอดปีงบประมาณ {window.fiscal_year}"
    if window.start == window.end:
        return f"เฉพาะวันที่ {format_thai_date(window.start)}"
    return f"ตั้งแต่วันที่ {format_thai_date(window.start)} ถึงวันที่ {format_thai_date(window.end)}"
