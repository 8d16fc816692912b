"""Requests from a spreadsheet: a CSV or XLSX export of an online form, one request per row.

CSV files come from Excel and Google Forms in UTF-8 (with or without a byte-order mark) or, on
older Thai Windows machines, in TIS-620/cp874; both are read. Column headers are mapped to
request fields by ``[intake.columns]`` in the config; without it a header may be the field's
dotted name (``requester.name``) or the form's Thai label (:data:`TABLE_HEADERS`, what
``cms-bridge template`` writes).

Excel changes what a clerk types: ``1.10`` becomes the number 1.1, ``1/10/2569`` a date in the
year 2569. A number in a text field is read as the text Excel shows and reported as a warning
naming the cell; a date with a Buddhist Era year is read as that BE date.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from cms_bridge.messages import say
from cms_bridge.errors import TableError
from cms_bridge.intake.request import FIELD_LABELS
from cms_bridge.mappings import Mappings
from cms_bridge.thaidate import BE_YEARS, OFFICE_TZ, be_to_ce

#: Fields whose cell holds a list, split on the configured separator.
LIST_FIELDS = ("channels", "attachments", "images")
#: Fields whose cell is a number; every field not here, in DATE_FIELDS or DATETIME_FIELDS is text.
NUMBER_FIELDS = frozenset({"file_count", "page_count", "window.fiscal_year"})
DATE_FIELDS = frozenset({"request_date", "window.start", "window.end", "endorsement.date"})
DATETIME_FIELDS = frozenset({"decision.at"})
#: A row whose request id starts with this is the example row of ``cms-bridge template``: skipped.
EXAMPLE_ID_PREFIX = "example-"

#: The Thai column header of each field a spreadsheet may carry, in the form's order. They are
#: the form's labels (FIELD_LABELS), made unique where the form repeats one ("วันที่", "ลงชื่อ").
TABLE_HEADERS: dict[str, str] = {
    "request_id": FIELD_LABELS["request_id"],
    "document_number": FIELD_LABELS["document_number"],
    "request_date": FIELD_LABELS["request_date"],
    "requester.name": FIELD_LABELS["requester.name"],
    "requester.position": FIELD_LABELS["requester.position"],
    "group": FIELD_LABELS["group"],
    "title": FIELD_LABELS["title"],
    "purpose": FIELD_LABELS["purpose"],
    "kind": FIELD_LABELS["kind"],
    "file_count": FIELD_LABELS["file_count"],
    "page_count": FIELD_LABELS["page_count"],
    "channels": FIELD_LABELS["channels"],
    "window.kind": FIELD_LABELS["window"],
    "window.fiscal_year": "ปีงบประมาณ",
    "window.start": "ตั้งแต่วันที่",
    "window.end": "ถึงวันที่",
    "attachments": FIELD_LABELS["attachments"],
    "body": FIELD_LABELS["body"],
    "source": FIELD_LABELS["source"],
    "images": FIELD_LABELS["images"],
    "endorsement.name": "ลงชื่อ ผู้อำนวยการกลุ่ม",
    "endorsement.position": FIELD_LABELS["endorsement.position"],
    "endorsement.date": "วันที่ ผู้อำนวยการกลุ่มลงชื่อ",
    "decision.status": FIELD_LABELS["decision.status"],
    "decision.by": "ลงชื่อ ผู้สั่งการ",
    "decision.position": "ตำแหน่ง ผู้สั่งการ",
    "decision.at": FIELD_LABELS["decision.at"],
    "decision.note": FIELD_LABELS["decision.note"],
}


def header_key(text: str) -> str:
    """A header as compared: NFC, no spaces, no "…"/"...", no trailing "*" (a required mark)."""
    text = unicodedata.normalize("NFC", text).replace("…", "").replace("...", "")
    return re.sub(r"\s+", "", text).rstrip("*").lower()


_FIELD_BY_HEADER: dict[str, str] = {header_key(h): f for f, h in TABLE_HEADERS.items()}
_FIELD_BY_HEADER.update({header_key(f): f for f in TABLE_HEADERS})


def field_of_header(header: str) -> str | None:
    """The request field a column header names (dotted name or Thai header), or ``None``."""
    return _FIELD_BY_HEADER.get(header_key(header))


class Row(NamedTuple):
    """One data row: its number as the spreadsheet shows it, and header -> cell value."""

    number: int
    values: dict[str, Any]


@dataclass
class Table:
    """A sheet as read: its rows, where each header is (``"C"``) and how numbers were shown."""

    rows: list[Row]
    columns: dict[str, str]
    #: (row number, header) -> the Excel number format of a cell holding a number.
    formats: dict[tuple[int, str], str] = field(default_factory=dict)

    def cell(self, row: int, header: str) -> str:
        """The cell's name as Excel shows it, e.g. ``D7``."""
        return f"{self.columns.get(header, '?')}{row}"


