"""Which attachment types does the site accept? Found out by uploading a tiny file of each.

WordPress decides from its allow-list, the user's role and what PHP's fileinfo makes of the
content (the reason .rar uploads fail on many sites), and no API reports the outcome, so the only
true answer is to try. Each probe file is deleted for good straight after its upload.
"""

from __future__ import annotations

import io
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from cms_bridge.errors import SiteError
from cms_bridge.wordpress.rest import RestAdapter

#: The types the office attaches (seed §4.1(6)), in the order they are reported.
DEFAULT_TYPES = ("pdf", "docx", "xlsx", "pptx", "zip", "rar", "jpg", "png")

_OOXML_TYPES = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


class UploadProbe(BaseModel):
    """The outcome for one file type."""

    extension: str
    accepted: bool
    reason: str = ""


def sample_file(extension: str) -> bytes:
    """The smallest valid file of a type, recognisable by its content as well as its name.

    Raises:
        ValueError: for a type there is no sample of.
    """
    makers: dict[str, Callable[[], bytes]] = {
        "pdf": _pdf, "zip": _zip, "rar": _rar, "jpg": _jpeg, "jpeg": _jpeg, "png": _png,
        **{ext: (lambda ext=ext: _ooxml(ext)) for ext in _OOXML_TYPES},
    }
    if extension not in makers:
        raise ValueError(f"no sample for .{extension}; known: {', '.join(sorted(makers))}")
    return makers[extension]()


def probe_uploads(cms: RestAdapter, extensions: tuple[str, ...] = DEFAULT_TYPES) -> list[UploadProbe]:
    """Upload and delete one tiny file per type; report which the site accepted.

    Args:
        cms: a REST adapter (uploads over XML-RPC follow the same rules on the site).
        extensions: the types to try.

    Returns:
        One result per type, in order.
    """
    results = []
    with tempfile.TemporaryDirectory(prefix="cms-bridge-probe-") as tmp:
        for ext in extensions:
            path = Path(tmp) / f"cms-bridge-probe.{ext}"
            path.write_bytes(sample_file(ext))
            try:
                media = cms.upload_media(path)
            except SiteError as error:
                results.append(UploadProbe(extension=ext, accepted=False, reason=error.message))
                continue
            cms.http.request("DELETE", cms._url(f"/wp/v2/media/{media.id}"), params={"force": "true"})
            results.append(UploadProbe(extension=ext, accepted=True))
    return results


def _pdf() -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>"]
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


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "cms-bridge upload probe\n")
    return out.getvalue()


def _ooxml(ext: str) -> bytes:
    part, content_type = _OOXML_TYPES[ext]
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
             'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        # libmagic recognises Office files by [Content_Types].xml being the first member.
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(part, '<?xml version="1.0" encoding="UTF-8"?><root/>')
    return out.getvalue()


def _rar() -> bytes:
    # A RAR 4 archive with no files: signature, main header, end-of-archive header.
    signature = b"Rar!\x1a\x07\x00"
    main = struct.pack("<BHH", 0x73, 0x0000, 13) + b"\x00" * 6
    main = struct.pack("<H", zlib.crc32(main) & 0xFFFF) + main
    end = struct.pack("<BHH", 0x7B, 0x4000, 7)
    end = struct.pack("<H", zlib.crc32(end) & 0xFFFF) + end
    return signature + main + end


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff")) + chunk(b"IEND", b"")


def _jpeg() -> bytes:
    # A 1x1 baseline-compatible JPEG (arithmetic-coded, 134 bytes): enough for getimagesize().
    return bytes.fromhex(
        "ffd8ffe000104a46494600010101004800480000ffdb004300030202020203020202030303030406040404040408"
        "0606050609080a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f101010ffc9000b"
        "080001000101011100ffcc000600101005ffda0008010100003f00d2cf20ffd9"
    )
