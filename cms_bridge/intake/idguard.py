"""Personal-data guard: find Thai national ID numbers before they reach a public site.

A 13-digit number whose last digit is its checksum is almost certainly a national ID number
(เลขประจำตัวประชาชน); lists of teachers or students with them are the classic leak from a school
office. The committee is responsible for personal data (order no. 138, §3), so any such number
blocks publication until a person records an ``id_number_acknowledgement`` on the request.
Phone numbers and e-mail addresses are personal data too but often deliberately public (a
contact person), so they are only warnings.

Recall is preferred to precision: digits may be separated by any spaces or dashes (forms print
one digit per box), so a table of small numbers can now and then add up to a valid checksum.
The acknowledgement is the way out of such a false alarm; a missed ID number has none.

A finding never holds the full number: only its masked form exists, so no message, repr, log
line or report built from findings can leak it.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Literal
from xml.etree import ElementTree

from pydantic import BaseModel, ConfigDict
from pypdf import PdfReader

from cms_bridge.errors import AttachmentError
from cms_bridge.intake.attachments import resolve_attachment, sniff_type
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.thaidate import to_arabic_digits

__all__ = ["SCANNER_VERSION", "Finding", "ScanResult", "is_valid_id_number", "scan_fields", "scan_file",
           "scan_request", "scan_text"]

#: Changes whenever what the scanner reads or finds changes: stored scans of an older version
#: are not trusted, so every kept file is read again once by the new scanner.
SCANNER_VERSION = "1"

FindingKind = Literal["id_number", "phone", "email", "not_scanned"]
TEXT_EXTENSIONS = frozenset({".txt", ".csv", ".tsv", ".md", ".html", ".htm"})

_DIGIT = "[0-9]"  # Thai digits are made Arabic first (see _normalise).
# Between two digits of one number: any run of spaces (line breaks included: a PDF wraps a
# number, a form prints one digit per box or cell), dots, dashes, underscores or slashes.
_SEP = r"[\s\u00a0.\-\u2010-\u2015_/]*"
# Invisible characters that can sit inside a number without showing: zero-width space, joiners,
# word joiner, byte-order mark, soft hyphen, and the invisible separators/operators.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"))
# A dash joins digit groups, so "1-2345-67890-12-3-4" is one longer number, not an ID plus a 4.
_NOT_AFTER_DIGITS = r"(?<![0-9])(?<![0-9]-)"
_NOT_BEFORE_DIGITS = r"(?![0-9])(?!-[0-9])"
# Wrapped in a lookahead so candidates may overlap: "5 1101 7002 0345 1" holds a bad candidate
# starting at 5 and a valid ID starting at the next group, and both must be tried.
_ID_CANDIDATE = re.compile("(?=(" + _NOT_AFTER_DIGITS + _DIGIT + (_SEP + _DIGIT) * 12 + _NOT_BEFORE_DIGITS + "))")
# 0 and 8 or 9 more digits: landlines 0x-xxx-xxxx (9), mobiles 0[689]x-xxx-xxxx (10).
_PHONE_CANDIDATE = re.compile(
    _NOT_AFTER_DIGITS + "0" + r"[ \-]?[0-9]" * 8 + r"(?:[ \-]?[0-9])?" + _NOT_BEFORE_DIGITS
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Zip members larger than this are not decompressed for scanning (a zip bomb would be endless).
_MAX_XML_BYTES = 64 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BREAKS = {f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n"}
_DOCX_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")


def is_valid_id_number(digits: str) -> bool:
    """Return True when *digits* (13 digits, Arabic or Thai) carry a valid national-ID checksum.

    Args:
        digits: the number without separators.
    """
    digits = to_arabic_digits(digits)
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def _mask_id(d: str) -> str:
    return f"{d[0]}-{d[1:5]}-xxxxx-xx-{d[12]}"


def _mask_phone(d: str) -> str:
    return f"{d[:2]}x-xxx-{d[-4:]}"


def _mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[0]}***@{domain}"


class Finding(BaseModel):
    """One piece of personal data (or one file that could not be checked).

    Attributes:
        kind: ``id_number`` (blocks), ``phone``, ``email`` or ``not_scanned`` (warnings).
        source: the file (as the request names it) or the request field.
        page: PDF page number, XLSX sheet name or PPTX slide number; ``None`` otherwise.
        masked: the value with most digits hidden, e.g. ``1-2345-xxxxx-xx-3``; never the whole.
        note: why a file could not be checked, for ``not_scanned``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FindingKind
    source: str
    page: int | str | None = None
    masked: str | None = None
    note: str | None = None

    @property
    def blocks(self) -> bool:
        """True for a national ID number."""
        return self.kind == "id_number"

    @property
    def message(self) -> str:
        """One line for people: where, what, and the masked value."""
        where = self.source
        if self.page is not None:
            where += f", sheet {self.page}" if isinstance(self.page, str) else f", page {self.page}"
        what = {
            "id_number": "Thai national ID number (เลขประจำตัวประชาชน)",
            "phone": "phone number",
            "email": "e-mail address",
            "not_scanned": "not checked for ID numbers",
        }[self.kind]
        detail = self.masked if self.masked is not None else self.note
        return f"{where}: {what}" + (f" {detail}" if detail else "")

    def __str__(self) -> str:
        return self.message


