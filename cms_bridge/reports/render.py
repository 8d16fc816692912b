"""Lay out the six-monthly monitoring reports as DOCX, XLSX, CSV and JSON files.

The form is the office's "แบบรายงานผลการกำกับติดตามในการเผยแพร่ข้อมูลต่อสาธารณะ": the group,
the round ticked, a table (ลำดับ | ว/ด/ป | เรื่องที่เผยแพร่ | ช่องทางเผยแพร่: สื่อออนไลน์,
บอร์ด/แผ่นป้าย | ผลลัพธ์…), section ๓ (problems) and the reporter's signature. The DOCX side
(and the summary chart) is in :mod:`cms_bridge.reports.docx_form`, the wording shared by every
format in :mod:`cms_bridge.reports.wording`; this module holds the entry point and the XLSX, CSV
and JSON writers.

Conventions, the same in every format:

* **Digits.** ``digits="thai"`` writes every number and date that the renderer itself puts into
  text in Thai digits (``๕ พ.ย. ๖๖``, ``รอบ ๖ เดือนแรก``, section numbers, totals);
  ``"arabic"`` writes 0-9. Text that comes from the data (titles, outcomes, names, problems) is
  printed as written. Spreadsheet numbers (XLSX number cells, CSV ลำดับ and counts) stay numbers
  so Excel can sort, sum and chart them; JSON is data (ISO dates, integers) whatever *digits* is.
* **ว/ด/ป** is the short Thai date with a two-digit Buddhist Era year, ``๕ พ.ย. ๖๖``, as staff
  write it in this column; it fits the narrow column and :func:`cms_bridge.thaidate.parse_thai_date`
  reads it back (a two-digit year means 25xx).
* **Channels.** สื่อออนไลน์ is ticked for the website or social media, บอร์ด/แผ่นป้าย for a
  notice board. The table's total row counts items (a site row standing for several posts counts
  as its ``count``); the summary counts per channel, so an item on two channels counts in both.
* **File names** are ASCII: ``report-2567-r1-finance.docx`` and ``summary-2567-r1.xlsx``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cms_bridge.channels import CHANNELS
from cms_bridge.errors import ReportError
from cms_bridge.reports.model import (
    GroupReport,
    OfficeSummary,
)

from cms_bridge.reports.wording import (
    CHANNELS_HEADER,
    CHECKED,
    COLUMNS,
    DEFAULT_OFFICE_NAME,
    SECTION_PROBLEMS,
    SECTION_ROUND,
    SECTION_TABLE,
    SIGNER_ROLE,
    SUMMARY_SUM_LABEL,
    TICK_LEGEND,
    Digits,
    FORMATS,
    FORM_TITLE,
    Format,
    GROUP_LABEL,
    SUMMARY_COLUMNS,
    SUMMARY_NOTE,
    SUMMARY_TITLE,
    Totals,
    UNCHECKED,
    digits_of,
    has_asked,
    item_cells,
    round_choices,
    round_label,
    short_date,
    summary_office_label,
    total_text,
    totals,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_OFFICE_NAME",
    "FORMATS",
    "Digits",
    "Format",
    "Totals",
    "report_file_stem",
    "round_label",
    "short_date",
    "summary_file_stem",
    "totals",
    "write_report",
]



def _safe_part(text: str) -> str:
    part = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return part or "group"


def report_file_stem(report: GroupReport) -> str:
    """``report-2567-r1-finance``: ASCII, from the fiscal year, round and group key."""
    return f"report-{report.fiscal_year}-r{report.round}-{_safe_part(report.group_key)}"


def summary_file_stem(summary: OfficeSummary) -> str:
    """``summary-2567-r1``."""
    return f"summary-{summary.fiscal_year}-r{summary.round}"


def write_report(reports: Sequence[GroupReport], out_dir: Path, *, formats: Sequence[Format],
                 digits: Digits = "thai", summary: OfficeSummary | None = None,
                 office_name: str = DEFAULT_OFFICE_NAME) -> list[Path]:
    """Write each group's report, and the office summary, in each of *formats*.

    Args:
        reports: the groups' reports (usually one round, from :func:`cms_bridge.reports.harvest.harvest`).
        out_dir: folder to write into; created if missing. Existing files of the same name are
            replaced (each file is written to a temporary name first, then renamed).
        formats: any of ``"docx"``, ``"xlsx"``, ``"csv"``, ``"json"``; repeats are ignored.
        digits: ``"thai"`` (๐-๙) or ``"arabic"`` (0-9) for the numbers and dates the renderer
            writes (see the module docstring for what stays numeric).
        summary: also write ``summary-<year>-r<round>.<format>`` for the office.
        office_name: the form's second title line, e.g. ``"สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา เขต ๑๑"``.

    Returns:
        The paths written: per report, one per format in the order given; then the summary's.

    Raises:
        ReportError: (a ValueError) an unknown format or *digits*, no format, or two reports that would be
            written to the same file name (same year, round and group key).
    """
    wanted = list(dict.fromkeys(formats))
    if not wanted or any(f not in FORMATS for f in wanted):
        raise ReportError(f"formats must be a non-empty selection of {', '.join(FORMATS)}; got {list(formats)!r}")
    if digits not in ("thai", "arabic"):
        raise ReportError(f"digits must be 'thai' or 'arabic', not {digits!r}")

    jobs: list[tuple[Path, Callable[[Path], None]]] = []
    for report in reports:
        for fmt in wanted:
            jobs.append((out_dir / f"{report_file_stem(report)}.{fmt}",
                         _group_writer(fmt, report, digits, office_name)))
    if summary is not None:
        for fmt in wanted:
            jobs.append((out_dir / f"{summary_file_stem(summary)}.{fmt}",
                         _summary_writer(fmt, summary, digits, office_name)))
    names = [path.name for path, _ in jobs]
    if clash := sorted({n for n in names if names.count(n) > 1}):
        raise ReportError(f"two reports would be written to the same file: {', '.join(clash)} "
                         "(same fiscal year, round and group key)")

    out_dir.mkdir(parents=True, exist_ok=True)
    for path, write in jobs:
        _write_atomically(path, write)
    return [path for path, _ in jobs]


def _group_writer(fmt: Format, report: GroupReport, digits: Digits, office_name: str) -> Callable[[Path], None]:
    if fmt == "docx":
        from cms_bridge.reports.docx_form import write_group_docx
        return lambda path: write_group_docx(report, path, digits=digits, office_name=office_name)
    if fmt == "xlsx":
        return lambda path: _write_group_xlsx(report, path, digits, office_name)
    if fmt == "csv":
        return lambda path: _write_group_csv(report, path, digits)
    return lambda path: _write_json(path, {"report": _dump(report), "totals": _group_totals(report)})


def _summary_writer(fmt: Format, summary: OfficeSummary, digits: Digits, office_name: str) -> Callable[[Path], None]:
    if fmt == "docx":
        from cms_bridge.reports.docx_form import write_summary_docx
        return lambda path: write_summary_docx(summary, path, digits=digits, office_name=office_name)
    if fmt == "xlsx":
        return lambda path: _write_summary_xlsx(summary, path, digits, office_name)
    if fmt == "csv":
        return lambda path: _write_summary_csv(summary, path)
    return lambda path: _write_json(path, {"summary": summary.model_dump(mode="json"),
                                           "totals": _summary_totals(summary)})


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    # Not mkstemp: its files are 0600, and a report is meant to be shared like any file the user makes.
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# --- JSON -------------------------------------------------------------------------------------

def _dump(report: GroupReport) -> dict[str, Any]:
    data = report.model_dump(mode="json")
    for item in data["items"]:  # a frozenset dumps in hash order; keep files reproducible
        item["channels"] = [ch for ch in CHANNELS if ch in item["channels"]]
    return data


def _group_totals(report: GroupReport) -> dict[str, Any]:
    total = totals(report.items)
    return {"items": total.items, "online": total.online, "board_column": total.board,
            "by_channel": {ch: report.total(ch) for ch in CHANNELS}, "all_channels": report.total()}


def _summary_totals(summary: OfficeSummary) -> dict[str, Any]:
    by_channel = {ch: sum(getattr(row, ch) for row in summary.rows) for ch in CHANNELS}
    return {"by_channel": by_channel, "all_channels": sum(by_channel.values()),
            "by_group": {row.group_key: row.total for row in summary.rows}}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- CSV (UTF-8 with BOM so Excel reads Thai) ---------------------------------------------------

#: What a spreadsheet takes for the start of a formula (OWASP's list): a title such as
#: ``=HYPERLINK(...)`` typed on a request must stay text in every file the office opens.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _as_text(value: Any) -> Any:
    """*value*, a string that would start a formula quoted with an apostrophe (shown as text)."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _csv_row(values: Sequence[Any]) -> list[Any]:
    return [_as_text(value) for value in values]


