"""The request memo (บันทึกข้อความ ขออนุญาตเผยแพร่ข้อมูลต่อสาธารณะ) as a Word document to print or sign.

Laid out as the seed's form, line by line, filled in from the request as the ledger holds it: the
boxes ticked for its channels, window and decision, the requester's and the group director's
signature lines (name in brackets once known), the committee's order. Same page, fonts and Thai
set-up as the monitoring report (:mod:`cms_bridge.reports.docx_form`, whose document helpers it
reuses so both documents stay alike).
"""

from __future__ import annotations

import io

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from cms_bridge.channels import CHANNEL_LABELS, CHANNELS
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.mappings import Mappings
from cms_bridge.reports.docx_form import _new_document, _paragraph, _run
from cms_bridge.reports.wording import CHECKED, DEFAULT_OFFICE_NAME, UNCHECKED
from cms_bridge.thaidate import format_thai_date, to_thai_digits
from cms_bridge.windows import FiscalYearWindow, RangeWindow

DOTS = "……………………"
SIGN_INDENT_CM = 7.5


def _box(ticked: bool) -> str:
    return CHECKED if ticked else UNCHECKED


def _or_dots(value: object) -> str:
    return DOTS if value in (None, "") else to_thai_digits(str(value))


def _date(value: object) -> str:
    from datetime import date

    return format_thai_date(value, digits="thai") if isinstance(value, date) else DOTS