@dataclass(frozen=True)
class CellNote:
    """Something worth a look in one cell (a warning): the field, and what was done."""

    field: str
    message: str


def read_table(path: Path) -> list[Row]:
    """The data rows of a CSV or the first sheet of an XLSX, as (row number, header -> value).

    Row numbers are as a spreadsheet shows them (the header is row 1). Empty rows are skipped.

    Raises:
        TableError: unreadable file, undecodable text, a stray quote (naming its line), no
            header, or duplicate headers.
    """
    return read_sheet(path).rows


def read_sheet(path: Path) -> Table:
    """Like :func:`read_table`, with each header's column letter and the cells' number formats.

    Raises:
        TableError: as :func:`read_table`.
    """
    formats: dict[tuple[int, int], str] = {}
    if path.suffix.lower() == ".xlsx":
        rows = _xlsx_rows(path, formats)
    else:
        rows = _csv_rows(path) if path.stat().st_size else []
    if not rows or not any(str(c or "").strip() for c in rows[0]):
        raise TableError(f"{path}: {say('table.no_header')}")
    header = [str(c or "").strip() for c in rows[0]]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise TableError(f"{path}: {say('table.header_twice', names=', '.join(dupes))}")
    table = Table(rows=[], columns={h: _column_letter(i) for i, h in enumerate(header) if h})
    for number, cells in enumerate(rows[1:], start=2):
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        table.rows.append(Row(number, {h: v for h, v in zip(header, cells, strict=False)
                                       if h and v not in (None, "")}))
    table.formats = {(r, header[c]): f for (r, c), f in formats.items() if c < len(header) and header[c]}
    return table


def known_columns(headers: list[str], columns: Mapping[str, str]) -> list[str]:
    """The headers of a sheet that name a request field (with *columns*, the configured ones)."""
    if columns:
        wanted = set(columns.values())
        return [h for h in headers if h in wanted]
    return [h for h in headers if field_of_header(h) is not None]


def row_to_request_data(row: Mapping[str, Any], columns: Mapping[str, str], separator: str, *,
                        table: Table | None = None, number: int | None = None
                        ) -> tuple[dict[str, Any], list[CellNote]]:
    """Turn one row into the nested data a :class:`PublicationRequest` is validated from.

    Args:
        row: header -> cell value.
        columns: request field (dotted) -> header; empty means the headers are the field names
            or their Thai headers (:data:`TABLE_HEADERS`); an unknown header is kept as is, so
            validation names it.
        separator: what separates items of a list inside one cell.
        table: the sheet the row is from, to name a cell in a note.
        number: the row's number in that sheet.

    Returns:
        The data, and a note for each cell read other than as typed (a number in a text field).

    Raises:
        TableError: a configured column is missing from the sheet.
    """
    mapping = dict(columns) or {field_of_header(header) or header: header for header in row}
    missing = [header for header in mapping.values() if header not in row]
    if columns and len(missing) == len(mapping):
        raise TableError(say("table.no_configured_column", example=missing[0]))
    data: dict[str, Any] = {}
    notes: list[CellNote] = []
    for name, header in mapping.items():
        if header not in row:
            continue
        where = table.cell(number, header) if table is not None and number is not None else header
        shown = table.formats.get((number, header)) if table is not None and number is not None else None
        value = _cell(row[header], name, where, shown, notes)
        if name in LIST_FIELDS:
            items = [item.strip() for item in str(value).split(separator) if item.strip()]
            value = items if name == "channels" else [{"path": item} for item in items]
        node = data
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return data, notes