def _write_group_csv(report: GroupReport, path: Path, digits: Digits) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for index, item in enumerate(report.items, 1):
            writer.writerow(_csv_row([index, *item_cells(index, item, digits)[1:]]))


def _write_summary_csv(summary: OfficeSummary, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["ลำดับ", "รหัสกลุ่ม", *SUMMARY_COLUMNS[1:]])
        for index, row in enumerate(summary.rows, 1):
            writer.writerow(_csv_row([index, row.group_key, row.group_name, row.website, row.social, row.board,
                                      row.total]))


# --- XLSX ---------------------------------------------------------------------------------------

def _save_without_formulas(book: Any, path: Path) -> None:
    # openpyxl stores any string that starts with "=" as a formula; the report writes none of its
    # own, so every such cell is request text and is stored as the string it is.
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    book.save(path)


XLSX_FONT = "TH Sarabun New"
_XLSX_WIDTHS = (6, 12, 28, 9, 9, 24)  # characters, columns A-F
_SUMMARY_WIDTHS = (7, 40, 11, 15, 14, 12)
#: Number format showing Thai digits in Excel and LibreOffice (numeral system 0D, locale th-TH);
#: the cell stays a number that sorts and sums.
THAI_DIGITS_FORMAT = "[$-D00041E]0"
#: Points per line of 14 pt TH Sarabun New (and of Laksaman, its stand-in), with the Thai
#: marks above and below; row heights are set from it because neither Excel nor LibreOffice
#: grows a row for wrapped text when the file sets none.
_LINE_PT = 22.0
#: Column width units (a "0" of the default font) one Thai or Latin character of 14 pt takes.
_UNITS_PER_CHAR = 1.0
#: A4 portrait less the margins set in :func:`_a4` (0.7 in each side, 0.75 in top and bottom),
#: in points, and the printed width of a column unit (a character and its padding) in points.
_PRINT_WIDTH_PT, _PRINT_HEIGHT_PT, _UNIT_PT = 494.0, 734.0, 7.1
#: The share of a page the layout fills: row heights are estimates, and a page that came out
#: taller than the paper would get a break Excel or LibreOffice chose.
_PAGE_SAFETY = 0.9


