"""ID numbers written the ways that slipped past the scan, and tables that must not look like one.

The number below is made up (its checksum is valid; it belongs to nobody we know of).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_bridge.intake.idguard import is_valid_id_number, scan_file, scan_text
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.mappings import load_mappings
from cms_bridge.samples import docx

ID = "1101700203450"
MASKED = "1-1017-xxxxx-xx-0"
BOXES = "\n".join(ID)


def spaced(sep: str) -> str:
    return sep.join([ID[0], ID[1:5], ID[5:10], ID[10:12], ID[12]])


def test_the_made_up_number_is_valid() -> None:
    assert is_valid_id_number(ID)


@pytest.mark.parametrize("written", [
    pytest.param(f"เลขประจำตัว {ID[:6]}\n{ID[6:]} ครับ", id="wrapped-line"),
    pytest.param(f"เลข {spaced(chr(10))}", id="groups-on-lines"),
    pytest.param("เลข " + "\u200b".join(ID), id="zero-width-spaces"),
    pytest.param("เลข " + ID[:4] + "\u2060\u200d" + ID[4:], id="word-joiners"),
    pytest.param(f"เลข {spaced('    ')}", id="four-spaces"),
    pytest.param(f"เลข {spaced('.')}", id="dots"),
    pytest.param(f"เลข {spaced(' . ')}", id="spaced-dots"),
    pytest.param(f"เลข {spaced('--')}", id="double-dash"),
    pytest.param(f"เลข {BOXES}", id="one-digit-per-line"),
    pytest.param("เลข " + "".join(chr(0xFF10 + int(d)) for d in ID), id="full-width"),
    pytest.param("เลข " + ID.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")), id="thai-digits"),
    pytest.param(f"เลข {spaced('_')}", id="underscores"),
])
def test_an_id_number_written_this_way_is_found_and_masked(written: str) -> None:
    findings = [f for f in scan_text(written, "title") if f.kind == "id_number"]
    assert [f.masked for f in findings] == [MASKED]
    assert ID not in str(findings)


@pytest.mark.parametrize("table", [
    # Amounts and counts in a column, as a PDF's text layer gives a table: separate numbers.
    "\n".join(["150000", "3", "45000", "12", "7", "2500", "110", "17002", "0345", "1"]),
    "ลำดับ 1 จำนวน 2345 ราคา 67890.12 บาท 3 รายการ".replace(" ", "    "),
    "\n".join(f"{n} {n * 37 % 1000}" for n in range(1, 60)),
])
def test_a_table_of_separate_numbers_is_not_an_id(table: str) -> None:
    assert [f for f in scan_text(table, "t") if f.kind == "id_number"] == []


def test_one_digit_per_docx_paragraph_is_found(tmp_path: Path) -> None:
    doc = tmp_path / "form.docx"
    doc.write_bytes(docx(list(ID)))  # one paragraph per digit, as a boxed form exports
    assert [f.masked for f in scan_file(doc) if f.kind == "id_number"] == [MASKED]


def test_every_request_field_and_file_name_is_scanned() -> None:
    mappings = load_mappings()
    data = {
        "request_id": "2570-t-001", "request_date": "2026-11-15", "group": "ict", "kind": "1.17",
        "title": "ประกาศ", "purpose": "เพื่อทราบ", "channels": ["website"],
        "document_number": f"ศธ 04241/{ID}",
        "requester": {"name": "นางสาวทดลอง ใจดี", "position": f"ครู {spaced('.')}"},
        "window": {"kind": "permanent"},
        "attachments": [{"path": f"list-{ID}.pdf"}],
    }
    request = PublicationRequest.model_validate(data, context={"mappings": mappings})
    sources = {f.source for f in scan_request_fields(request)}
    assert {"document_number", "requester.position", "attachments[0].path"} <= sources


def scan_request_fields(request: PublicationRequest):
    # The attachment itself does not exist here; only the request's own text is scanned.
    from cms_bridge.intake import idguard

    return [f for field, value in idguard._texts(request.model_dump(mode="json"))
            for f in scan_text(value, field) if f.kind == "id_number"]
