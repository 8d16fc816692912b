"""The ID scan reads every part of a document that can carry text, names the part, and is bounded.

Each document is built here with the made-up number below planted in one part (its checksum is
valid; it belongs to nobody we know of). CLEAN has a wrong check digit: the same documents with it
must give no finding at all, so each test also shows the part is read for what it holds.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from pypdf import PdfWriter
from pypdf.annotations import FreeText, Link, Text
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from cms_bridge.errors import AttachmentError
from cms_bridge.intake import extract
from cms_bridge.intake.idguard import SCANNER_VERSION, Finding, is_valid_id_number, scan_file
from cms_bridge.samples import png, sample_file, text_pdf

ID = "1101700203450"
CLEAN = "1101700203451"
MASKED = "1-1017-xxxxx-xx-0"


def test_the_planted_numbers_are_what_they_claim() -> None:
    assert is_valid_id_number(ID) and not is_valid_id_number(CLEAN)


def found(findings: list[Finding]) -> list[Finding]:
    """The ID-number findings, after checking that none of them (nor any other) shows the number."""
    for finding in findings:
        for text in (str(finding), finding.message, repr(finding), finding.model_dump_json()):
            assert ID not in re.sub(r"\D", "", text), text
    return [f for f in findings if f.kind == "id_number"]


def only_one(path: Path, where: str | None) -> Finding:
    """The one ID-number finding in *path*; its message says *where* (``None``: the file's own text)."""
    [finding] = found(scan_file(path))
    assert finding.masked == MASKED and finding.blocks
    assert finding.message.startswith(f"{path.name}, {where}:" if where else f"{path.name}:"), finding.message
    return finding


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- PDF ------------------------------------------------------------------------------------


def pdf(build: Callable[[PdfWriter, str], Any], number: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(["Notice of the committee", "Second page"])))
    build(writer, number)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _xmp(writer: PdfWriter, number: str) -> None:
    # XMP keeps this value in an attribute, as Acrobat writes simple properties.
    xml = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           f'<rdf:Description xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Keywords="เลข {number}"/>'
           "</rdf:RDF></x:xmpmeta>")
    stream = DecodedStreamObject()
    stream.set_data(xml.encode())
    stream.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)


def _annotation_author(writer: PdfWriter, number: str) -> None:
    note = Text(rect=(50, 550, 200, 650), text="ตรวจแล้ว")
    note[NameObject("/T")] = TextStringObject(f"ครู {number}")
    writer.add_annotation(page_number=0, annotation=note)


def _form_field(writer: PdfWriter, number: str) -> None:
    field = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject("id"),
        NameObject("/V"): TextStringObject(number),
        NameObject("/Rect"): ArrayObject([FloatObject(50), FloatObject(50), FloatObject(250), FloatObject(70)]),
    })
    ref = writer._add_object(field)
    writer.pages[0][NameObject("/Annots")] = ArrayObject([ref])
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(
        DictionaryObject({NameObject("/Fields"): ArrayObject([ref])}))


def _inner_docx(number: str) -> bytes:
    return docx(footer=f"<w:p><w:r><w:t>เลข {number}</w:t></w:r></w:p>")


PDF_PARTS: dict[str, tuple[Callable[[PdfWriter, str], Any], str]] = {
    "info-metadata": (lambda w, n: w.add_metadata({"/Subject": f"รายชื่อ {n}"}), "metadata"),
    "xmp-metadata": (_xmp, "XMP metadata"),
    "annotation-contents": (lambda w, n: w.add_annotation(0, Text(rect=(50, 550, 200, 650), text=f"เลข {n}")),
                            "page 1, annotation"),
    "annotation-author": (_annotation_author, "page 1, annotation"),
    "free-text": (lambda w, n: w.add_annotation(1, FreeText(text=f"เลข {n}", rect=(50, 550, 300, 600))),
                  "page 2, annotation"),
    "link": (lambda w, n: w.add_annotation(0, Link(rect=(50, 50, 90, 90), url=f"https://example.go.th/?pid={n}")),
             "page 1, annotation"),
    "form-field-value": (_form_field, "form field"),
    "bookmark": (lambda w, n: w.add_outline_item(title=f"เลข {n}", page_number=0), "bookmarks"),
    "embedded-file-name": (lambda w, n: w.add_attachment(f"{n}.txt", b"nothing here"), "embedded file name"),
    "embedded-text-file": (lambda w, n: w.add_attachment("list.csv", f"name,id\nA,{n}\n".encode()),
                           "embedded file 'list.csv'"),
    "embedded-docx-footer": (lambda w, n: w.add_attachment("inner.docx", _inner_docx(n)),
                             "embedded file 'inner.docx' footer"),
}


