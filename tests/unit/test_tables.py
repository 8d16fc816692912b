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