def _xlsx_styles() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin")
    return {
        "font": Font(name=XLSX_FONT, size=14), "bold": Font(name=XLSX_FONT, size=14, bold=True),
        "title": Font(name=XLSX_FONT, size=16, bold=True), "border": Border(thin, thin, thin, thin),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "left": Alignment(horizontal="left", vertical="top", wrap_text=True),
        "right_half": Alignment(horizontal="center", vertical="center", wrap_text=True),
    }


def _text_lines(text: Any, width_units: float) -> int:
    """Lines *text* wraps to in a column *width_units* wide (Thai marks above and below take no width)."""
    if text is None or text == "":
        return 1
    per_line = max(1.0, (width_units - 1) / _UNITS_PER_CHAR)
    lines = 0
    for paragraph in str(text).split("\n"):
        visible = sum(1 for ch in paragraph if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))
        lines += max(1, math.ceil(visible / per_line))
    return lines


def _fit_row(sheet: Any, row: int, widths: Sequence[float], *, merged: dict[int, float] | None = None,
             line_pt: float = _LINE_PT) -> float:
    """Set the height of *row* from its wrapped cells; *merged* gives the widths of merged cells."""
    lines = 1
    for col, width in enumerate(widths, 1):
        value = sheet.cell(row, col).value
        lines = max(lines, _text_lines(value, (merged or {}).get(col, width)))
    height = lines * line_pt + 4
    sheet.row_dimensions[row].height = height
    return height