@pytest.mark.parametrize("case", PDF_PARTS)
def test_a_number_in_any_part_of_a_pdf_is_found_and_the_part_named(tmp_path: Path, case: str) -> None:
    build, where = PDF_PARTS[case]
    only_one(write(tmp_path, "report.pdf", pdf(build, ID)), where)
    assert scan_file(write(tmp_path, "clean.pdf", pdf(build, CLEAN))) == []


def test_a_file_inside_a_file_inside_a_pdf_is_read(tmp_path: Path) -> None:
    inner = pdf(lambda w, n: w.add_attachment("c.txt", f"เลข {n}".encode()), ID)
    outer = pdf(lambda w, n: w.add_attachment("b.pdf", inner), ID)
    only_one(write(tmp_path, "a.pdf", outer), "embedded file 'b.pdf' embedded file 'c.txt'")


def test_each_pdf_page_without_a_text_layer_is_named(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(["Page with text"])))
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    findings = scan_file(write(tmp_path, "scan.pdf", out.getvalue()))
    assert [(f.kind, f.page) for f in findings] == [("not_scanned", 2), ("not_scanned", 3)]
    assert "scan.pdf, page 2: not checked" in findings[0].message


def test_a_bookmark_loop_is_read_once_and_ends(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(["x"])))
    first = writer.add_outline_item(title=f"เลข {ID}", page_number=0)
    second = writer.add_outline_item(title="สรุป", page_number=0)
    second.get_object()[NameObject("/Next")] = first  # the last item points back to the first
    out = io.BytesIO()
    writer.write(out)
    only_one(write(tmp_path, "loop.pdf", out.getvalue()), "bookmarks")


# --- DOCX -----------------------------------------------------------------------------------

_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
}
NS = " ".join(f'xmlns:{k}="{v}"' for k, v in _NS.items())