def _cell(value: Any, name: str, where: str, number_format: str | None, notes: list[CellNote]) -> Any:
    if isinstance(value, datetime) or isinstance(value, date):
        value = _from_be_year(value, where, name, notes)
    if isinstance(value, datetime):
        if name in DATE_FIELDS:
            return value.date()
        # Spreadsheets have no time zones; the office's clock is Bangkok's.
        return value.replace(tzinfo=OFFICE_TZ) if value.tzinfo is None else value
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if name in NUMBER_FIELDS:
            return int(value) if isinstance(value, float) and value.is_integer() else value
        text = _as_shown(value, number_format)
        if name not in LIST_FIELDS:
            notes.append(CellNote(name, say("table.number_cell", cell=where, text=text)))
        return text
    return value.strip() if isinstance(value, str) else value


def _from_be_year(value: date, where: str, name: str, notes: list[CellNote]) -> date:
    # "1/10/2569" typed in Excel outside a Thai locale is a date in the year 2569: it was meant
    # in the Buddhist Era (no request is dated five centuries ahead).
    if value.year not in BE_YEARS:
        return value
    notes.append(CellNote(name, say("table.be_date_cell", cell=where, year=value.year, ce_year=be_to_ce(value.year))))
    return value.replace(year=be_to_ce(value.year))


def _as_shown(value: int | float, number_format: str | None) -> str:
    # The text Excel shows for the number: "0.00" keeps two decimals; "General" the shortest.
    fmt = (number_format or "General").split(";")[0]
    decimals = re.fullmatch(r"[#0,]*0(?:\.(0+))?", fmt)
    if decimals:
        return f"{value:.{len(decimals[1] or '')}f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _csv_rows(path: Path) -> list[list[str]]:
    # Python's csv reader takes a stray quote in stride: an opening quote that is never closed
    # makes the rest of the file one cell (or an error only at the end of the file), and one
    # closed rows later swallows those rows into a cell. Both lose requests without a word, so
    # they are refused here, naming the line the quote is on.
    reader = csv.reader(io.StringIO(_decode(path)), strict=True)
    rows: list[list[str]] = []
    start = 1
    try:
        for cells in reader:
            if rows:
                _check_swallowed_rows(path, cells, len(rows[0]), start, reader.line_num)
            rows.append(cells)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TableError(_csv_error(path, exc, start, reader.line_num)) from None
    return rows


def _csv_error(path: Path, exc: csv.Error, start: int, line: int) -> str:
    reason = str(exc)
    if "unexpected end of data" in reason:
        return (f"{path}: line {start}: a quote (\") opens a cell that is never closed, so the rest of "
                f"the file (to line {line}) would be one cell; remove the stray quote, or close it")
    if "expected after" in reason:
        return (f"{path}: line {line}: text follows the closing quote of a cell (a stray \"?); inside a "
                f"quoted cell write a quote as two (\"\")")
    return f"{path}: line {line}: not valid CSV ({reason}); save it again as CSV UTF-8"