def _a4(sheet: Any, title_rows: str, last_row: int, width: int) -> None:
    from openpyxl.utils import get_column_letter

    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.7  # inches, about 1.8 cm
    sheet.page_margins.top, sheet.page_margins.bottom = 0.75, 0.75
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = title_rows
    sheet.print_area = f"A1:{get_column_letter(width)}{last_row}"


def _paginate(sheet: Any, widths: Sequence[float], header: tuple[int, int], tail_start: int, last_row: int) -> None:
    """Set every page break of the sheet, so the signature is never alone on a page.

    The rows' heights are set (:func:`_fit_row`) and the sheet is fitted to the page width, so
    the pages can be laid out here: each break is a manual one, placed where a page a little
    shorter than A4's (:data:`_PAGE_SAFETY`) is full, so Excel or LibreOffice never needs a
    break of its own. When the last item row, the total, section ๓ and the signature (rows
    *tail_start* to *last_row*) would be split over two pages, the break comes before them and
    they go together, under the repeated header, to the next page.
    """
    from openpyxl.worksheet.pagebreak import Break

    scale = min(1.0, _PRINT_WIDTH_PT / (sum(widths) * _UNIT_PT))
    page = _PRINT_HEIGHT_PT * _PAGE_SAFETY / scale

    def height(row: int) -> float:
        value = sheet.row_dimensions[row].height
        return float(value) if value else _LINE_PT

    header_height = sum(height(r) for r in range(header[0], header[1] + 1))
    tail = sum(height(r) for r in range(tail_start, last_row + 1))
    used = 0.0
    for row in range(1, last_row + 1):
        keep_tail = row == tail_start and row > header[1] + 1 and used + tail > page and tail + header_height <= page
        if keep_tail or (row > 1 and used + height(row) > page):
            sheet.row_breaks.append(Break(id=row - 1))
            used = header_height  # a new page starts under the repeated header rows
        used += height(row)


def _heading_rows(sheet: Any, lines: Sequence[str], widths: Sequence[float], style: dict[str, Any]) -> int:
    from openpyxl.utils import get_column_letter

    for row, text in enumerate(lines, 1):
        sheet.cell(row, 1, text).font = style["title"] if row <= 2 else style["font"]
        sheet.cell(row, 1).alignment = style["center"] if row <= 2 else style["left"]
        sheet.merge_cells(f"A{row}:{get_column_letter(len(widths))}{row}")
        # Titles are 16 pt: a line holds fewer characters than the merged width suggests.
        _fit_row(sheet, row, widths, merged={1: sum(widths) / (16 / 14)}, line_pt=_LINE_PT * 16 / 14 if row <= 2
                 else _LINE_PT)
    return len(lines) + 2  # the first table row, after a blank one


def _number(cell: Any, digits: Digits) -> None:
    if digits == "thai" and isinstance(cell.value, int):
        cell.number_format = THAI_DIGITS_FORMAT


def _signature_rows(sheet: Any, row: int, name: str | None, position: str | None, role: str | None,
                    style: dict[str, Any], widths: Sequence[float]) -> int:
    """ลงชื่อ / (name) / ตำแหน่ง in columns C-F from *row*; returns the last row written."""
    from openpyxl.utils import get_column_letter

    dots = "." * 40
    lines = [f"ลงชื่อ{dots}{role or ''}", f"({name})" if name else f"({dots})",
             f"ตำแหน่ง {position}" if position else f"ตำแหน่ง{dots}"]
    last_col = get_column_letter(len(widths))
    for offset, text in enumerate(lines):
        cell = sheet.cell(row + offset, 3, text)
        cell.font, cell.alignment = style["font"], style["right_half"]
        sheet.merge_cells(f"C{row + offset}:{last_col}{row + offset}")
        _fit_row(sheet, row + offset, widths, merged={3: sum(widths[2:])})
    return row + len(lines) - 1