def ooxml(parts: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name, content in parts.items():
            archive.writestr(name, content if isinstance(content, bytes)
                             else '<?xml version="1.0" encoding="UTF-8"?>' + content)
    return out.getvalue()


def docx(body: str = "<w:p><w:r><w:t>ประกาศ</w:t></w:r></w:p>", *, footer: str | None = None,
         extra: dict[str, str | bytes] | None = None) -> bytes:
    parts: dict[str, str | bytes] = {"word/document.xml": f"<w:document {NS}><w:body>{body}</w:body></w:document>"}
    if footer is not None:
        parts["word/footer1.xml"] = f"<w:ftr {NS}>{footer}</w:ftr>"
    return ooxml({**parts, **(extra or {})})


def para(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def table_row(cells: list[str]) -> str:
    return "<w:tbl><w:tr>" + "".join(f"<w:tc>{para(c)}</w:tc>" for c in cells) + "</w:tr></w:tbl>"


def text_box(text: str) -> str:
    # As Word saves it: the shape for new readers and a VML copy for old ones, same text.
    box = f"<w:txbxContent>{para(text)}</w:txbxContent>"
    return (f"<w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:wsp><wps:txbx>{box}"
            f"</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{box}"
            "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>")


def _groups(n: str) -> list[str]:
    return [n[:4], n[4:8], n[8:12], n[12]]  # 4-4-4-1: not an ID's printed form when on lines


DOCX_PARTS: dict[str, tuple[Callable[[str], bytes], str]] = {
    "header": (lambda n: docx(extra={"word/header1.xml": f"<w:hdr {NS}>{para('เลข ' + n)}</w:hdr>"}), "header"),
    "footer": (lambda n: docx(footer=para(f"เลข {n}")), "footer"),
    "comment": (lambda n: docx(extra={"word/comments.xml": f'<w:comments {NS}><w:comment w:id="0" w:author="ครู">'
                                      f"{para('เลข ' + n)}</w:comment></w:comments>"}), "comments"),
    "footnote": (lambda n: docx(extra={"word/footnotes.xml": f'<w:footnotes {NS}><w:footnote w:id="1">'
                                       f"{para(n)}</w:footnote></w:footnotes>"}), "footnotes"),
    "endnote": (lambda n: docx(extra={"word/endnotes.xml": f'<w:endnotes {NS}><w:endnote w:id="1">'
                                      f"{para(n)}</w:endnote></w:endnotes>"}), "endnotes"),
    "text-box": (lambda n: docx(para("ประกาศ") + text_box(f"เลข {n}")), "text box"),
    "tracked-deletion": (
        # Only the last digits were deleted: the text before the change held the whole number.
        lambda n: docx(f'<w:p><w:r><w:t>เลข {n[:9]}</w:t></w:r><w:del w:id="1" w:author="x"><w:r>'
                       f"<w:delText>{n[9:]}</w:delText></w:r></w:del></w:p>"), "tracked deletion"),
    "field-code": (lambda n: docx('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>'
                                  f' MERGEFIELD pid \\b "{n}" </w:instrText></w:r><w:r><w:fldChar '
                                  'w:fldCharType="end"/></w:r></w:p>'), "field code"),
    "core-properties": (lambda n: docx(extra={"docProps/core.xml": f"<cp:coreProperties {NS}>"
                                              f"<dc:title>รายชื่อ {n}</dc:title></cp:coreProperties>"}),
                        "core properties"),
    "app-properties": (lambda n: docx(extra={"docProps/app.xml": '<Properties xmlns="http://schemas.openxml'
                                             'formats.org/officeDocument/2006/extended-properties">'
                                             f"<Company>{n}</Company></Properties>"}), "app properties"),
    "custom-properties": (lambda n: docx(extra={"docProps/custom.xml": '<Properties xmlns="http://schemas.'
                                                'openxmlformats.org/officeDocument/2006/custom-properties" '
                                                f'{NS}><property name="pid"><vt:lpwstr>{n}</vt:lpwstr>'
                                                "</property></Properties>"}), "custom properties"),
    "alt-text": (lambda n: docx('<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" '
                                f"descr={quoteattr('บัตร ' + n)}/></wp:inline></w:drawing></w:r></w:p>"),
                 "alt text"),
    "table-row-groups": (lambda n: docx(table_row(["เลขประจำตัว", *_groups(n)])), "table row 1"),
    "header-table-row": (lambda n: docx(extra={"word/header2.xml": f"<w:hdr {NS}>{table_row(_groups(n))}</w:hdr>"}),
                         "header table row 1"),
    "hyperlink": (lambda n: docx(extra={"word/_rels/document.xml.rels": '<Relationships xmlns="http://schemas.'
                                        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" '
                                        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                        f'hyperlink" Target="https://example.go.th/?pid={n}" TargetMode="External"/>'
                                        "</Relationships>"}), "links"),
    "embedded-workbook": (lambda n: docx(extra={"word/embeddings/Sheet1.xlsx": workbook(lambda wb: wb.active.append(
        ["เลข", n]))}), "embedded file 'Sheet1.xlsx' sheet A"),
}


@pytest.mark.parametrize("case", DOCX_PARTS)
def test_a_number_in_any_part_of_a_docx_is_found_and_the_part_named(tmp_path: Path, case: str) -> None:
    build, where = DOCX_PARTS[case]
    only_one(write(tmp_path, "form.docx", build(ID)), where)
    assert scan_file(write(tmp_path, "clean.docx", build(CLEAN))) == []


def test_one_digit_per_table_cell_is_found_once(tmp_path: Path) -> None:
    # The row as a form prints it, a label then one box per digit; read as lines and as a row,
    # the number is one finding, not two.
    only_one(write(tmp_path, "form.docx", docx(table_row(["เลขประจำตัวประชาชน", *ID]))), None)


def test_text_box_copies_are_read_once(tmp_path: Path) -> None:
    path = write(tmp_path, "box.docx", docx(text_box(f"เลข {ID}") + para("ท้ายเรื่อง")))
    assert [f.part for f in found(scan_file(path))] == ["text box"]


def test_new_parts_go_through_the_same_normalisation(tmp_path: Path) -> None:
    thai = ID.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    hidden = "\u200b".join(ID)
    path = write(tmp_path, "n.docx", docx(footer=para(f"เลข {thai}") + para("-") + para(f"อีก {hidden}")))
    assert [(f.part, f.masked) for f in found(scan_file(path))] == [("footer", MASKED), ("footer", MASKED)]


def test_drawings_inside_a_document_that_ocr_cannot_take_are_reported_as_not_checked(tmp_path: Path) -> None:
    # A PNG or JPEG inside is read by OCR (tests/unit/test_ocr.py); a vector drawing is not.
    path = write(tmp_path, "p.docx", docx(extra={"word/media/image1.emf": b"\x01\x00\x00\x00 EMF drawing",
                                                 "word/media/image2.png": png(2, 2)}))
    [finding] = scan_file(path)
    assert finding.kind == "not_scanned" and not finding.blocks and "1 picture" in finding.message
    assert "OCR does not read" in finding.message


# --- XLSX -----------------------------------------------------------------------------------


def workbook(build: Callable[[Any], Any]) -> bytes:
    wb = Workbook()
    wb.active.title = "A"
    wb.active["A1"] = "รายชื่อ"
    build(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _comment(wb: Any, n: str) -> None:
    wb.active["B4"].comment = Comment(f"เลขของนักเรียน {n}", "ครูประจำชั้น")


def _header(wb: Any, n: str) -> None:
    wb.active.oddFooter.right.text = f"เลข {n}"


def _defined_name(wb: Any, n: str) -> None:
    wb.defined_names["pid"] = DefinedName("pid", attr_text=f'"{n}"')


def _title(wb: Any, n: str) -> None:
    wb.properties.title = f"รายชื่อ {n}"


XLSX_PARTS: dict[str, tuple[Callable[[Any, str], Any], str]] = {
    "comment": (_comment, "sheet A, comment B4"),
    "header-footer": (_header, "sheet A, header/footer"),
    "formula-literal": (lambda wb, n: wb.active.__setitem__("C2", f'="{n}"'), "sheet A, formula C2"),
    "formula-joined": (lambda wb, n: wb.active.__setitem__("C2", f'=CONCATENATE("{n[:6]}","{n[6:]}")'),
                       "sheet A, formula C2"),
    "one-group-per-cell": (lambda wb, n: wb.active.append(["เลข", *_groups(n)]), "sheet A, row 2"),
    "sheet-name": (lambda wb, n: wb.create_sheet(f"ด.ช.{n}"), "sheet names"),
    "defined-name": (_defined_name, "defined names"),
    "properties": (_title, "core properties"),
}


@pytest.mark.parametrize("case", XLSX_PARTS)
def test_a_number_in_any_part_of_an_xlsx_is_found_and_the_part_named(tmp_path: Path, case: str) -> None:
    build, where = XLSX_PARTS[case]
    only_one(write(tmp_path, "list.xlsx", workbook(lambda wb: build(wb, ID))), where)
    assert scan_file(write(tmp_path, "clean.xlsx", workbook(lambda wb: build(wb, CLEAN)))) == []


def test_one_digit_per_xlsx_cell_across_a_row_is_found(tmp_path: Path) -> None:
    path = write(tmp_path, "form.xlsx", workbook(lambda wb: wb.active.append(["เลข", *map(int, ID)])))
    assert only_one(path, "sheet A").part is None


def test_a_formula_with_its_value_is_one_finding(tmp_path: Path) -> None:
    cells = f'<c r="A1" t="str"><f>"{ID}"</f><v>{ID}</v></c>'
    sheet = f'<worksheet xmlns="{_S}"><sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    only_one(write(tmp_path, "f.xlsx", raw_xlsx(sheet)), "sheet A")


def test_a_sheet_named_with_a_number_is_masked_in_every_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "s.xlsx", workbook(lambda wb: wb.create_sheet(f"เลข{ID}").append(["โทร 081-234-5678"])))
    findings = scan_file(path)  # found() checks that no message shows the number
    assert [f.kind for f in found(findings)] == ["id_number"]
    assert any(f.kind == "phone" and f.page == f"เลข{MASKED}" for f in findings)


_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def raw_xlsx(sheet: str, extra: dict[str, str | bytes] | None = None, sheet_rels: str = "") -> bytes:
    parts: dict[str, str | bytes] = {
        "xl/workbook.xml": f'<workbook xmlns="{_S}" xmlns:r="{_DOC_REL}"><sheets><sheet name="A" sheetId="1" '
                           'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                                      f'Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    if sheet_rels:
        parts["xl/worksheets/_rels/sheet1.xml.rels"] = f'<Relationships xmlns="{_PKG}">{sheet_rels}</Relationships>'
    return ooxml({**parts, **(extra or {})})


def test_a_threaded_comment_is_found_with_its_cell(tmp_path: Path) -> None:
    ns = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"

    def build(n: str) -> bytes:
        comments = (f'<ThreadedComments xmlns="{ns}"><threadedComment ref="D7" dT="2026-11-01T10:00:00" '
                    f'personId="{{1}}" id="{{2}}"><text>ตรวจเลข {n} ด้วย</text></threadedComment></ThreadedComments>')
        rel = ('<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
               'threadedComment" Target="../threadedComments/threadedComment1.xml"/>')
        sheet = f'<worksheet xmlns="{_S}"><sheetData/></worksheet>'
        return raw_xlsx(sheet, {"xl/threadedComments/threadedComment1.xml": comments}, rel)

    only_one(write(tmp_path, "t.xlsx", build(ID)), "sheet A, comment D7")
    assert scan_file(write(tmp_path, "c.xlsx", build(CLEAN))) == []


# --- PPTX -----------------------------------------------------------------------------------

_SLIDE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def pptx(*, notes: str = "", comment: str = "", alt: str = "", master: str = "", title: str = "") -> bytes:
    slide = (f'<p:sld {NS}><p:cSld><p:spTree><p:sp><p:nvSpPr><p:cNvPr id="2" name="Picture" '
             f'descr={quoteattr(alt)}/></p:nvSpPr><p:txBody><a:p><a:r><a:t>ประชุมครู</a:t></a:r></a:p>'
             "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    rels = (f'<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId2" Type="{_SLIDE_REL}/notesSlide" Target="../notesSlides/notesSlide1.xml"/>'
            f'<Relationship Id="rId3" Type="{_SLIDE_REL}/comments" Target="../comments/comment1.xml"/>'
            "</Relationships>")
    text = "<a:p><a:r><a:t>{}</a:t></a:r></a:p>"
    return ooxml({
        "ppt/presentation.xml": f"<p:presentation {NS}/>",
        "ppt/slides/slide1.xml": slide,
        "ppt/slides/_rels/slide1.xml.rels": rels,
        "ppt/notesSlides/notesSlide1.xml": f"<p:notes {NS}><p:cSld><p:spTree><p:sp><p:txBody>"
                                           f"{text.format(escape(notes))}</p:txBody></p:sp></p:spTree></p:cSld></p:notes>",
        "ppt/comments/comment1.xml": f'<p:cmLst {NS}><p:cm authorId="0"><p:text>{escape(comment)}</p:text>'
                                     "</p:cm></p:cmLst>",
        "ppt/slideMasters/slideMaster1.xml": f"<p:sldMaster {NS}><p:cSld><p:spTree><p:sp><p:txBody>"
                                             f"{text.format(escape(master))}</p:txBody></p:sp></p:spTree></p:cSld>"
                                             "</p:sldMaster>",
        "docProps/core.xml": f"<cp:coreProperties {NS}><dc:title>{escape(title)}</dc:title></cp:coreProperties>",
    })


PPTX_PARTS: dict[str, tuple[str, str]] = {
    "notes": ("notes", "page 1, notes"),
    "comment": ("comment", "page 1, comments"),
    "alt-text": ("alt", "page 1, alt text"),
    "slide-master": ("master", "part ppt/slideMasters/slideMaster1.xml"),
    "properties": ("title", "core properties"),
}


@pytest.mark.parametrize("case", PPTX_PARTS)
def test_a_number_in_any_part_of_a_pptx_is_found_and_the_part_named(tmp_path: Path, case: str) -> None:
    field, where = PPTX_PARTS[case]
    only_one(write(tmp_path, "deck.pptx", pptx(**{field: f"เลข {ID}"})), where)
    assert scan_file(write(tmp_path, "clean.pptx", pptx(**{field: f"เลข {CLEAN}"}))) == []


# --- pictures -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_a_picture_is_reported_as_not_checked_where_ocr_is_not_installed(tmp_path: Path, kind: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from cms_bridge.intake import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    [finding] = scan_file(write(tmp_path, f"photo.{kind}", sample_file(kind)))
    assert finding.kind == "not_scanned" and not finding.blocks
    assert finding.message.startswith(f"photo.{kind}: not checked") and "OCR is not installed" in finding.message


# --- caps: a file too large, too many parts or too deep is refused, fast ---------------------


def claims_size(data: bytes, member: str, size: int) -> bytes:
    """*data* (a zip) with *member*'s uncompressed size rewritten to *size* in both its headers."""
    out = bytearray(data)
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(signature)
        while at != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at:name_at + len(name)] == name:
                out[at + offset:at + offset + 4] = struct.pack("<I", size)
            at = out.find(signature, at + 4)
    return bytes(out)


def test_a_zip_bomb_docx_is_refused_fast(tmp_path: Path) -> None:
    # document.xml says it unpacks to 1 GB of zeros: refused before a byte is inflated.
    bomb = claims_size(docx("<w:p>" + "0" * 10_000 + "</w:p>"), "word/document.xml", 1024 ** 3)
    path = write(tmp_path, "bomb.docx", bomb)
    started = time.monotonic()
    with pytest.raises(AttachmentError, match=r"bomb\.docx: too large.*word/document\.xml.*part size cap"):
        scan_file(path)
    assert time.monotonic() - started < 2


def test_a_zip_member_that_unpacks_to_more_than_it_claims_is_refused(tmp_path: Path) -> None:
    bomb = claims_size(docx("<w:p/>" + " " * 5_000_000), "word/document.xml", 200)
    started = time.monotonic()
    with pytest.raises(AttachmentError, match=r"liar\.docx"):
        scan_file(write(tmp_path, "liar.docx", bomb))
    assert time.monotonic() - started < 2


def test_a_member_over_the_part_cap_is_refused_by_what_it_unpacks_to(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "LIMITS", extract.Limits(member_bytes=100_000))
    path = write(tmp_path, "big.docx", docx(para(" " * 200_000)))
    with pytest.raises(AttachmentError, match=r"big\.docx.*part size cap"):
        scan_file(path)


@pytest.mark.parametrize(("limits", "cap"), [
    (extract.Limits(total_bytes=30_000), "total size cap"),
    (extract.Limits(parts=3), "parts cap"),
])
def test_many_parts_are_refused_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           limits: extract.Limits, cap: str) -> None:
    monkeypatch.setattr(extract, "LIMITS", limits)
    parts: dict[str, str | bytes] = {f"customXml/item{i}.xml": f"<x>{'ก' * 5_000}</x>" for i in range(8)}
    with pytest.raises(AttachmentError, match=f"many.docx.*{cap}"):
        scan_file(write(tmp_path, "many.docx", docx(extra=parts)))


def test_a_pdf_with_too_many_objects_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "LIMITS", extract.Limits(pdf_objects=20))
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(["x"])))
    for i in range(30):
        writer.add_outline_item(title=f"บทที่ {i}", page_number=0)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(AttachmentError, match=r"outline\.pdf.*PDF object cap"):
        scan_file(write(tmp_path, "outline.pdf", out.getvalue()))


