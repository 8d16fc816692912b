"""The ID guard reads pictures and scanned pages with Tesseract (Debian's tesseract-ocr-tha).

The pictures are drawn here with a Thai font (Debian's fonts-thai-tlwg), so what is planted is
known: made-up ID numbers whose check digit holds, and near misses whose check digit does not.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from cms_bridge.intake import ocr
from cms_bridge.intake.idguard import ScanResult, scan_file
from cms_bridge.samples import sample_file

FONT = Path("/usr/share/fonts/truetype/tlwg/Garuda.ttf")
ID = "1-1017-00203-45-0"  # made up; its check digit holds
MASKED = "1-1017-xxxxx-xx-0"
NEAR_MISS = "1-1017-00203-45-1"  # one digit off: the check digit fails


@pytest.fixture(autouse=True)
def _ocr_installed() -> None:
    # The integration tier never skips, and neither does this: scripts/setup-dev installs both.
    if not ocr.available():
        pytest.fail("Tesseract with the Thai model is missing: scripts/setup-dev installs tesseract-ocr "
                    "tesseract-ocr-tha", pytrace=False)
    if not FONT.exists():
        pytest.fail(f"{FONT} is missing: scripts/setup-dev installs fonts-thai-tlwg", pytrace=False)


def drawn(lines: list[str], *, size: tuple[int, int] = (1400, 500), top: int = 60) -> Image.Image:
    picture = Image.new("RGB", size, "white")
    pen = ImageDraw.Draw(picture)
    font = ImageFont.truetype(str(FONT), 40)
    for i, text in enumerate(lines):
        pen.text((60, top + i * 70), text, fill="black", font=font)
    return picture


def saved(picture: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, {"png": "PNG", "jpg": "JPEG", "pdf": "PDF"}[kind])
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_an_id_number_in_a_photographed_notice_is_found_with_where_it_is(tmp_path: Path, kind: str) -> None:
    picture = drawn(["ประกาศรายชื่อผู้มีสิทธิ์สอบ", f"นายสมมุติ ทดลอง เลขประจำตัว {ID}"])
    findings = scan_file(write(tmp_path, f"ประกาศ.{kind}", saved(picture, kind)))
    blocking = [f for f in findings if f.blocks]
    assert [(f.masked, f.page) for f in blocking] == [(MASKED, None)]
    # The second line: about a quarter down the picture, near its left edge.
    assert blocking[0].part is not None and blocking[0].part.startswith("OCR, about ")
    down = int(blocking[0].part.split("about ")[1].split("%")[0])
    assert 15 <= down <= 35, blocking[0].part
    assert "00203" not in blocking[0].message and MASKED in blocking[0].message


def test_a_clean_photograph_gives_no_finding(tmp_path: Path) -> None:
    picture = drawn(["ภาพกิจกรรมวันลอยกระทง", "ณ หอประชุมสำนักงาน"])
    assert scan_file(write(tmp_path, "activity.png", saved(picture, "png"))) == []


def test_a_scanned_pdf_is_read_page_by_page(tmp_path: Path) -> None:
    first = drawn(["คำสั่งแต่งตั้งคณะกรรมการ"], size=(1240, 1754))
    second = drawn(["บัญชีรายชื่อ", f"1. นางสาวทดลอง ใจดี {ID}"], size=(1240, 1754), top=600)
    buffer = io.BytesIO()
    first.save(buffer, "PDF", save_all=True, append_images=[second], resolution=150)
    findings = scan_file(write(tmp_path, "scan.pdf", buffer.getvalue()))
    assert [(f.kind, f.page, f.masked) for f in findings] == [("id_number", 2, MASKED)]
    assert findings[0].message.startswith("scan.pdf, page 2, OCR, about ")


def test_a_near_miss_read_by_ocr_is_a_possible_number_that_needs_a_look(tmp_path: Path) -> None:
    from cms_bridge.intake.request import PublicationRequest

    picture = drawn([f"เลขประจำตัว {NEAR_MISS}"])
    findings = scan_file(write(tmp_path, "card.png", saved(picture, "png")))
    assert [(f.kind, f.masked) for f in findings] == [("possible_id_number", "1-1017-xxxxx-xx-1")]
    assert not findings[0].blocks and "look at it" in findings[0].message
    # It holds the request back like an unread file, until a person says they looked.
    request = PublicationRequest.model_construct(checked_by_hand=())
    assert ScanResult(findings=tuple(findings)).unread(request) == tuple(findings)
    # The same digits typed in a text layer are not an ID (its check digit fails): no finding.
    assert scan_file(write(tmp_path, "typed.txt", f"เลข {NEAR_MISS}".encode())) == []


def test_a_picture_inside_a_document_is_read(tmp_path: Path) -> None:
    from .test_idguard_parts import docx

    data = docx(extra={"word/media/image1.png": saved(drawn([f"บัตร {ID}"]), "png")})
    findings = [f for f in scan_file(write(tmp_path, "report.docx", data)) if f.blocks]
    assert [(f.masked, (f.part or "").split(",")[0]) for f in findings] == [
        (MASKED, "picture word/media/image1.png")]


def test_what_ocr_cannot_read_is_reported_by_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blank = Image.new("RGB", (1240, 1754), "white")
    words = drawn(["หน้าที่มีข้อความ"], size=(1240, 1754))
    buffer = io.BytesIO()
    blank.save(buffer, "PDF", save_all=True, append_images=[words, words], resolution=150)
    monkeypatch.setattr(ocr, "MAX_PAGES", 2)
    findings = scan_file(write(tmp_path, "scan.pdf", buffer.getvalue()))
    assert [(f.kind, f.page) for f in findings] == [("not_scanned", 3), ("not_scanned", 1)]
    assert "past the 2 pages OCR reads" in findings[0].message
    assert "OCR read no text on it" in findings[1].message
    # A picture the decoder refuses is unread, not clean.
    [unread] = scan_file(write(tmp_path, "odd.jpg", sample_file("jpg")))
    assert unread.kind == "not_scanned" and "could not read" in unread.message


def test_a_picture_claiming_billions_of_pixels_is_refused_not_decoded(tmp_path: Path) -> None:
    # A PNG header saying 60000 x 60000: Pillow's decompression-bomb guard refuses it unread.
    small = saved(Image.new("L", (10, 10), 255), "png")
    header = bytearray(small)
    header[16:24] = (60000).to_bytes(4, "big") * 2
    [finding] = scan_file(write(tmp_path, "bomb.png", bytes(header)))
    assert finding.kind == "not_scanned" and "could not read" in finding.message


def test_ocr_text_fixes_letters_misread_among_digits() -> None:
    assert ocr._digits_fixed("เลข 11O1700203l50") == "เลข 1101700203150"
    assert ocr._digits_fixed("OSBORNE l0 items") == "OSBORNE l0 items"  # words stay words
