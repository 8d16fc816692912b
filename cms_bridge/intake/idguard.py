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
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_serializer, field_validator

from cms_bridge.messages import say
from cms_bridge.errors import AttachmentError
from cms_bridge.intake import extract
from cms_bridge.intake.attachments import resolve_attachment, sniff_type
from cms_bridge.intake.extract import TEXT_EXTENSIONS
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.thaidate import to_arabic_digits

__all__ = [
    "mask_id_numbers",
    "SCANNER_VERSION",
    "TEXT_EXTENSIONS",
    "Finding",
    "ScanResult",
    "is_valid_id_number",
    "scan_fields",
    "scan_file",
    "scan_request",
    "scan_text",
]

# Bumped whenever what the scanner reads or how it matches changes, so results stored under
# (sha256 of the file, SCANNER_VERSION) are read again by a newer scanner and never trusted stale.
# 1: page text, DOCX body/headers/footers/notes/comments, XLSX cells, PPTX slides.
# 2: every part that can carry text (cms_bridge.intake.extract), caps, pictures reported.
# 3: pictures and scanned pages read by OCR (cms_bridge.intake.ocr); near misses reported;
#    IDs grouped with minus signs, middle dots, bullets, commas, bars or colons.
# 4: a page with a picture and only a little text (a stamped scan) is read by OCR too.
SCANNER_VERSION = 4

FindingKind = Literal["id_number", "possible_id_number", "phone", "email", "not_scanned"]

_DIGIT = "[0-9]"  # Thai digits are made Arabic first (see _normalise).
# Between two digits of one number: any run of spaces (line breaks included: a PDF wraps a
# number, a form prints one digit per box or cell), dots, dashes, underscores or slashes; and the
# other marks people group an ID with: the minus sign, middle dots and bullets, commas, bars and
# colons. Anything but spaces and dashes counts only where the groups are an ID's own (see
# _written_like_one_number), so "1,234,567" and tables of amounts stay what they are.
_SEP = r"[\s\u00a0.\-\u2010-\u2015_/\u2212\u00b7\u2022\u2219\u30fb,|:]*"
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
        part: where in the page or file, when not its own text: ``annotation``, ``footer``,
            ``comment B4``, ``notes``, ``embedded file 'a.docx' footer`` ...; ``None`` otherwise.
        masked: the value with most digits hidden, e.g. ``1-2345-xxxxx-xx-3``; never the whole.
        note: why a file could not be checked, for ``not_scanned``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FindingKind
    source: str
    page: int | str | None = None
    part: str | None = None
    masked: str | None = None
    note: str | None = None

    @property
    def blocks(self) -> bool:
        """True for a national ID number."""
        return self.kind == "id_number"

    @field_validator("part")
    @classmethod
    def _masked_part(cls, value: str | None) -> str | None:
        # A part (a sheet, an embedded file) named with an ID number is named masked.
        return mask_id_numbers(value) if value else value

    @field_serializer("source")
    def _masked_source(self, value: str) -> str:
        # The source stays whole in memory, so a hand check is matched to exactly the file it
        # names (two files whose names mask alike are two files); every output masks it.
        return mask_id_numbers(value)

    @property
    def message(self) -> str:
        """One line for people: where, what, and the masked value."""
        where = mask_id_numbers(self.source)
        if self.page is not None:
            where += f", sheet {self.page}" if isinstance(self.page, str) else f", page {self.page}"
        if self.part is not None:
            where += f", {self.part}"
        detail = self.masked if self.masked is not None else self.note
        return say("id.finding", where=where, what=say(f"id.{self.kind}"), detail=f" {detail}" if detail else "")

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

    def unread(self, request: PublicationRequest) -> tuple[Finding, ...]:
        """The parts the scan could not read in files no person has checked by hand.

        Args:
            request: the request the scan was made for (its ``checked_by_hand`` list).
        """
        checked = {check.path for check in request.checked_by_hand}
        return tuple(f for f in self.findings if f.kind in ("not_scanned", "possible_id_number")
                     and f.source not in checked)

    def blocks(self, request: PublicationRequest) -> bool:
        """Return True when *request* may not be published as scanned: an ID number it does
        not acknowledge, or a part the scan could not read in a file nobody checked by hand.

        Args:
            request: the request the scan was made for.
        """
        return (bool(self.id_numbers) and request.id_number_acknowledgement is None) or bool(self.unread(request))

    def messages(self) -> list[str]:
        """One line per finding, blocking ones first."""
        return [f.message for f in (*self.id_numbers, *self.warnings)]


