"""Requests from CSV and XLSX exports: encodings, column mapping, row numbers in problems."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

from cms_bridge.config import IntakeConfig
from cms_bridge.intake.inbox import load_requests
from cms_bridge.mappings import load_mappings
from cms_bridge.samples import text_pdf

HEADERS = ["รหัสคำขอ", "วันที่", "ชื่อผู้ขอ", "ตำแหน่ง", "กลุ่ม", "ประเภท", "เรื่อง", "เพื่อ", "ช่องทาง",
           "ระยะเวลา", "ปีงบประมาณ", "ไฟล์แนบ"]
COLUMNS = {"request_id": "รหัสคำขอ", "request_date": "วันที่", "requester.name": "ชื่อผู้ขอ",
           "requester.position": "ตำแหน่ง", "group": "กลุ่ม", "kind": "ประเภท", "title": "เรื่อง",
           "purpose": "เพื่อ", "channels": "ช่องทาง", "window.kind": "ระยะเวลา",
           "window.fiscal_year": "ปีงบประมาณ", "attachments": "ไฟล์แนบ"}
ROW = ["2570-csv-001", "๑ พ.ย. ๒๕๖๙", "นางสาวแบบฟอร์ม ออนไลน์", "ครู", "กลุ่มบริหารงานบุคคล", "1.17",
       "ประกาศรายชื่อ", "แจ้งให้ทราบ", "เว็บไซต์; สื่อสังคมออนไลน์", "fiscal_year", "2570", "a.pdf; b.pdf"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(text_pdf(["x"]))
    return tmp_path


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def load(path: Path):
    return load_requests([path], mappings=load_mappings(), settings=IntakeConfig(columns=COLUMNS))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_csv_in_each_encoding_gives_the_same_request(folder: Path, encoding: str) -> None:
    path = folder / "export.csv"
    path.write_bytes(csv_bytes([HEADERS, ROW], encoding))
    report = load(path)
    assert report.ok, [str(p) for p in report.problems]
    request = report.requests[0].request
    assert request.requester.name == "นางสาวแบบฟอร์ม ออนไลน์"
    assert request.group == "personnel" and request.channels == {"website", "social"}
    assert [a.path for a in request.attachments] == ["a.pdf", "b.pdf"]
    assert request.window.kind == "fiscal_year" and request.window.fiscal_year == 2570


def test_problems_name_the_spreadsheet_row(folder: Path) -> None:
    bad = list(ROW)
    bad[0], bad[6] = "2570-csv-002", ""  # no title
    path = folder / "export.csv"
    path.write_bytes(csv_bytes([HEADERS, ROW, [""] * len(HEADERS), bad], "utf-8"))
    report = load(path)
    [problem] = report.problems
    assert problem.row == 4 and problem.field == "title" and "row 4: title (เรื่อง)" in str(problem)


def test_xlsx_with_numbers_and_dates_as_cells(folder: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    row = list(ROW)
    row[1] = datetime(2026, 11, 1)  # Excel keeps dates as dates
    row[10] = 2570                  # and numbers as numbers
    sheet.append(row)
    path = folder / "export.xlsx"
    book.save(path)
    report = load(path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.requests[0].request.request_date.isoformat() == "2026-11-01"


def test_undecodable_csv_and_missing_columns_are_clear(folder: Path) -> None:
    path = folder / "export.csv"
    path.write_bytes(b"\x81\x82\x83,\xff\n")
    assert "neither UTF-8 nor TIS-620" in str(load(path).problems[0])
    path.write_bytes(csv_bytes([["other", "columns"], ["1", "2"]], "utf-8"))
    assert "none of the configured columns" in str(load(path).problems[0])


# --- a stray quote: the csv module would swallow rows without a word --------------------------

def _csv_text(*rows: list[str]) -> str:
    return "".join(",".join(row) + "\n" for row in rows)


def test_a_quote_never_closed_names_its_line(folder: Path) -> None:
    path = folder / "export.csv"
    bad = list(ROW)
    bad[0] = "2570-csv-002"
    bad[6] = '"ประกาศรายชื่อ'  # opens a quoted cell that nothing closes
    path.write_text(_csv_text(HEADERS, ROW, bad, ROW), encoding="utf-8")
    report = load(path)
    [problem] = report.problems
    assert str(problem) == (
        f"{path}: error: line 3: a quote (\") opens a cell that is never closed, so the rest of the file "
        "(to line 4) would be one cell; remove the stray quote, or close it")
    assert report.requests == []


def test_a_stray_quote_that_swallows_rows_is_refused(folder: Path) -> None:
    path = folder / "export.csv"
    opening, closing = list(ROW), list(ROW)
    opening[0], opening[6] = "2570-csv-002", '"ประกาศรายชื่อ'
    closing[0], closing[7] = "2570-csv-004", 'แจ้งให้ทราบ"'  # a second stray quote closes it
    path.write_text(_csv_text(HEADERS, ROW, opening, ROW, closing), encoding="utf-8")
    [problem] = load(path).problems
    assert problem.message.startswith("line 3: a quoted cell runs to line 5 and holds what look like whole rows")


def test_text_after_a_closing_quote_names_its_line(folder: Path) -> None:
    path = folder / "export.csv"
    bad = list(ROW)
    bad[6] = '"ประกาศ"รายชื่อ'
    path.write_text(_csv_text(HEADERS, bad), encoding="utf-8")
    [problem] = load(path).problems
    assert problem.message.startswith("line 2: text follows the closing quote of a cell")


def test_a_cell_of_several_lines_is_still_read(tmp_path: Path) -> None:
    from cms_bridge.intake.tables import read_table

    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes([["id", "body", "note"], ["1", "บรรทัดแรก\nบรรทัดที่สอง, และต่อ", "x"],
                                ["2", 'มี "คำพูด" ในช่อง', "y"]], "utf-8"))
    assert read_table(path) == [(2, {"id": "1", "body": "บรรทัดแรก\nบรรทัดที่สอง, และต่อ", "note": "x"}),
                                (3, {"id": "2", "body": 'มี "คำพูด" ในช่อง', "note": "y"})]


def test_validate_with_a_stray_quote_exits_1_without_a_traceback(folder: Path, capsys) -> None:
    from cms_bridge.cli import main

    config = folder / "cms-bridge.toml"
    config.write_text('[site]\nurl = "https://example.invalid"\nusername = "u"\n[intake.columns]\n'
                      + "".join(f'"{k}" = "{v}"\n' for k, v in COLUMNS.items()), encoding="utf-8")
    path = folder / "export.csv"
    bad = list(ROW)
    bad[6] = '"ประกาศรายชื่อ'
    path.write_text(_csv_text(HEADERS, bad), encoding="utf-8")
    assert main(["--config", str(config), "validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert captured.out.splitlines() == [
        f"{path}: error: line 2: a quote (\") opens a cell that is never closed, so the rest of the file "
        "(to line 2) would be one cell; remove the stray quote, or close it",
        "0 valid request(s), 1 error(s), 0 warning(s)"]