class ScanResult(BaseModel):
    """All findings for one request (or one file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    findings: tuple[Finding, ...] = ()

    @property
    def id_numbers(self) -> tuple[Finding, ...]:
        """The findings that block publication."""
        return tuple(f for f in self.findings if f.blocks)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings that are only reported."""
        return tuple(f for f in self.findings if not f.blocks)

    def blocks(self, request: PublicationRequest) -> bool:
        """Return True when an ID number was found and *request* does not acknowledge it.

        Args:
            request: the request the scan was made for.
        """
        return bool(self.id_numbers) and request.id_number_acknowledgement is None

    def messages(self) -> list[str]:
        """One line per finding, blocking ones first."""
        return [f.message for f in (*self.id_numbers, *self.warnings)]


def scan_text(text: str, source: str, page: int | str | None = None) -> list[Finding]:
    """Find ID numbers, phone numbers and e-mail addresses in *text*.

    Args:
        text: any text; Thai digits count as digits.
        source: what to call the text's origin in findings.
        page: the page, sheet or slide it came from, if any.
    """
    text = _normalise(text)
    findings: list[Finding] = []
    id_spans: list[tuple[int, int]] = []
    for match in _ID_CANDIDATE.finditer(text):
        start, end = match.span(1)
        digits = re.sub(r"[^0-9]", "", match.group(1))
        if (is_valid_id_number(digits) and _written_like_one_number(match.group(1))
                and not any(start < e and s < end for s, e in id_spans)):
            findings.append(Finding(kind="id_number", source=source, page=page, masked=_mask_id(digits)))
            id_spans.append((start, end))
    for match in _PHONE_CANDIDATE.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group())
        overlaps_id = any(start < match.end() and match.start() < end for start, end in id_spans)
        mobile = len(digits) == 10 and digits[1] in "689"
        landline = len(digits) == 9 and digits[1] in "234567"
        if (mobile or landline) and not overlaps_id:
            findings.append(Finding(kind="phone", source=source, page=page, masked=_mask_phone(digits)))
    for match in _EMAIL.finditer(text):
        findings.append(Finding(kind="email", source=source, page=page, masked=_mask_email(match.group())))
    return findings


# How people write one ID number: all 13 together, the card's 1-4-5-2-1 grouping, or one digit
# per box. Any other grouping joined by long or unusual separators is more likely several
# numbers side by side in a table (amounts, counts, page numbers) than one ID.
_ID_GROUPINGS = {(13,), (1, 4, 5, 2, 1), (1,) * 13}
_SHORT_SEP = re.compile(r"[ \t\u00a0\-\u2010-\u2013]{1,3}")
_WRAP = re.compile(r"[ \t\u00a0]*\n[ \t\u00a0]*")