def _write_group_xlsx(report: GroupReport, path: Path, digits: Digits, office_name: str) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    style = _xlsx_styles()
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook starts with one worksheet
    sheet.title = _safe_part(report.group_key)[:31]
    widths = _XLSX_WIDTHS
    lines = [FORM_TITLE, office_name, f"{GROUP_LABEL} {report.group_name}", digits_of(SECTION_ROUND, digits),
             *(f"{CHECKED if ticked else UNCHECKED} {label}"
               for ticked, label in round_choices(report.fiscal_year, report.round, digits)),
             digits_of(SECTION_TABLE, digits)]
    top = _heading_rows(sheet, lines, widths, style) - 1  # no blank row between section ๒ and its table
    for section in (4, len(lines)):  # ๑. and ๒. in bold, as in the form
        sheet.cell(section, 1).font = style["bold"]
    for col, text in enumerate(COLUMNS, 1):  # two header rows, merged like the form
        sheet.cell(top + (1 if col in (4, 5) else 0), col, text)
    sheet.cell(top, 4, CHANNELS_HEADER)
    sheet.merge_cells(start_row=top, start_column=4, end_row=top, end_column=5)
    for col in (1, 2, 3, 6):
        sheet.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    rows: list[list[Any]] = []
    for index, item in enumerate(report.items, 1):
        rows.append([index, *item_cells(index, item, digits)[1:]])
    total = totals(report.items)
    rows.append(["รวม", None, None, total.online, total.board, total_text(total, digits)])
    for offset, values in enumerate(rows):
        for col, value in enumerate(values, 1):
            _number(sheet.cell(top + 2 + offset, col, value), digits)
    last = top + 1 + len(rows)
    sheet.merge_cells(start_row=last, start_column=1, end_row=last, end_column=3)
    for number, row in enumerate(sheet.iter_rows(min_row=top, max_row=last, max_col=len(COLUMNS)), top):
        for cell in row:
            header_or_total = number < top + 2 or number == last
            cell.font = style["bold"] if header_or_total else style["font"]
            cell.border = style["border"]
            cell.alignment = style["left"] if cell.column in (3, 6) and not header_or_total else style["center"]
    # The header's first row holds only ช่องทางเผยแพร่; its merged columns wrap over both rows.
    sheet.row_dimensions[top].height = _LINE_PT + 4
    _fit_row(sheet, top + 1, widths, merged={1: 99, 2: 99, 3: 99, 6: widths[5] / 2})
    for row_number in range(top + 2, last + 1):
        _fit_row(sheet, row_number, widths, merged={1: 99} if row_number == last else None)
    at = last + 1
    if has_asked(report.items):
        at += 1
        sheet.cell(at, 1, TICK_LEGEND).font = style["font"]
        sheet.cell(at, 1).alignment = style["left"]
        sheet.merge_cells(f"A{at}:F{at}")
        _fit_row(sheet, at, widths, merged={1: sum(widths)})
    at += 2
    sheet.cell(at, 1, digits_of(SECTION_PROBLEMS, digits)).font = style["bold"]
    sheet.cell(at, 1).alignment = style["left"]
    sheet.merge_cells(f"A{at}:F{at}")
    _fit_row(sheet, at, widths, merged={1: sum(widths)})
    for text in report.problems or ("." * 170,) * 3:
        at += 1
        sheet.cell(at, 1, text).font = style["font"]
        sheet.cell(at, 1).alignment = style["left"]
        sheet.merge_cells(f"A{at}:F{at}")
        _fit_row(sheet, at, widths, merged={1: sum(widths)})
    end = _signature_rows(sheet, at + 2, report.reporter_name, report.reporter_position, SIGNER_ROLE, style, widths)
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    _a4(sheet, f"{top}:{top + 1}", end, len(widths))
    _paginate(sheet, widths, (top, top + 1), last - 1 if report.items else top, end)
    _save_without_formulas(book, path)


