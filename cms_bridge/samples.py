"""Small, valid files of every attachment type, made in code.

Used by ``check --probe-uploads`` (what does the site accept?) and to generate the example
requests' attachments; each is recognisable by its content, not only its name.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence

from cms_bridge.errors import UsageError

_OOXML_TYPES = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


def sample_file(extension: str) -> bytes:
    """The smallest valid file of a type.

    Raises:
        UsageError: (a ValueError) for a type there is no sample of.
    """
    makers: dict[str, Callable[[], bytes]] = {
        "pdf": lambda: text_pdf([""]), "zip": lambda: zip_archive({"readme.txt": "cms-bridge sample\n"}),
        "rar": _rar, "jpg": _jpeg, "jpeg": _jpeg, "png": lambda: png(1, 1),
        **{ext: functools.partial(_ooxml, ext) for ext in _OOXML_TYPES},
    }
    if extension not in makers:
        raise UsageError(f"no sample for .{extension}; known: {', '.join(sorted(makers))}")
    return makers[extension]()


def text_pdf(pages: Sequence[str]) -> bytes:
    """A PDF with one page per string, each drawn as text (ASCII) so it can be extracted."""
    count = len(pages)
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>",
                            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
                                b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count)), count),
                            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, text in enumerate(pages):
        lines = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in text.splitlines()]
        ops = b"BT /F1 12 Tf 72 760 Td 16 TL " + b" ".join(b"(%s) '" % line.encode("ascii") for line in lines) + b" ET"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i))
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(ops), ops))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def docx(paragraphs: Sequence[str]) -> bytes:
    """A Word document with these paragraphs (any Unicode text)."""
    from xml.sax.saxutils import escape

    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
                '"http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{body}</w:body></w:document>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    return _ooxml("docx", {"_rels/.rels": rels, "word/document.xml": document})


def zip_archive(members: dict[str, str]) -> bytes:
    """A zip archive of text files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


def png(width: int, height: int, grey: int = 200) -> bytes:
    """A plain grey PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + bytes([grey]) * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _ooxml(ext: str, parts: dict[str, str] | None = None) -> bytes:
    part, content_type = _OOXML_TYPES[ext]
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
             'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>')
    # libmagic recognises Office files by [Content_Types].xml being the first member.
    members = {"[Content_Types].xml": types, **(parts or {part: '<?xml version="1.0" encoding="UTF-8"?><root/>'})}
    return zip_archive(members)


def _rar() -> bytes:
    # A RAR 4 archive with no files: signature, main header, end-of-archive header.
    signature = b"Rar!\x1a\x07\x00"
    main = struct.pack("<BHH", 0x73, 0x0000, 13) + b"\x00" * 6
    main = struct.pack("<H", zlib.crc32(main) & 0xFFFF) + main
    end = struct.pack("<BHH", 0x7B, 0x4000, 7)
    end = struct.pack("<H", zlib.crc32(end) & 0xFFFF) + end
    return signature + main + end


def _jpeg() -> bytes:
    # A 1x1 JPEG (arithmetic-coded, 134 bytes): enough for getimagesize() and fileinfo.
    return bytes.fromhex(
        "ffd8ffe000104a46494600010101004800480000ffdb004300030202020203020202030303030406040404040408"
        "0606050609080a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f101010ffc9000b"
        "080001000101011100ffcc000600101005ffda0008010100003f00d2cf20ffd9"
    )


def request_toml(request_id: str, *, title: str | None = None, group: str = "ict", kind: str = "other",
                 window: str = 'kind = "permanent"', attachments: Sequence[str] = ("doc.pdf",),
                 images: Sequence[str] = (), request_date: str = "2026-09-01",
                 approved_at: str | None = "2026-09-01T10:00:00+07:00",
                 checked_by_hand: Sequence[str] | None = None) -> str:
    """The text of an approved (or, with ``approved_at=None``, pending) request file, for tests,
    benchmarks and demos; made-up people. *checked_by_hand* lists the files a person looked at
    (default: the images, which the ID scan cannot read)."""
    files = "".join(f'\n[[attachments]]\npath = "{path}"\n' for path in attachments)
    files += "".join(f'\n[[images]]\npath = "{path}"\n' for path in images)
    checks = images if checked_by_hand is None else checked_by_hand
    files += "".join(f'\n[[checked_by_hand]]\npath = "{path}"\nby = "นางสาวตรวจตา ละเอียด"\n' for path in checks)
    decision = ('status = "pending"' if approved_at is None else
                f'status = "approved"\nby = "นายสมมุติ ใจกว้าง"\nat = {approved_at}')
    return f'''request_id = "{request_id}"
request_date = "{request_date}"
group = "{group}"
kind = "{kind}"
title = "{title or f'ประกาศ {request_id}'}"
purpose = "ทดสอบการเผยแพร่"
channels = ["website"]

[requester]
name = "นางสาวทดลอง ใจดี"
position = "นักวิชาการ"

[window]
{window}
{files}
[decision]
{decision}
'''
