"""Requests from a spreadsheet: a CSV or XLSX export of an online form, one request per row.

CSV files come from Excel and Google Forms in UTF-8 (with or without a byte-order mark) or, on
older Thai Windows machines, in TIS-620/cp874; both are read. Column headers are mapped to
request fields by ``[intake.columns]`` in the config.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cms_bridge.errors import TableError
from cms_bridge.thaidate import OFFICE_TZ

#: Fields whose cell holds a list, split on the configured separator.
LIST_FIELDS = ("channels", "attachments", "images")


def read_table(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of a CSV or the first sheet of an XLSX, as (row number, header -> value).

    Row numbers are as a spreadsheet shows them (the header is row 1). Empty rows are skipped.

    Raises:
        TableError: unreadable file, undecodable text, a stray quote (naming its line), no
            header, or duplicate headers.
    """
    if path.suffix.lower() == ".xlsx":
        rows = _xlsx_rows(path)
    else:
        rows = _csv_rows(path) if path.stat().st_size else []
    if not rows or not any(str(c or "").strip() for c in rows[0]):
        raise TableError(f"{path}: no header row")
    header = [str(c or "").strip() for c in rows[0]]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise TableError(f"{path}: the header names a column twice: {', '.join(dupes)}")
    result = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        result.append((number, {h: v for h, v in zip(header, cells, strict=False) if h and v not in (None, "")}))
    return result


def row_to_request_data(row: Mapping[str, Any], columns: Mapping[str, str], separator: str) -> dict[str, Any]:
    """Turn one row into the nested data a :class:`PublicationRequest` is validated from.

    Args:
        row: header -> cell value.
        columns: request field (dotted) -> header; empty means the headers are the field names.
        separator: what separates items of a list inside one cell.

    Raises:
        TableError: a configured column is missing from the sheet.
    """
    mapping = dict(columns) or {header: header for header in row}
    missing = [header for header in mapping.values() if header not in row]
    if columns and len(missing) == len(mapping):
        raise TableError(f"none of the configured columns is in this sheet (expected e.g. {missing[0]!r})")
    data: dict[str, Any] = {}
    for field, header in mapping.items():
        if header not in row:
            continue
        value = _cell(row[header])
        if field in LIST_FIELDS:
            items = [item.strip() for item in str(value).split(separator) if item.strip()]
            value = items if field == "channels" else [{"path": item} for item in items]
        node = data
        *parents, leaf = field.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return data


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        # Spreadsheets have no time zones; the office's clock is Bangkok's.
        return value.replace(tzinfo=OFFICE_TZ) if value.tzinfo is None else value
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.strip() if isinstance(value, str) else value


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
        raise TableError(f"{path}: neither UTF-8 nor TIS-620/cp874 (line {line}); save it as CSV UTF-8") from None


def _xlsx_rows(path: Path) -> list[list[Any]]:
    from openpyxl import (
        load_workbook,  # imported here: only spreadsheet intake needs it
    )

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many unrelated types for a bad file
        raise TableError(f"{path}: cannot be read as an XLSX workbook ({type(exc).__name__})") from None
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