def _check_swallowed_rows(path: Path, cells: list[str], columns: int, start: int, end: int) -> None:
    # A cell may hold several lines (Excel quotes it); one whose later lines look like whole
    # rows -- as many separators as the header has -- is rows a stray quote swallowed.
    if columns < 2 or end == start:
        return
    for cell in cells:
        if any(line.count(",") >= columns - 1 for line in cell.splitlines()[1:]):
            raise TableError(
                f"{path}: line {start}: a quoted cell runs to line {end} and holds what look like whole "
                f"rows, so a stray quote (\") on line {start} probably swallowed them; remove it, or "
                f"write a quote inside a quoted cell as two (\"\")")


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # cp874 is Windows' superset of TIS-620, what Thai Excel saves "CSV" as.
        return raw.decode("cp874")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise TableError(f"{path}: {say('table.encoding', line=line)}") from None


def _xlsx_rows(path: Path, formats: dict[tuple[int, int], str]) -> list[list[Any]]:
    from openpyxl import (
        load_workbook,  # imported here: only spreadsheet intake needs it
    )

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many unrelated types for a bad file
        raise TableError(f"{path}: {say('table.not_xlsx', error=type(exc).__name__)}") from None
    try:
        rows: list[list[Any]] = []
        for number, cells in enumerate(book.worksheets[0].iter_rows(), start=1):
            values = []
            for column, cell in enumerate(cells):
                value = getattr(cell, "value", None)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    formats[(number, column)] = str(getattr(cell, "number_format", "General"))
                values.append(value)
            rows.append(values)
        return rows
    finally:
        book.close()


# --- the template a clerk fills in ---------------------------------------------------------------

#: The columns ``cms-bridge template`` writes, in the form's order (decisions are left out: the
#: committee records them with ``cms-bridge decide``).
TEMPLATE_FIELDS: tuple[str, ...] = (
    "request_id", "document_number", "request_date", "requester.name", "requester.position", "group",
    "title", "purpose", "kind", "channels", "window.kind", "window.fiscal_year", "window.start",
    "window.end", "file_count", "page_count", "attachments", "body", "source", "images",
    "endorsement.name", "endorsement.position", "endorsement.date",
)
#: Columns with a drop-down list, and the sheet column of the list on the choices sheet.
_CHOICE_FIELDS = ("group", "kind", "window.kind", "channels")
CHOICES_SHEET = "ตัวเลือก"


def template_rows(mappings: Mappings, separator: str = ";", today: date | None = None) -> list[list[Any]]:
    """The template's header and its example row (a made-up person), as cells.

    Args:
        mappings: groups and kinds (the example names the first of each).
        separator: what separates the items of a list cell (``[intake] list_separator``).
        today: the example's date (default: today in Bangkok).
    """
    from cms_bridge.channels import CHANNEL_LABELS
    from cms_bridge.thaidate import fiscal_year_of, format_thai_date
    from cms_bridge.windows import WINDOW_KIND_LABELS

    day = today or datetime.now(OFFICE_TZ).date()
    group = next(iter(mappings.groups.values()))
    kind = next(iter(mappings.kinds.values()))
    example: dict[str, Any] = {
        "request_id": f"{EXAMPLE_ID_PREFIX}{fiscal_year_of(day)}-0001",
        "document_number": "ศธ 0000/123",
        "request_date": format_thai_date(day, month="abbr"),
        "requester.name": "นางสาวสมใจ ตัวอย่าง",
        "requester.position": "นักวิชาการศึกษา",
        "group": group.name,
        "title": "ประกาศรับสมัครตัวอย่าง (แถวตัวอย่าง แทนที่ด้วยคำขอจริง)",
        "purpose": "เพื่อประชาสัมพันธ์ให้ผู้สนใจทราบ",
        "kind": kind.name,
        "channels": f"{CHANNEL_LABELS['website']}{separator} {CHANNEL_LABELS['social']}",
        "window.kind": WINDOW_KIND_LABELS["fiscal_year"],
        "window.fiscal_year": fiscal_year_of(day),
        "file_count": 1,
        "page_count": 2,
        "attachments": "ประกาศ.pdf",
        "body": "รายละเอียดโดยย่อของประกาศ",
        "source": group.name,
        "endorsement.name": "นายสมมุติ ตัวอย่าง",
        "endorsement.position": "ผู้อำนวยการกลุ่ม",
        "endorsement.date": format_thai_date(day, month="abbr"),
    }
    return [[TABLE_HEADERS[name] for name in TEMPLATE_FIELDS], [example.get(name) for name in TEMPLATE_FIELDS]]


