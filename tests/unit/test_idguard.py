"""National ID guard: checksum, written forms, PDF/DOCX/XLSX/text extraction, blocking, masking.

Valid numbers are made here from made-up 12-digit prefixes with the checksum rule of the brief
(digit 13 = (11 - sum of d_i * (14 - i), i = 1..12, mod 11) mod 10); no real person's number is used.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfWriter

from cms_bridge.intake.attachments import AttachmentError
from cms_bridge.intake.idguard import (
    ScanResult,
    is_valid_id_number,
    scan_file,
    scan_request,
    scan_text,
)
from cms_bridge.intake.request import PublicationRequest

THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def check_digit(prefix: str) -> int:
    return (11 - sum(int(d) * (14 - i) for i, d in enumerate(prefix, start=1)) % 11) % 10


def valid_id(prefix: str) -> str:
    assert len(prefix) == 12
    return prefix + str(check_digit(prefix))


def grouped(number: str, sep: str = "-") -> str:
    return sep.join((number[0], number[1:5], number[5:10], number[10:12], number[12]))


def masked(number: str) -> str:
    return f"{number[0]}-{number[1:5]}-xxxxx-xx-{number[12]}"


ID_A = valid_id("110170020345")
ID_B = valid_id("310990012876")
ID_C = valid_id("571020004419")


# --- fixture documents ---------------------------------------------------------------------


def text_pdf(pages: list[str]) -> bytes:
    """A PDF whose pages show *pages* (ASCII) in Helvetica, written by hand so pypdf extracts it."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for i, text in enumerate(pages):
        stream = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii")
        objects[4 + 2 * i] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects[5 + 2 * i] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def docx(paragraphs: list[list[str]]) -> bytes:
    """A DOCX whose paragraphs are made of the given runs (Word splits text into runs freely)."""
    body = "".join(
        "<w:p>" + "".join(f'<w:r><w:t xml:space="preserve">{escape(r)}</w:t></w:r>' for r in runs) + "</w:p>"
        for runs in paragraphs
    )
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return _zip({"word/document.xml": f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>'})


def xlsx(sheets: dict[str, list[str]], shared: list[str]) -> bytes:
    """An XLSX; each sheet is a list of <c> cell elements written out by the test."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "xl/workbook.xml": f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
        + "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, 1))
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}">'
        + "".join(f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml"/>' for i, _ in enumerate(sheets, 1))
        + "</Relationships>",
        "xl/sharedStrings.xml": f'<sst xmlns="{ns}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
        + "</sst>",
    }
    for i, cells in enumerate(sheets.values(), 1):
        row = f'<row r="1">{"".join(cells)}</row>'
        parts[f"xl/worksheets/sheet{i}.xml"] = f'<worksheet xmlns="{ns}"><sheetData>{row}</sheetData></worksheet>'
    return _zip(parts)


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)
    return out.getvalue()


def ids(findings: list[Any]) -> list[tuple[Any, str | None]]:
    return [(f.page, f.masked) for f in findings if f.kind == "id_number"]


# --- the number itself ---------------------------------------------------------------------


def test_the_test_numbers_are_valid_and_one_wrong_digit_is_not() -> None:
    assert all(is_valid_id_number(n) for n in (ID_A, ID_B, ID_C))
    for wrong in set("0123456789") - {ID_A[12]}:
        assert not is_valid_id_number(ID_A[:12] + wrong)


@pytest.mark.parametrize(
    "written",
    [ID_A, grouped(ID_A), grouped(ID_A, " "), " ".join(ID_A), grouped(ID_A, " - "), ID_A.translate(THAI),
     grouped(ID_A).translate(THAI), f"เลขประจำตัวประชาชน{ID_A}ที่อยู่"],
)  # fmt: skip
def test_an_id_number_is_found_however_it_is_written(written: str) -> None:
    findings = scan_text(f"ผู้สมัคร: {written} ", "body")
    assert ids(findings) == [(None, masked(ID_A))]
    assert findings[0].source == "body" and findings[0].blocks


def test_invalid_checksum_is_not_flagged() -> None:
    wrong = ID_A[:12] + str((int(ID_A[12]) + 1) % 10)
    assert ids(scan_text(f"{wrong} {grouped(wrong)}", "body")) == []


@pytest.mark.parametrize("longer", [ID_A + "7", "7" + ID_A, grouped(ID_A) + "-7", "7-" + grouped(ID_A)])
def test_a_valid_13_digit_run_inside_a_longer_number_is_not_flagged(longer: str) -> None:
    assert ids(scan_text(f"เลขบัญชี {longer}", "body")) == []


def test_a_valid_number_after_an_unrelated_digit_group_is_still_found() -> None:
    spaced = " ".join((ID_B[:4], ID_B[4:8], ID_B[8:12], ID_B[12]))
    assert ids(scan_text(f"ลำดับ 5 {spaced}", "body")) == [(None, masked(ID_B))]


@given(
    prefix=st.text(alphabet="0123456789", min_size=12, max_size=12),
    style=st.sampled_from(["plain", "dash", "space", "thai"]),
)
def test_any_valid_number_is_found_and_a_wrong_check_digit_never(prefix: str, style: str) -> None:
    number = valid_id(prefix)
    wrong = prefix + str((check_digit(prefix) + 3) % 10)

    def write(n: str) -> str:
        return {"plain": n, "dash": grouped(n), "space": grouped(n, " "), "thai": n.translate(THAI)}[style]

    assert ids(scan_text(f"ก {write(number)} ข", "f")) == [(None, masked(number))]
    assert ids(scan_text(f"ก {write(wrong)} ข", "f")) == []


def test_phones_and_emails_are_warnings_not_blocks() -> None:
    findings = scan_text("ติดต่อ 081-234-5678, 0912345678, 02-123-4567 หรือ somchai.t@example.go.th", "body")
    assert sorted(f.kind for f in findings) == ["email", "phone", "phone", "phone"]
    assert not any(f.blocks for f in findings)
    for finding in findings:
        digits_shown = re.sub(r"\D", "", finding.message)
        assert all(full not in digits_shown for full in ("0812345678", "0912345678", "021234567"))


# --- files ---------------------------------------------------------------------------------


def test_pdf_reports_the_page_the_number_is_on(tmp_path: Path) -> None:
    path = tmp_path / "list.pdf"
    path.write_bytes(text_pdf(["Candidates for the exam", f"1. Somchai  ID {grouped(ID_A)}", "End"]))
    findings = scan_file(path)
    assert ids(findings) == [(2, masked(ID_A))]
    assert "list.pdf" in findings[0].message and "page 2" in findings[0].message


def test_pdf_pages_without_text_are_reported_as_not_checked(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "scan.pdf"
    path.write_bytes(buffer.getvalue())
    [finding] = scan_file(path)
    # One warning per page without text, so a person knows which pages to read by eye.
    assert finding.kind == "not_scanned" and not finding.blocks and finding.page == 1
    assert "page 1" in finding.message and "no text layer" in finding.message


def test_docx_number_split_over_runs_is_found(tmp_path: Path) -> None:
    path = tmp_path / "รายชื่อ.docx"
    path.write_bytes(docx([["รายชื่อผู้เข้าอบรม"], ["นายสมมติ ทดสอบ ", ID_B[:6], ID_B[6:]]]))
    findings = scan_file(path, source="files/รายชื่อ.docx")
    assert ids(findings) == [(None, masked(ID_B))]
    assert findings[0].source == "files/รายชื่อ.docx"


def test_xlsx_numeric_scientific_shared_and_inline_cells_are_found_per_sheet(tmp_path: Path) -> None:
    scientific = f"{ID_C[0]}.{ID_C[1:]}E+12"
    path = tmp_path / "students.xlsx"
    path.write_bytes(
        xlsx(
            {
                "ม.1": ['<c r="A1" t="s"><v>0</v></c>', f'<c r="B1"><v>{ID_A}</v></c>'],
                "ม.2": ['<c r="A1" t="s"><v>1</v></c>', f'<c r="B1"><v>{scientific}</v></c>'],
                "ครู": [f'<c r="A1" t="inlineStr"><is><t>{grouped(ID_B)}</t></is></c>', '<c r="B1"><v>45</v></c>'],
            },
            shared=["ชื่อ", f"เลขประจำตัว {ID_B}"],
        )
    )
    findings = scan_file(path)
    assert "students.xlsx, sheet ม.1" in findings[0].message
    assert sorted(ids(findings)) == sorted(
        [("ม.1", masked(ID_A)), ("ม.2", masked(ID_B)), ("ม.2", masked(ID_C)), ("ครู", masked(ID_B))]
    )


def test_adjacent_numeric_cells_do_not_merge_into_a_number(tmp_path: Path) -> None:
    path = tmp_path / "scores.xlsx"
    cells = [f'<c r="A1"><v>{ID_A[:6]}</v></c>', f'<c r="B1"><v>{ID_A[6:]}</v></c>']
    path.write_bytes(xlsx({"คะแนน": cells}, shared=[]))
    assert ids(scan_file(path)) == []


def test_plain_text_in_cp874_is_read(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(f"ชื่อ,เลขประจำตัว\nนายสมมติ,{ID_C}\n".encode("cp874"))
    assert ids(scan_file(path)) == [(None, masked(ID_C))]


def test_archives_are_reported_as_not_checked(tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(_zip({"a.txt": ID_A}))
    [finding] = scan_file(path)
    assert finding.kind == "not_scanned" and "bundle.zip" in finding.message


def test_password_protected_pdf_cannot_be_checked(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="x", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "locked.pdf"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(AttachmentError, match="locked.pdf.*password"):
        scan_file(path)


# --- requests ------------------------------------------------------------------------------


def make_request(tmp_path: Path, **changes: Any) -> PublicationRequest:
    data: dict[str, Any] = {
        "request_id": "pr-2567-0007",
        "request_date": "2024-06-03",
        "requester": {"name": "นางทดสอบ ระบบ", "position": "เจ้าพนักงานธุรการ"},
        "group": "personnel",
        "title": "ประกาศรายชื่อผู้มีสิทธิ์เข้ารับการคัดเลือก",
        "purpose": "แจ้งผู้สมัคร",
        "kind": "other",
        "channels": ["website"],
        "window": {"kind": "range", "start": "2024-06-05", "end": "2024-06-30"},
        "attachments": [{"path": "files/list.pdf"}],
    }
    (tmp_path / "files").mkdir(exist_ok=True)
    (tmp_path / "files" / "list.pdf").write_bytes(text_pdf(["List", f"Applicant {ID_A}"]))
    return PublicationRequest.model_validate({**data, **changes})


def test_request_scan_covers_text_fields_and_attachments_and_blocks(tmp_path: Path) -> None:
    request = make_request(tmp_path, body=f"ผู้ประสานงาน เลขประจำตัว {grouped(ID_B)} โทร 089-123-4567")
    result = scan_request(request, tmp_path)
    assert sorted((f.source, f.page, f.masked) for f in result.id_numbers) == sorted(
        [("body", None, masked(ID_B)), ("files/list.pdf", 2, masked(ID_A))]
    )
    assert [f.kind for f in result.warnings] == ["phone"]
    assert result.blocks(request)


def test_acknowledgement_lifts_the_block_but_keeps_the_findings(tmp_path: Path) -> None:
    ack = {"by": "นายผู้ตรวจ สมมติ", "reason": "ประกาศตามระเบียบการสอบ ต้องระบุเลขประจำตัว"}
    request = make_request(tmp_path, id_number_acknowledgement=ack)
    result = scan_request(request, tmp_path)
    assert len(result.id_numbers) == 1
    assert not result.blocks(request)


def test_warnings_alone_do_not_block(tmp_path: Path) -> None:
    request = make_request(tmp_path, attachments=[], title="ติดต่อ 02-123-4567")
    result = scan_request(request, tmp_path)
    assert result.warnings and not result.id_numbers and not result.blocks(request)


def test_missing_attachment_is_an_error(tmp_path: Path) -> None:
    request = make_request(tmp_path, attachments=[{"path": "files/none.pdf"}])
    with pytest.raises(AttachmentError, match="files/none.pdf"):
        scan_request(request, tmp_path)


def test_the_full_number_appears_nowhere(tmp_path: Path) -> None:
    request = make_request(tmp_path, title=f"รายชื่อ {ID_C}", body=grouped(ID_B))
    result = scan_request(request, tmp_path)
    outputs = [repr(result), str(result), result.model_dump_json(), *result.messages()]
    outputs += [text for f in result.findings for text in (repr(f), str(f), f.message, f.model_dump_json())]
    assert len(result.id_numbers) == 3
    for number in (ID_A, ID_B, ID_C):
        for text in outputs:
            assert number not in re.sub(r"\D", "", text)
    assert isinstance(result, ScanResult)