def _write_summary_xlsx(summary: OfficeSummary, path: Path, digits: Digits, office_name: str) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    style = _xlsx_styles()
    book = Workbook()
    active = book.active
    assert isinstance(active, Worksheet)  # a new workbook starts with one worksheet
    sheet: Worksheet = active  # the stubs' "active" type also has Chartsheet's add_chart
    sheet.title = "สรุป"
    widths = _SUMMARY_WIDTHS
    lines = [SUMMARY_TITLE, office_name,
             digits_of(f"ปีงบประมาณ {summary.fiscal_year} ", digits) + round_label(summary.fiscal_year,
                                                                                  summary.round, digits)]
    top = _heading_rows(sheet, lines, widths, style)
    for col, text in enumerate(SUMMARY_COLUMNS, 1):
        sheet.cell(top, col, text)
    for index, row in enumerate(summary.rows, 1):
        values: list[Any] = [index, row.group_name, row.website, row.social, row.board, row.total]
        for col, value in enumerate(values, 1):
            _number(sheet.cell(top + index, col, value), digits)
    added = top + len(summary.rows) + 1
    last = added + 1
    by_channel = [sum(getattr(r, ch) for r in summary.rows) for ch in CHANNELS]
    for col, value in enumerate([SUMMARY_SUM_LABEL, None, *by_channel, sum(by_channel)], 1):
        _number(sheet.cell(added, col, value), digits)
    for col, value in enumerate([summary_office_label(summary.items, digits), None, summary.website,
                                 summary.social, summary.board, summary.total], 1):
        _number(sheet.cell(last, col, value), digits)
    for merged in (added, last):
        sheet.merge_cells(start_row=merged, start_column=1, end_row=merged, end_column=2)
    for cells in sheet.iter_rows(min_row=top, max_row=last, max_col=len(SUMMARY_COLUMNS)):
        for cell in cells:
            cell.font = style["bold"] if cell.row in (top, last) else style["font"]
            cell.border = style["border"]
            cell.alignment = style["left"] if cell.column == 2 and cell.row not in (top, added, last) else style["center"]
    for row_number in range(top, last + 1):
        _fit_row(sheet, row_number, widths, merged={1: widths[0] + widths[1]} if row_number >= added else None)
    note = last + 1
    sheet.cell(note, 1, SUMMARY_NOTE).font = style["font"]
    sheet.cell(note, 1).alignment = style["left"]
    sheet.merge_cells(f"A{note}:F{note}")
    _fit_row(sheet, note, widths, merged={1: sum(widths)})
    end = _signature_rows(sheet, note + 2, summary.signer_name, summary.signer_position, None, style, widths)
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    if summary.rows:
        chart = BarChart()
        chart.type = "bar"  # horizontal: long Thai group names read along the axis
        chart.grouping = "clustered"
        chart.title = "จำนวนเรื่องที่เผยแพร่ แยกตามช่องทาง"
        chart.y_axis.title = "จำนวน"
        chart.add_data(Reference(sheet, min_col=3, max_col=5, min_row=top, max_row=added - 1), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=2, min_row=top + 1, max_row=added - 1))
        chart.height, chart.width = 4 + 1.0 * len(summary.rows), 17
        sheet.add_chart(chart, f"A{end + 2}")
        # The chart is printed too: the print area reaches below it (about 20 points a row).
        end += 2 + math.ceil(chart.height * 28.35 / _LINE_PT)
    _a4(sheet, f"{top}:{top}", end, len(widths))
    _paginate(sheet, widths, (top, top), max(top + 1, added - 1), note + 5)
    _save_without_formulas(book, path)
