"""The wording and cells every report format shares: the form's titles and column labels,
round names, the ว/ด/ป short date, digits and the total row.

Both :mod:`cms_bridge.reports.render` (XLSX, CSV, JSON and the entry point) and
:mod:`cms_bridge.reports.docx_form` (the DOCX) read it, so neither imports the other's layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from cms_bridge.channels import CHANNEL_LABELS
from cms_bridge.reports.model import ReportItem
from cms_bridge.thaidate import fiscal_year_rounds, format_thai_date, to_thai_digits

Format = Literal["docx", "xlsx", "csv", "json"]
Digits = Literal["thai", "arabic"]
FORMATS: tuple[Format, ...] = get_args(Format)

DEFAULT_OFFICE_NAME = "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา"
SIGNER_ROLE = "ผู้รายงาน"
FORM_TITLE = "แบบรายงานผลการกำกับติดตามในการเผยแพร่ข้อมูลต่อสาธารณะ"
SUMMARY_TITLE = "สรุปผลการกำกับติดตามการเผยแพร่ข้อมูลต่อสาธารณะ"
GROUP_LABEL = "กลุ่ม/หน่วย"
SECTION_ROUND = "1. โปรดระบุรอบของการรายงานผล"
SECTION_TABLE = "2. จำนวนข้อมูลข่าวสารที่เผยแพร่"
SECTION_PROBLEMS = "3. ปัญหา อุปสรรค และข้อเสนอแนะในการปรับปรุงการเผยแพร่ข้อมูลต่อสาธารณะ"
CHANNELS_HEADER = "ช่องทางเผยแพร่"
#: The form's table columns, left to right (the two channel columns sit under CHANNELS_HEADER).
COLUMNS = ("ลำดับ", "ว/ด/ป", "เรื่องที่เผยแพร่", "สื่อออนไลน์", "บอร์ด/แผ่นป้าย",
           "ผลลัพธ์หรือประโยชน์ที่เกิดจากการเผยแพร่")
SUMMARY_COLUMNS = ("ลำดับ", GROUP_LABEL, *CHANNEL_LABELS.values(), "รวม")
SUMMARY_NOTE = ("หมายเหตุ: เรื่องที่เผยแพร่หลายช่องทางนับในทุกช่องทางที่เผยแพร่ "
                "เรื่องที่อยู่ในหมวดของหลายกลุ่มนับในแต่ละกลุ่ม แต่นับครั้งเดียวในยอดของสำนักงาน")
#: The summary's row adding up the groups' rows (an item under two groups is in both).
SUMMARY_SUM_LABEL = "ผลรวมของทุกกลุ่ม"


def summary_office_label(items: int, digits: Digits) -> str:
    """The summary's last row: the office's distinct items."""
    return digits_of(f"รวมทั้งสำนักงาน ({items} เรื่อง ไม่นับซ้ำ)", digits)

TICK = "✓"
#: A channel the request asked for that nobody has confirmed with `cms-bridge record` yet.
ASKED_TICK = "(✓)"
#: Printed under the table when a row has an ASKED_TICK, so the signer knows what each mark means.
TICK_LEGEND = (f"{TICK} = เผยแพร่แล้ว (ยืนยันจากเว็บไซต์หรือการบันทึกผล)   "
               f"{ASKED_TICK} = ช่องทางที่ขอไว้ในบันทึกขออนุญาต ยังไม่มีการบันทึกยืนยัน")
CHECKED, UNCHECKED = "☑", "☐"

_ROUND_NAMES = {1: "รอบ 6 เดือนแรก", 2: "รอบ 6 เดือนหลัง"}


def digits_of(text: str | int, digits: Digits) -> str:
    """*text* with its digits in the chosen script."""
    return to_thai_digits(text) if digits == "thai" else str(text)


def short_date(day: date, digits: Digits = "thai") -> str:
    """The ว/ด/ป column: ``"๕ พ.ย. ๖๖"`` (two-digit BE year), or ``"5 พ.ย. 66"``."""
    full = format_thai_date(day, month="abbr", digits="arabic")  # "5 พ.ย. 2566"
    return digits_of(full[:-4] + full[-2:], digits)


def round_label(fiscal_year: int, number: int, digits: Digits = "thai") -> str:
    """``"รอบ ๖ เดือนแรก (๑ ตุลาคม ๒๕๖๖ – ๓๑ มีนาคม ๒๕๖๗)"`` for round *number* of *fiscal_year*."""
    period = fiscal_year_rounds(fiscal_year)[number - 1]
    first = format_thai_date(period.first_day)
    last = format_thai_date(period.last_day)
    return digits_of(f"{_ROUND_NAMES[number]} ({first} – {last})", digits)


def round_choices(fiscal_year: int, ticked: int, digits: Digits) -> list[tuple[bool, str]]:
    """Section ๑: both rounds of the year, each with whether it is the one reported."""
    return [(number == ticked, round_label(fiscal_year, number, digits)) for number in (1, 2)]


@dataclass(frozen=True)
class Totals:
    """The table's total row: items published, and how many of them each form column ticks."""

    items: int
    online: int
    board: int


def totals(items: Sequence[ReportItem]) -> Totals:
    """Add up the table's rows (a tick confirmed or asked counts)."""
    return Totals(items=len(items), online=sum(1 for i in items if i.online),
                  board=sum(1 for i in items if i.board))


def mark_text(item: ReportItem, column: Literal["online", "board"]) -> str:
    """``✓`` for a confirmed channel, ``(✓)`` for one only asked for, ``""`` otherwise."""
    mark = item.mark(column)
    return TICK if mark == "confirmed" else ASKED_TICK if mark == "asked" else ""


def has_asked(items: Sequence[ReportItem]) -> bool:
    """Some row has a channel only asked for (the table then needs :data:`TICK_LEGEND`)."""
    return any(item.mark(column) == "asked" for item in items for column in ("online", "board"))


def item_cells(index: int, item: ReportItem, digits: Digits) -> list[str]:
    """One table row as text: ลำดับ, ว/ด/ป, title, online mark, board mark, outcome."""
    return [digits_of(index, digits), short_date(item.published_on, digits), item.title,
            mark_text(item, "online"), mark_text(item, "board"), item.outcome]


def total_text(total: Totals, digits: Digits) -> str:
    """The total row's last cell."""
    return digits_of(f"รวมทั้งสิ้น {total.items} รายการ", digits)