def _written_like_one_number(candidate: str) -> bool:
    """True when the separators inside a 13-digit *candidate* read as one number's.

    Up to three spaces or dashes between any digits always do (forms and hand-typed lists group
    digits freely). Longer or other runs (dots, many spaces, line breaks) do when the groups
    they make are an ID's own. One line break with only spaces around it may also be a wrapped
    line inside a group; more than one is a column of separate numbers unless the groups are an
    ID's (one digit per line or cell, as a form's boxes export).
    """
    separators = re.findall(r"[^0-9]+", candidate)
    if all(_SHORT_SEP.fullmatch(sep) for sep in separators):
        return True
    if _groups(candidate) in _ID_GROUPINGS - {(13,)}:
        return True
    wraps = _WRAP.findall(candidate)
    return len(wraps) == 1 and _groups(_WRAP.sub("", candidate)) in _ID_GROUPINGS


def _groups(candidate: str) -> tuple[int, ...]:
    return tuple(len(g) for g in re.split(r"[^0-9]+", candidate) if g)


def _normalise(text: str) -> str:
    """*text* as the patterns read it: NFKC (full-width digits become digits), invisible
    characters gone, Thai digits Arabic."""
    return to_arabic_digits(unicodedata.normalize("NFKC", text).translate(_INVISIBLE))


def scan_file(path: Path | str, source: str | None = None) -> list[Finding]:
    """Scan one file: PDF per page, DOCX, XLSX per sheet, PPTX per slide, or plain text.

    Archives (zip, rar) and PDF pages without a text layer (scans) cannot be checked; they give
    a ``not_scanned`` warning so a person knows to look. Images are not checked.

    Args:
        path: the file.
        source: name to report it under; the file name by default.

    Raises:
        AttachmentError: the file cannot be read, or is a corrupt or password-protected document.
    """
    path = Path(path)
    source = source or path.name
    file_type = sniff_type(path)
    if file_type in ("jpg", "png"):
        return []
    if file_type in ("zip", "rar"):
        return [Finding(kind="not_scanned", source=source, note=f"({file_type} archive: check its files by hand)")]
    if file_type is None and path.suffix.lower() not in TEXT_EXTENSIONS:
        return [Finding(kind="not_scanned", source=source, note="(unknown file type)")]
    try:
        pages = _EXTRACTORS.get(file_type or "", _plain_text)(path)
        findings: list[Finding] = []
        blank_pages = []
        for page, text in pages:
            if file_type == "pdf" and not text.strip():
                blank_pages.append(str(page))
            findings.extend(scan_text(text, source, page))
    except AttachmentError:
        raise
    except Exception as exc:  # noqa: BLE001
        # Fail closed on anything a parser throws, and give only the exception's type: parser
        # messages can quote the document, and so the very number this guard must not print.
        raise AttachmentError(f"{source}: cannot be read to check for ID numbers ({type(exc).__name__})") from None
    if blank_pages:
        note = f"(no text layer on page(s) {', '.join(blank_pages)}: scanned images must be checked by hand)"
        findings.append(Finding(kind="not_scanned", source=source, note=note))
    return findings


def scan_fields(request: PublicationRequest) -> list[Finding]:
    """Scan every text *request* carries (its files' contents left out), each named by its field.

    File names and titles included: any of it can end up on the site (a title, a document number
    in the body, an attachment's name in its URL).

    Args:
        request: the request.
    """
    findings: list[Finding] = []
    for field, value in _texts(request.model_dump(mode="json")):
        findings.extend(scan_text(value, field))
    return findings


def scan_request(request: PublicationRequest, base_dir: Path | str) -> ScanResult:
    """Scan everything *request* would publish: its text fields and its attachments.

    Args:
        request: the request.
        base_dir: the folder its attachment paths are relative to.

    Raises:
        AttachmentError: an attachment is missing, outside *base_dir*, or unreadable.
    """
    findings = scan_fields(request)
    for ref in request.attachments:
        path = resolve_attachment(base_dir, ref.path)
        if not path.is_file():
            raise AttachmentError(f"{ref.path}: attachment not found in {Path(base_dir)}")
        findings.extend(scan_file(path, source=ref.path))
    return ScanResult(findings=tuple(findings))