def memo_docx(request: PublicationRequest, mappings: Mappings, *, office: str = DEFAULT_OFFICE_NAME) -> bytes:
    """The filled-in memo of *request* as DOCX bytes.

    Args:
        request: the request with its current decision (``Ledger.get_request``).
        mappings: for the group's and the kind's Thai names.
        office: the office's name as the memo prints it.
    """
    doc = _new_document()
    group = mappings.group(request.group).name
    _paragraph(doc, "บันทึกข้อความ", bold=True, size=29, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    line = _paragraph(doc, after=4)
    _run(line, "ส่วนราชการ ", bold=True)
    _run(line, f"{group} {office}")
    line = _paragraph(doc, after=4)
    _run(line, "ที่ ", bold=True)
    _run(line, _or_dots(request.document_number) + "    ")
    _run(line, "วันที่ ", bold=True)
    _run(line, _date(request.request_date))
    line = _paragraph(doc, after=4)
    _run(line, "เรื่อง ", bold=True)
    _run(line, "ขออนุญาตเผยแพร่ข้อมูลต่อสาธารณะ")
    line = _paragraph(doc, before=6, after=6)
    _run(line, "เรียน ", bold=True)
    _run(line, f"ผู้อำนวยการ{office}")
    opening = _paragraph(doc, f"ด้วย ข้าพเจ้า {request.requester.name} ตำแหน่ง {request.requester.position}")
    opening.paragraph_format.first_line_indent = Cm(2.5)
    _paragraph(doc, f"กลุ่ม/หน่วย {group} มีความประสงค์จะเผยแพร่ข้อมูลต่อสาธารณะผ่านเว็บไซต์ของ{office} "
                    f"เรื่อง {request.title}")
    _paragraph(doc, f"เพื่อ {request.purpose}")
    _paragraph(doc, f"จำนวน {_or_dots(request.file_count)} ไฟล์ จำนวน {_or_dots(request.page_count)} แผ่น "
                    "ผ่านช่องทางเผยแพร่ คือ")
    _paragraph(doc, "    ".join(f"{_box(c in request.channels)} {CHANNEL_LABELS[c]}" for c in CHANNELS), indent=1)
    window = request.window
    _paragraph(doc, f"โดยมีระยะเวลาในการเผยแพร่ {_box(window.kind == 'permanent')} เผยแพร่แบบถาวร")
    year = to_thai_digits(window.fiscal_year) if isinstance(window, FiscalYearWindow) else "๒๕……"
    _paragraph(doc, f"{_box(isinstance(window, FiscalYearWindow))} เผยแพร่แบบมีกำหนดระยะเวลา ตลอดปีงบประมาณ {year}",
               indent=3.5)
    start, end = (window.start, window.end) if isinstance(window, RangeWindow) else (None, None)
    _paragraph(doc, f"{_box(isinstance(window, RangeWindow))} เผยแพร่แบบมีกำหนดระยะเวลา "
                    f"ตั้งแต่วันที่ {_date(start)} ถึงวันที่ {_date(end)}", indent=3.5)
    details = _paragraph(doc, f"ซึ่งรายละเอียดของเนื้อหา/ข่าวสาร ที่ต้องการจะเผยแพร่ต่อสาธารณะผ่านเว็บไซต์ของ{office} "
                              "ตามเอกสารหรือไฟล์อิเล็กทรอนิกส์ได้แนบมาพร้อมนี้แล้ว", before=4)
    details.paragraph_format.first_line_indent = Cm(2.5)
    for attachment in (*request.attachments, *request.images):
        _paragraph(doc, f"- {attachment.title or attachment.path}", indent=1)
    _paragraph(doc, "จึงเรียนมาเพื่อโปรดพิจารณา", indent=2.5, before=8)
    _signature(doc, request.requester.name, request.requester.position)
    endorsement = request.endorsement
    _signature(doc, endorsement.name if endorsement else None,
               endorsement.position if endorsement else "ผู้อำนวยการกลุ่ม" + DOTS)
    decision = request.decision
    _paragraph(doc, "คำสั่ง", bold=True, before=12)
    _paragraph(doc, f"{_box(decision.status == 'approved')} อนุญาตให้เผยแพร่", indent=1)
    _paragraph(doc, f"{_box(decision.status == 'rejected')} ไม่อนุญาตให้เผยแพร่"
                    + (f" ({decision.note})" if decision.status == "rejected" and decision.note else ""), indent=1)
    decided = decision.status != "pending"
    _signature(doc, decision.by if decided else None, decision.position if decided else None)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _signature(doc: object, name: str | None, position: str | None) -> None:
    """ลงชื่อ…… / (name) / ตำแหน่ง…, in the right half; dotted where not known yet."""
    _paragraph(doc, f"ลงชื่อ {DOTS}{DOTS}", indent=SIGN_INDENT_CM, before=10, keep=True)
    _paragraph(doc, f"({name or DOTS + DOTS})", indent=SIGN_INDENT_CM + 0.6, keep=True)
    _paragraph(doc, f"ตำแหน่ง {position or DOTS + DOTS}", indent=SIGN_INDENT_CM)


#: Seconds LibreOffice may take to turn one memo into a PDF (its first start makes a profile).
PDF_TIMEOUT = 120


def memo_pdf(request: PublicationRequest, mappings: Mappings, *, office: str = DEFAULT_OFFICE_NAME) -> bytes:
    """The filled-in memo of *request* as PDF bytes: :func:`memo_docx` drawn by LibreOffice
    (Debian's ``libreoffice-writer-nogui``, with ``fonts-thai-tlwg`` standing in for TH Sarabun
    New where that font is not installed), for offices that keep the paper or e-signature trail.

    Raises:
        ReportError: LibreOffice is not installed, or did not make the PDF in time.
    """
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from cms_bridge.errors import ReportError

    if shutil.which("libreoffice") is None:
        raise ReportError("the memo as PDF needs LibreOffice (Debian: libreoffice-writer-nogui); the Word file works")
    with tempfile.TemporaryDirectory(prefix="cms-bridge-memo-") as work:
        folder = Path(work)
        source = folder / "memo.docx"
        source.write_bytes(memo_docx(request, mappings, office=office))
        # Its own profile in the temporary folder: never a user's, and two memos at once do not clash.
        profile = (folder / "profile").as_uri()
        try:
            subprocess.run(["libreoffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(folder), str(source)], check=True, capture_output=True,
                           timeout=PDF_TIMEOUT)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise ReportError(f"LibreOffice could not make the memo's PDF ({type(exc).__name__})") from None
        pdf = folder / "memo.pdf"
        if not pdf.is_file():
            raise ReportError("LibreOffice made no PDF of the memo")
        return pdf.read_bytes()