def scan_text(text: str, source: str, page: int | str | None = None, part: str | None = None, *,
              near_misses: bool = False) -> list[Finding]:
    """Find ID numbers, phone numbers and e-mail addresses in *text*.

    Args:
        text: any text; Thai digits count as digits.
        source: what to call the text's origin in findings.
        page: the page, sheet or slide it came from, if any.
        part: the part of the page or file it came from (``footer``, ``comment B4``), if any.
        near_misses: also report 13 digits written like an ID whose check digit fails, as a
            ``possible_id_number`` (for text read by OCR, where one digit may be misread).
    """
    text = _normalise(text)
    findings: list[Finding] = []
    id_spans: list[tuple[int, int]] = []
    for match in _ID_CANDIDATE.finditer(text):
        start, end = match.span(1)
        digits = re.sub(r"[^0-9]", "", match.group(1))
        if not _written_like_one_number(match.group(1)) or any(start < e and s < end for s, e in id_spans):
            continue
        if is_valid_id_number(digits):
            findings.append(Finding(kind="id_number", source=source, page=page, part=part, masked=_mask_id(digits)))
            id_spans.append((start, end))
        elif near_misses and digits[0] in "12345678":
            # An ID starts with 1-8 (the person's category); a misread digit leaves that.
            findings.append(Finding(kind="possible_id_number", source=source, page=page, part=part,
                                    masked=_mask_id(digits)))
            id_spans.append((start, end))
    for match in _PHONE_CANDIDATE.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group())
        overlaps_id = any(start < match.end() and match.start() < end for start, end in id_spans)
        mobile = len(digits) == 10 and digits[1] in "689"
        landline = len(digits) == 9 and digits[1] in "234567"
        if (mobile or landline) and not overlaps_id:
            findings.append(Finding(kind="phone", source=source, page=page, part=part, masked=_mask_phone(digits)))
    for match in _EMAIL.finditer(text):
        findings.append(Finding(kind="email", source=source, page=page, part=part, masked=_mask_email(match.group())))
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
    """Scan one file: every part of a PDF, DOCX, XLSX or PPTX that can carry text, or plain text.

    What is read is listed in :mod:`cms_bridge.intake.extract` and docs/security.md. What cannot
    be read gives a ``not_scanned`` warning so a person knows to look: archives (zip, rar),
    pictures (jpg, png, and pictures inside documents), PDF pages without a text layer (scans),
    embedded files of unknown types.

    The findings depend only on the file's bytes (its name's extension too, for plain text) and
    on *source*, which they merely carry: a caller may keep them under (sha256 of the bytes,
    :data:`SCANNER_VERSION`) and give them another source with ``model_copy``.

    Args:
        path: the file.
        source: name to report it under; the file name by default.

    Raises:
        AttachmentError: the file cannot be read, is a corrupt or password-protected document,
            or is over one of the caps of :data:`cms_bridge.intake.extract.LIMITS` (too large,
            too many parts, too deeply embedded): it is refused, never passed unread.
    """
    path = Path(path)
    source = source or path.name
    file_type = sniff_type(path)
    if file_type in ("zip", "rar"):
        return [Finding(kind="not_scanned", source=source, note=f"({file_type} archive: check its files by hand)")]
    # A kept copy is named by its digest: the name it is reported under tells a text file.
    suffix = (path.suffix or PurePosixPath(source).suffix).lower()
    if file_type is None and suffix not in TEXT_EXTENSIONS:
        return [Finding(kind="not_scanned", source=source, note="(unknown file type)")]
    try:
        if file_type in ("jpg", "png"):
            items = list(extract.picture(path.read_bytes(), None, None, extract.Budget(source)))
        else:
            with path.open("rb") as stream:
                items = list(extract.extract(stream, file_type, extract.Budget(source)))
        return _findings(items, source)
    except AttachmentError as exc:
        # A cap's message names the zip member or embedded file, whose name may hold a number.
        raise AttachmentError(mask_id_numbers(str(exc))) from None
    except Exception as exc:  # noqa: BLE001
        # Fail closed on anything a parser throws, and give only the exception's type: parser
        # messages can quote the document, and so the very number this guard must not print.
        raise AttachmentError(f"{source}: cannot be read to check for ID numbers ({type(exc).__name__})") from None


def _findings(items: list[extract.Piece | extract.Unread], source: str) -> list[Finding]:
    """Scan every piece; a shadow piece only adds numbers its page does not hold already."""
    findings: list[Finding] = []
    seen: set[tuple[int | str | None, str, str | None]] = set()
    plain = [i for i in items if isinstance(i, extract.Piece) and not i.shadow]
    shadows = [i for i in items if isinstance(i, extract.Piece) and i.shadow]
    for piece in (*plain, *shadows):
        page = mask_id_numbers(piece.page) if isinstance(piece.page, str) else piece.page
        part = mask_id_numbers(piece.part) if piece.part else piece.part
        for finding in scan_text(piece.text, source, page, part, near_misses=piece.ocr):
            key = (finding.page, finding.kind, finding.masked)
            if not piece.shadow or key not in seen:
                findings.append(finding)
            seen.add(key)
    findings.extend(Finding(kind="not_scanned", source=source, page=i.page, part=mask_id_numbers(i.part) if i.part else None,
                            note=i.note) for i in items if isinstance(i, extract.Unread))
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


def mask_id_numbers(name: str) -> str:
    """Return *name* with every national ID number in it masked (``1-1017-xxxxx-xx-0``).

    For every text a message shows that the scan did not write itself: a sheet's or embedded
    file's name, an attachment's path, a parser's error. A file called after a student must not
    print the number.

    Args:
        name: any text.
    """
    text = _normalise(name)
    out, last = [], 0
    for match in _ID_CANDIDATE.finditer(text):
        start, end = match.span(1)
        digits = re.sub(r"[^0-9]", "", match.group(1))
        if start >= last and is_valid_id_number(digits):
            out.append(text[last:start] + _mask_id(digits))
            last = end
    return "".join(out) + text[last:] if out else name


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