def write_template(path: Path, mappings: Mappings, *, separator: str = ";", today: date | None = None) -> Path:
    """Write the request template a clerk fills in: an XLSX (``.xlsx``) or a CSV (any other name).

    The XLSX has the form's Thai labels as headers, drop-down lists for group, kind, window and
    channels (from the mappings, on a hidden sheet), text columns formatted as Text (so Excel
    keeps ``1.10`` as typed), and a filled example row; the CSV has the header and the example
    row, UTF-8 with a byte-order mark (what Excel opens as Thai). Reading the filled-in file
    back with ``validate`` or the inbox gives the requests.

    Args:
        path: the file to write.
        mappings: groups and kinds for the drop-downs.
        separator: what separates the items of a list cell.
        today: the example row's date (default: today).

    Returns:
        *path*.

    Raises:
        OSError: the file cannot be written.
    """
    rows = template_rows(mappings, separator, today)
    if path.suffix.lower() != ".xlsx":
        out = io.StringIO()
        csv.writer(out).writerows([[("" if c is None else c) for c in row] for row in rows])
        path.write_text(out.getvalue(), encoding="utf-8-sig")
        return path
    _write_xlsx_template(path, rows, mappings, separator)
    return path


def _write_xlsx_template(path: Path, rows: list[list[Any]], mappings: Mappings, separator: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from cms_bridge.channels import CHANNEL_LABELS
    from cms_bridge.windows import WINDOW_KIND_LABELS

    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook starts with one worksheet
    sheet.title = "คำขอ"
    for row in rows:
        sheet.append(row)
    last_row = 500  # the rows the drop-downs and the Text format cover
    for index, name in enumerate(TEMPLATE_FIELDS, start=1):
        letter = _column_letter(index - 1)
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="DDEBF7")
        head.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = 40 if name in ("title", "purpose", "body", "kind", "group") else 18
        if name not in NUMBER_FIELDS:
            # Text, so Excel keeps what is typed (1.10, 0123, 1/10/2569) instead of a number.
            for number in range(2, last_row + 1):
                sheet.cell(row=number, column=index).number_format = "@"
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
    sheet.freeze_panes = "B2"
    choices = book.create_sheet(CHOICES_SHEET)
    lists = {
        "group": [g.name for g in mappings.groups.values()],
        "kind": [k.name for k in mappings.kinds.values()],
        "window.kind": list(WINDOW_KIND_LABELS.values()),
        "channels": list(CHANNEL_LABELS.values()),
    }
    for column, name in enumerate(_CHOICE_FIELDS, start=1):
        choices.cell(row=1, column=column, value=TABLE_HEADERS[name]).font = Font(bold=True)
        for number, value in enumerate(lists[name], start=2):
            choices.cell(row=number, column=column, value=value)
        letter = _column_letter(column - 1)
        source = f"'{CHOICES_SHEET}'!${letter}$2:${letter}${len(lists[name]) + 1}"
        target = _column_letter(TEMPLATE_FIELDS.index(name))
        check = DataValidation(type="list", formula1=f"={source}", allow_blank=True)
        check.promptTitle = TABLE_HEADERS[name][:32]
        if name == "channels":
            # Several channels go in one cell, separated: the list suggests, it does not refuse.
            check.errorStyle = "information"
            check.prompt = f"เลือก หรือพิมพ์หลายช่องทางคั่นด้วย {separator}"
        else:
            check.errorStyle = "stop"
            check.error = "เลือกจากรายการ"
            check.prompt = "เลือกจากรายการ"
        check.add(f"{target}2:{target}{last_row}")
        sheet.add_data_validation(check)
    choices.sheet_state = "hidden"
    book.save(path)