def test_files_embedded_too_deep_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = pdf(lambda w, n: w.add_attachment("c.txt", b"nothing"), ID)
    outer = pdf(lambda w, n: w.add_attachment("b.pdf", inner), ID)
    path = write(tmp_path, "deep.pdf", outer)
    assert scan_file(path) == []  # depth 2 is within the default cap
    monkeypatch.setattr(extract, "LIMITS", extract.Limits(depth=1))
    with pytest.raises(AttachmentError, match=r"deep\.pdf.*embedding depth cap"):
        scan_file(path)


def test_a_cap_names_the_member_with_any_number_in_its_name_masked(tmp_path: Path) -> None:
    bomb = claims_size(docx(extra={f"customXml/{ID}.xml": "<x/>"}), f"customXml/{ID}.xml", 1024 ** 3)
    with pytest.raises(AttachmentError, match="part size cap") as caught:
        scan_file(write(tmp_path, "named.docx", bomb))
    assert MASKED in str(caught.value) and ID not in re.sub(r"\D", "", str(caught.value))


def test_xml_entities_are_refused(tmp_path: Path) -> None:
    body = '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">]>'
    data = ooxml({"word/document.xml": body.encode() + f"<w:document {NS}><w:body/></w:document>".encode()})
    with pytest.raises(AttachmentError, match=r"dtd\.docx.*entit"):
        scan_file(write(tmp_path, "dtd.docx", data))


def test_a_parser_error_never_shows_the_document_text(tmp_path: Path) -> None:
    broken = docx(extra={"word/footer1.xml": f"<w:ftr {NS}><w:p>เลข {ID}</w:ftr>"})  # not well-formed
    with pytest.raises(AttachmentError) as caught:
        scan_file(write(tmp_path, "broken.docx", broken))
    assert "broken.docx" in str(caught.value) and ID not in re.sub(r"\D", "", str(caught.value))


# --- caching by content hash ----------------------------------------------------------------


def test_findings_depend_only_on_the_bytes(tmp_path: Path) -> None:
    data = docx(footer=para(f"เลข {ID}"))
    first = scan_file(write(tmp_path, "a.docx", data), source="files/form.docx")
    (tmp_path / "other").mkdir()
    second = scan_file(write(tmp_path / "other", "b.docx", data), source="files/form.docx")
    assert first == second and len(first) == 1
    assert isinstance(SCANNER_VERSION, int) and SCANNER_VERSION >= 2