def _texts(data: object, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        yield where, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _texts(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from _texts(value, f"{where}[{index}]")


# --- text extraction: each yields (page, text) -----------------------------------------------


def _pdf_pages(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("rb") as fh:
        reader = PdfReader(fh)
        if reader.is_encrypted and not reader.decrypt(""):
            raise AttachmentError(f"{path.name}: the PDF is password-protected and cannot be checked")
        for number, page in enumerate(reader.pages, 1):
            yield number, page.extract_text() or ""


def _plain_text(path: Path) -> Iterator[tuple[None, str]]:
    raw = path.read_bytes()
    try:
        yield None, raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Thai Windows programs (and older Excel CSV exports) write TIS-620 / cp874.
        yield None, raw.decode("cp874", errors="replace")


def _read_xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    if archive.getinfo(name).file_size > _MAX_XML_BYTES:
        raise AttachmentError(f"{name} inside the file is too large to check ({_MAX_XML_BYTES} bytes at most)")
    return ElementTree.fromstring(archive.read(name))


def _docx_text(path: Path) -> Iterator[tuple[None, str]]:
    with zipfile.ZipFile(path) as archive:
        for name in sorted(n for n in archive.namelist() if _DOCX_PARTS.fullmatch(n)):
            paragraphs = []
            for paragraph in _read_xml(archive, name).iter(f"{_W}p"):
                # Word splits a number over several runs (w:t) freely; a paragraph is one line.
                pieces = [n for n in paragraph.iter() if n.tag == f"{_W}t" or n.tag in _BREAKS]
                paragraphs.append("".join((n.text or "") if n.tag == f"{_W}t" else _BREAKS[n.tag] for n in pieces))
            yield None, "\n".join(paragraphs)


def _xlsx_sheets(path: Path) -> Iterator[tuple[str, str]]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            root = _read_xml(archive, "xl/sharedStrings.xml")
            shared = ["".join(t.text or "" for t in si.iter(f"{_S}t")) for si in root.iter(f"{_S}si")]
        targets = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for rel in _read_xml(archive, "xl/_rels/workbook.xml.rels").iter(f"{_PKG_REL}Relationship"):
                target = rel.get("Target", "")
                targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        for sheet in _read_xml(archive, "xl/workbook.xml").iter(f"{_S}sheet"):
            part = str(PurePosixPath(targets.get(sheet.get(f"{_REL}id"), "")))
            if part in names:
                yield sheet.get("name", part), "\n".join(_cell_texts(_read_xml(archive, part), shared))


def _cell_texts(sheet: ElementTree.Element, shared: list[str]) -> Iterator[str]:
    for cell in sheet.iter(f"{_S}c"):
        kind = cell.get("t", "n")
        value = cell.find(f"{_S}v")
        if kind == "inlineStr":
            yield "".join(t.text or "" for t in cell.iter(f"{_S}t"))
        elif value is None or value.text is None:
            continue
        elif kind == "s":
            index = int(value.text)
            yield shared[index] if 0 <= index < len(shared) else ""
        elif kind == "n":
            yield _number_text(value.text)
        else:
            yield value.text


def _number_text(raw: str) -> str:
    # Excel keeps a 13-digit ID typed into a number cell as "1101700203451" or "1.101700203451E+12".
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw
    return str(int(number)) if number == number.to_integral_value() else raw


def _pptx_slides(path: Path) -> Iterator[tuple[int, str]]:
    slide = re.compile(r"ppt/slides/slide(\d+)\.xml")
    with zipfile.ZipFile(path) as archive:
        numbered = sorted((int(m.group(1)), m.group()) for n in archive.namelist() if (m := slide.fullmatch(n)))
        for number, name in numbered:
            paragraphs = _read_xml(archive, name).iter(f"{_A}p")
            lines = ["".join(t.text or "" for t in p.iter(f"{_A}t")) for p in paragraphs]
            yield number, "\n".join(lines)


_EXTRACTORS: dict[str, Callable[[Path], Iterator[tuple[int | str | None, str]]]] = {
    "pdf": _pdf_pages,
    "docx": _docx_text,
    "xlsx": _xlsx_sheets,
    "pptx": _pptx_slides,
}
