"""Intake that meets the office: Thai headers and words, Excel's numbers, every problem at once,
spreadsheets in the inbox folder, and requests held back listed with their reasons."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cms_bridge.config import IntakeConfig
from cms_bridge.intake.inbox import IntakeReport, load_requests
from cms_bridge.intake.tables import TABLE_HEADERS
from cms_bridge.mappings import load_mappings
from cms_bridge.samples import text_pdf

MAPPINGS = load_mappings()
#: A made-up number with a valid check digit (see tests/unit/test_idguard.py).
MADE_UP_ID = "1-1017-00203-45-0"

THAI_ROW = {
    "request_id": "2570-th-001", "document_number": "ศธ 04241/77", "request_date": "๒ พฤศจิกายน ๒๕๖๙",
    "requester.name": "นางสาวทดลอง ใจดี", "requester.position": "นักวิชาการศึกษา",
    "group": "กลุ่มบริหารงานบุคคล", "title": "ประกาศรายชื่อผู้ผ่านการคัดเลือก", "purpose": "เพื่อทราบ",
    "kind": "1.17", "channels": "เว็บไซต์; บอร์ด/ป้ายประชาสัมพันธ์", "window.kind": "ตลอดปีงบประมาณ",
    "window.fiscal_year": "๒๕๗๐", "attachments": "a.pdf", "file_count": "๑",
}


def load(*paths: Path, **settings: object) -> IntakeReport:
    return load_requests(paths, mappings=MAPPINGS, settings=IntakeConfig(**settings))  # type: ignore[arg-type]


def write_csv(path: Path, rows: list[dict[str, str]], *, thai: bool = True) -> Path:
    fields = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([TABLE_HEADERS[f] if thai else f for f in fields])
    for row in rows:
        writer.writerow([row.get(f, "") for f in fields])
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a.pdf").write_bytes(text_pdf(["Announcement"]))
    return tmp_path


# --- Thai headers and Thai words --------------------------------------------------------------

@pytest.mark.parametrize("thai", [True, False], ids=["thai-headers", "english-headers"])
def test_a_sheet_with_the_forms_thai_headers_and_words_loads(folder: Path, thai: bool) -> None:
    report = load(write_csv(folder / "requests.csv", [THAI_ROW], thai=thai))
    assert report.ok and not report.problems, [str(p) for p in report.problems]
    request = report.requests[0].request
    assert (request.group, request.kind, request.file_count) == ("personnel", "other", 1)
    assert request.channels == {"website", "board"}
    assert request.window.kind == "fiscal_year" and request.window.fiscal_year == 2570
    assert request.request_date.isoformat() == "2026-11-02"


@pytest.mark.parametrize(("window", "expected"), [
    ({"window.kind": "ถาวร"}, ("permanent", None)),
    ({"window.kind": "ตลอดปีงบประมาณ ๒๕๗๐"}, ("fiscal_year", 2570)),
    ({"window.kind": "ช่วงวันที่", "window.start": "๑ ธ.ค. ๒๕๖๙", "window.end": "31/12/2569"}, ("range", None)),
    ({"window.kind": "range", "window.start": "2026-12-01", "window.end": "2026-12-31"}, ("range", None)),
])
def test_every_window_kind_in_the_forms_words_or_english(folder: Path, window: dict[str, str],
                                                         expected: tuple[str, int | None]) -> None:
    row = {k: v for k, v in THAI_ROW.items() if not k.startswith("window.")} | window
    report = load(write_csv(folder / "requests.csv", [row]))
    assert report.ok, [str(p) for p in report.problems]
    got = report.requests[0].request.window
    assert (got.kind, getattr(got, "fiscal_year", None)) == expected
    if got.kind == "range":
        assert (got.start.isoformat(), got.end.isoformat()) == ("2026-12-01", "2026-12-31")


def test_an_unknown_window_kind_lists_the_forms_words(folder: Path) -> None:
    row = {k: v for k, v in THAI_ROW.items() if k != "window.fiscal_year"} | {"window.kind": "ชั่วคราว"}
    [problem] = load(write_csv(folder / "requests.csv", [row])).problems
    assert problem.field == "window" and problem.row == 2
    assert "ถาวร (permanent), ตลอดปีงบประมาณ (fiscal_year), ช่วงวันที่ (range)" in problem.message


@pytest.mark.parametrize(("word", "status"), [("อนุญาต", "approved"), ("ไม่อนุญาต", "rejected"),
                                              ("approved", "approved")])
def test_a_toml_request_in_the_forms_words(folder: Path, word: str, status: str) -> None:
    (folder / "request.toml").write_text(f'''
request_id = "2570-th-002"
request_date = "๒ พ.ย. ๒๕๖๙"
group = "ict"
kind = "1.17"
title = "ประกาศ"
purpose = "เพื่อทราบ"
channels = ["เว็บไซต์"]
window = "ตลอดปีงบประมาณ ๒๕๗๐"
page_count = "๓"
attachments = [{{ path = "a.pdf" }}]
requester = {{ name = "นายทดลอง สมมุติ", position = "ครู" }}
decision = {{ status = "{word}", by = "นายสมมุติ ใจกว้าง", at = 2026-11-03T09:00:00+07:00 }}
''', encoding="utf-8")
    report = load(folder / "request.toml")
    assert report.ok, [str(p) for p in report.problems]
    request = report.requests[0].request
    assert request.decision.status == status and request.window.fiscal_year == 2570 and request.page_count == 3


def test_a_cell_left_from_another_kind_of_window_is_explained(folder: Path) -> None:
    row = THAI_ROW | {"window.kind": "ถาวร"}  # ปีงบประมาณ still filled in
    [problem] = load(write_csv(folder / "requests.csv", [row])).problems
    assert (problem.row, problem.field) == (2, "window.fiscal_year")
    assert problem.message == ("not used by a ถาวร (permanent) window; leave it empty, or choose the kind of "
                               "window that uses it")


# --- Excel turned text into numbers -----------------------------------------------------------

@pytest.mark.parametrize(("number_format", "text"), [("0.00", "1.10"), ("General", "1.1")])
def test_a_number_in_a_text_field_is_read_as_shown_and_its_cell_named(folder: Path, number_format: str,
                                                                      text: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    fields = list(THAI_ROW)
    sheet.append([TABLE_HEADERS[f] for f in fields])
    sheet.append([1.1 if f == "document_number" else THAI_ROW[f] for f in fields])
    sheet.cell(row=2, column=fields.index("document_number") + 1).number_format = number_format
    book.save(folder / "requests.xlsx")
    report = load(folder / "requests.xlsx")
    assert report.ok
    assert report.requests[0].request.document_number == text
    [warning] = report.problems
    assert (warning.severity, warning.row, warning.field) == ("warning", 2, "document_number")
    assert f"cell B2 holds the number {text}" in warning.message and "format the column as Text" in warning.message


def test_an_excel_date_in_a_buddhist_era_year_is_that_date(folder: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    fields = list(THAI_ROW)
    sheet.append([TABLE_HEADERS[f] for f in fields])
    sheet.append([datetime(2569, 11, 2) if f == "request_date" else THAI_ROW[f] for f in fields])
    book.save(folder / "requests.xlsx")
    report = load(folder / "requests.xlsx")
    assert report.requests[0].request.request_date.isoformat() == "2026-11-02"
    assert "cell C2 is a date in the year 2569" in report.problems[0].message


# --- every problem of a file in one run -------------------------------------------------------

def test_field_errors_do_not_hide_attachment_errors(folder: Path) -> None:
    (folder / "id.pdf").write_bytes(text_pdf(["Candidates", f"Citizen ID {MADE_UP_ID}"]))
    bad = THAI_ROW | {"request_id": "2570-th-003", "title": "", "attachments": "missing.pdf; id.pdf",
                      "file_count": "2"}
    worse = THAI_ROW | {"request_id": "2570-th-004", "group": "กลุ่มที่ไม่มี", "attachments": "a.pdf; notes.exe",
                        "file_count": "2"}
    (folder / "notes.exe").write_bytes(b"MZ\x90\x00 not a document")
    path = write_csv(folder / "requests.csv", [bad, worse])
    report = load(path)
    found = {(p.row, p.field) for p in report.problems if p.severity == "error"}
    assert found == {(2, "title"), (2, "attachments.0"), (2, "id_number_acknowledgement"),
                     (3, "group"), (3, "attachments.1")}
    assert all(p.file == str(path) for p in report.problems)
    assert "1101700203450" not in " ".join(str(p) for p in report.problems)
    assert [(h.request_id, h.held, h.origin.row) for h in report.held] == [
        ("2570-th-003", "blocked", 2), ("2570-th-004", "invalid", 3)]


def test_a_request_blocked_for_an_id_number_is_held_with_the_reason(folder: Path) -> None:
    (folder / "id.pdf").write_bytes(text_pdf([f"Citizen ID {MADE_UP_ID}"]))
    report = load(write_csv(folder / "requests.csv", [THAI_ROW | {"attachments": "id.pdf"}]))
    [held] = report.held
    assert (held.request_id, held.held, held.title) == ("2570-th-001", "blocked", THAI_ROW["title"])
    assert held.reasons[0].startswith("id_number_acknowledgement (รับทราบว่ามีเลขประจำตัวประชาชน): ")
    assert "id.pdf" in held.reasons[0] and "1101700203450" not in held.reasons[0]


# --- a folder inbox reads spreadsheets too ----------------------------------------------------

def test_a_folder_inbox_reads_csv_and_xlsx_but_not_a_spreadsheet_attachment(folder: Path) -> None:
    from openpyxl import Workbook

    inbox = folder / "inbox"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(text_pdf(["Announcement"]))
    write_csv(inbox / "from-form.csv", [THAI_ROW])
    book = Workbook()
    book.active.append([TABLE_HEADERS[f] for f in THAI_ROW])
    book.active.append([THAI_ROW[f] if f != "request_id" else "2570-th-010" for f in THAI_ROW])
    book.save(inbox / "typed.xlsx")
    # A request whose attachment is a spreadsheet: that file is its attachment, not requests.
    (inbox / "budget").mkdir()
    sheet = Workbook()
    sheet.active.append(["รายการ", "จำนวนเงิน"])
    sheet.save(inbox / "budget" / "budget.xlsx")
    (inbox / "budget" / "request.toml").write_text('''
request_id = "2570-th-011"
request_date = "2026-11-02"
group = "finance"
kind = "1.9"
title = "งบประมาณ"
purpose = "เพื่อทราบ"
channels = ["website"]
window = "ถาวร"
attachments = [{ path = "budget.xlsx" }]
requester = { name = "นายทดลอง สมมุติ", position = "ครู" }
''', encoding="utf-8")
    # A spreadsheet that is nobody's attachment and has no request column: said, not read.
    sheet.save(inbox / "stray.xlsx")
    # Excel's lock file of an open workbook is no request at all.
    (inbox / "~$typed.xlsx").write_bytes(b"lock")
    report = load(inbox)
    assert sorted(r.request.request_id for r in report.requests) == ["2570-th-001", "2570-th-010", "2570-th-011"]
    [warning] = report.problems
    assert warning.file == str(inbox / "stray.xlsx") and warning.severity == "warning"
    assert "none of the request columns" in warning.message


def test_the_validate_command_reports_all_problems_of_a_folder(folder: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from cms_bridge.cli import main

    write_csv(folder / "requests.csv", [THAI_ROW | {"title": "", "attachments": "missing.pdf"}])
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{folder / 'requests.csv'}, row 2: title (เรื่อง): error: required, but missing" in out
    assert any(line.startswith(f"{folder / 'requests.csv'}, row 2: attachments.0") for line in out)
