"""Text extraction for the ID guard: every part of a document that can carry text, within caps.

A national ID number hidden where a reader of the page does not look first (a PDF bookmark, a
Word comment or tracked deletion, a spreadsheet cell comment, a slide's speaker notes, a file
embedded in a PDF) is published all the same: the whole file goes to the site. So each extractor
yields every such part as a :class:`Piece` naming where it is, and :mod:`cms_bridge.intake.idguard`
runs each piece through the same ``scan_text``. What cannot be read (a picture, a page without a
text layer, an embedded file of an unknown type) is an :class:`Unread`, reported as "not checked".

Reading is bounded by :data:`LIMITS`, shared by a file and everything embedded in it: a zip bomb
or a PDF with endless objects must neither hang the inbox nor pass unread. When a cap is hit the
file is refused with an :class:`~cms_bridge.errors.AttachmentError` naming the file and the cap
(fail closed: the request is not published, as with a corrupt file), never skipped silently.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import IO, Any, NoReturn
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from cms_bridge.errors import AttachmentError
from cms_bridge.intake import ocr
from cms_bridge.thaidate import to_arabic_digits

__all__ = ["LIMITS", "TEXT_EXTENSIONS", "Budget", "Limits", "Piece", "Unread", "extract", "sniff_bytes"]

TEXT_EXTENSIONS = frozenset({".txt", ".csv", ".tsv", ".md", ".html", ".htm"})
#: A page with a picture and fewer non-space characters of text than this is read by OCR too:
#: a scanned page with a stamped line (a footer, a receipt number) hides its content from the
#: text layer.
SHORT_TEXT_CHARS = 200


@dataclass(frozen=True)
class Limits:
    """How much of one file (with everything embedded in it) is read before it is refused.

    Attributes:
        member_bytes: one zip member or PDF stream, decompressed.
        total_bytes: all zip members and embedded files read, decompressed, together.
        parts: zip members and embedded files read.
        pdf_objects: PDF pages, annotations, form fields, bookmarks and file specifications visited.
        depth: files inside files (a DOCX in a PDF is depth 1, a PDF inside that DOCX 2).
    """

    member_bytes: int = 64 * 1024 * 1024
    total_bytes: int = 256 * 1024 * 1024
    parts: int = 5_000
    pdf_objects: int = 100_000
    depth: int = 3


LIMITS = Limits()


@dataclass(frozen=True)
class Piece:
    """One text of a file, and where it is.

    Attributes:
        page: PDF page or PPTX slide number, XLSX sheet name; ``None`` for the whole file.
        part: the part of the page or file, e.g. ``annotation``, ``footer``, ``comment B4``;
            ``None`` for the page's (or document's) own text.
        text: the text.
        shadow: the text repeats what the page shows in another form (a table row joined, a
            formula behind its value, the text before tracked changes); only numbers the page's
            other pieces do not hold are reported from it, so none is reported twice.
    """

    page: int | str | None
    part: str | None
    text: str
    shadow: bool = False
    #: Read by OCR from a picture or a scanned page: a digit may be misread, so a 13-digit
    #: number whose check digit fails is still worth a person's look.
    ocr: bool = False


@dataclass(frozen=True)
class Unread:
    """A part that could not be read for ID numbers, and why (reported as ``not_scanned``)."""

    page: int | str | None
    part: str | None
    note: str


Item = Piece | Unread


class Budget:
    """What is left of :data:`LIMITS` while one file is read; refuses the file when it runs out."""

    def __init__(self, source: str, limits: Limits | None = None) -> None:
        self.source = source
        self.limits = limits or LIMITS
        self.parts = 0
        self.bytes = 0
        self.objects = 0
        self.ocr_pages = 0

    def refuse(self, why: str) -> NoReturn:
        """Raise the error that stops the file: *why* names the cap, never document text."""
        raise AttachmentError(f"{self.source}: too large or deep to check for ID numbers: {why}; "
                              "it is not published until it is made smaller or split")

    def take_part(self) -> None:
        self.parts += 1
        if self.parts > self.limits.parts:
            self.refuse(f"more than {self.limits.parts:,} parts and embedded files (parts cap)")

    def take_bytes(self, size: int, what: str) -> int:
        """Account for *size* decompressed bytes of *what*; return how many may still be read."""
        if size > self.limits.member_bytes:
            self.refuse(f"{what} unpacks to {size:,} bytes, more than {self.limits.member_bytes:,} (part size cap)")
        if self.bytes + size > self.limits.total_bytes:
            self.refuse(f"more than {self.limits.total_bytes:,} bytes unpacked in all (total size cap)")
        self.bytes += size
        return min(self.limits.member_bytes, self.limits.total_bytes - self.bytes + size)

    def take_ocr_page(self) -> bool:
        """Account for one picture or page read by OCR; False once :data:`ocr.MAX_PAGES` were."""
        self.ocr_pages += 1
        return self.ocr_pages <= ocr.MAX_PAGES

    def take_object(self) -> None:
        self.objects += 1
        if self.objects > self.limits.pdf_objects:
            self.refuse(f"more than {self.limits.pdf_objects:,} PDF objects (PDF object cap)")


def sniff_bytes(head: bytes, names: set[str] | None = None) -> str | None:
    """The type of a file told by its first bytes (and, for a zip, the names of its members).

    Mirrors :func:`cms_bridge.intake.attachments.sniff_type` for files held in memory (embedded).
    """
    for magic, file_type in _MAGIC:
        if head.startswith(magic):
            if file_type == "zip" and names is not None:
                return next((office for part, office in _OFFICE_PARTS if part in names), "zip")
            return file_type
    return None


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
_OFFICE_PARTS = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("ppt/presentation.xml", "pptx"))


def extract(stream: IO[bytes], file_type: str | None, budget: Budget, depth: int = 0) -> Iterator[Item]:
    """Every piece of text in a file of *file_type* (``None``: plain text), and what is unread.

    Args:
        stream: the file's bytes, seekable.
        file_type: ``pdf``, ``docx``, ``xlsx``, ``pptx``, or ``None`` for plain text.
        budget: the caps left for the file this one is (or is inside of).
        depth: how many files this one is inside of.

    Raises:
        AttachmentError: a cap was hit, or the PDF is password-protected.
    """
    if depth > budget.limits.depth:
        budget.refuse(f"files embedded more than {budget.limits.depth} deep (embedding depth cap)")
    if file_type == "pdf":
        yield from _pdf(stream, budget, depth)
    elif file_type in ("docx", "xlsx", "pptx"):
        with zipfile.ZipFile(stream) as archive:
            yield from _Package(archive, budget, depth).items(file_type)
    else:
        yield Piece(None, None, decode_text(stream.read()))


def decode_text(raw: bytes) -> str:
    """Plain text as UTF-8, or TIS-620 / cp874 as Thai Windows programs (and Excel CSV) write it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp874", errors="replace")


def _embedded(name: str, data: bytes, budget: Budget, depth: int) -> Iterator[Item]:
    """The pieces of a file found inside another, named ``embedded file 'name' ...``."""
    label = f"embedded file '{name}'"
    names: set[str] | None = None
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
    file_type = sniff_bytes(data[:16], names)
    if file_type is None and PurePosixPath(name.lower()).suffix in TEXT_EXTENSIONS:
        file_type = "text"
    if file_type in ("jpg", "png"):
        yield from picture(data, None, label, budget)
        return
    if file_type not in ("pdf", "docx", "xlsx", "pptx", "text"):
        yield Unread(None, label, f"({file_type or 'unknown type'}: cannot be read, check it by hand)")
        return
    for item in extract(io.BytesIO(data), None if file_type == "text" else file_type, budget, depth + 1):
        where = label
        if item.page is not None:
            where += f" sheet {item.page}" if isinstance(item.page, str) else f" page {item.page}"
        yield replace(item, page=None, part=f"{where} {item.part}" if item.part else where)


# --- PDF ------------------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]*>")


def _pdf(stream: IO[bytes], budget: Budget, depth: int) -> Iterator[Item]:
    reader = PdfReader(stream)
    if reader.is_encrypted and not reader.decrypt(""):
        raise AttachmentError(f"{budget.source}: the PDF is password-protected and cannot be checked")
    pdf = _PdfWalk(reader, budget, depth)
    yield from pdf.metadata()
    widgets: list[tuple[int, Any]] = []
    scanned: list[int] = []
    stamped: set[int] = set()
    for number, page in enumerate(reader.pages, 1):
        budget.take_object()
        text = page.extract_text() or ""
        if text.strip():
            yield Piece(number, None, text)
            # A scan with a line of text stamped on it (a scanner app's footer, a document
            # system's receipt number) has a text layer, but what it shows is the picture.
            if len("".join(text.split())) < SHORT_TEXT_CHARS and _has_picture(page):
                scanned.append(number)
                stamped.add(number)
        else:
            scanned.append(number)
        yield from pdf.annotations(number, page, widgets)
    yield from _scanned_pages(stream, scanned, budget, stamped)
    yield from pdf.form_fields(widgets)
    yield from pdf.bookmarks()
    yield from pdf.embedded_files()


def _has_picture(page: Any) -> bool:
    """True when the page draws a picture (an image XObject, directly or in a form on it)."""
    try:
        resources = _resolve(page.get("/Resources"))
        todo: list[Any] = [_resolve(resources.get("/XObject")) if resources is not None else None]
        for _ in range(8):  # forms inside forms: a few levels are enough, never a loop
            found: list[Any] = []
            for xobjects in todo:
                if not hasattr(xobjects, "values"):
                    continue
                for ref in xobjects.values():
                    obj = _resolve(ref)
                    subtype = obj.get("/Subtype") if hasattr(obj, "get") else None
                    if subtype == "/Image":
                        return True
                    if subtype == "/Form":
                        inner = _resolve(obj.get("/Resources"))
                        if inner is not None:
                            found.append(_resolve(inner.get("/XObject")))
            if not found:
                return False
            todo = found
    except Exception:  # noqa: BLE001 - a malformed resource tree: treat the page as a scan
        return True
    return False


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _scanned_pages(stream: IO[bytes], numbers: list[int], budget: Budget,
                   stamped: set[int] | frozenset[int] = frozenset()) -> Iterator[Item]:
    """Pages read by OCR where it is installed, within the caps: those with no text layer
    (scans), and the *stamped* ones (a picture under a few words of text)."""
    if not numbers:
        return
    if not ocr.available():
        for number in numbers:
            yield Unread(number, None, "(no text layer: a scanned image, and OCR is not installed; check it by hand)")
        return
    allowed = [n for n in numbers if budget.take_ocr_page()]
    for number in numbers[len(allowed):]:
        yield Unread(number, None, f"(no text layer, past the {ocr.MAX_PAGES} pages OCR reads in one file; "
                                   "check it by hand)")
    try:
        for number, result in ocr.read_pdf_pages(stream, allowed):
            if isinstance(result, ocr.OcrError):
                yield Unread(number, None, f"(no text layer, and OCR could not read it: {result}; check it by hand)")
            elif not result and number in stamped:
                continue  # its text layer was read: a picture with no text on it is a picture
            elif not result:
                # A scanned page is a document page: no text read from it at all more likely
                # means a faint or skewed scan than a blank page.
                yield Unread(number, None, "(no text layer, and OCR read no text on it: check it by hand)")
            else:
                yield from _ocr_pieces(result, number, None)
    except ocr.OcrError as exc:
        for number in allowed:
            yield Unread(number, None, f"(no text layer, and OCR could not read it: {exc}; check it by hand)")


def picture(data: bytes, page: int | str | None, label: str | None, budget: Budget) -> Iterator[Item]:
    """A picture (JPEG or PNG) read by OCR where it is installed, within the caps.

    Args:
        data: the picture's bytes.
        page: the page, sheet or slide it is on, if any.
        label: the part it is (``picture media/image1.png``, ``embedded file 'x.jpg'``), or
            ``None`` for a picture that is the whole file.
        budget: the caps left for the file.
    """
    # Text a picture carries but does not show: WordPress copies its IPTC headline and caption
    # into the media library, and every download keeps it.
    if text := picture_metadata(data):
        yield Piece(page, f"{label}, metadata" if label else "metadata", text)
    if not ocr.available():
        yield Unread(page, label, "(a picture, and OCR is not installed: check it by hand)")
        return
    if not budget.take_ocr_page():
        yield Unread(page, label, f"(a picture past the {ocr.MAX_PAGES} OCR reads in one file: check it by hand)")
        return
    try:
        lines = ocr.read_image(data)
    except ocr.OcrError as exc:
        yield Unread(page, label, f"(a picture OCR could not read: {exc}; check it by hand)")
        return
    yield from _ocr_pieces(lines, page, label)


def picture_metadata(data: bytes) -> str:
    """The text fields of a JPEG's or PNG's metadata (EXIF, IPTC, XMP, PNG text chunks), one a
    line; empty when there are none or the picture cannot be opened."""
    from PIL import Image, IptcImagePlugin, UnidentifiedImageError

    texts: list[str] = []
    try:
        with Image.open(io.BytesIO(data)) as picture:
            for value in picture.getexif().values():
                if isinstance(value, bytes):
                    value = value.decode("utf-16-le" if value[1:2] == b"\0" else "utf-8", errors="replace")
                if isinstance(value, str):
                    texts.append(value)
            for value in (IptcImagePlugin.getiptcinfo(picture) or {}).values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, bytes):
                        texts.append(item.decode("utf-8", errors="replace"))
            for key, value in picture.info.items():
                if isinstance(value, bytes) and key in ("xmp", "XML:com.adobe.xmp"):
                    value = value.decode("utf-8", errors="replace")
                if isinstance(value, str):
                    texts.append(_TAGS.sub("\n", value))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return ""
    return "\n".join(t.strip("\0 \n") for t in texts if t.strip("\0 \n"))


def _ocr_pieces(lines: list[ocr.OcrLine], page: int | str | None, label: str | None) -> Iterator[Piece]:
    # Each line on its own, so a finding says where it is; and the whole text as a shadow, for a
    # number the lines split (one digit per box of a form), reported only when no line held it.
    for line in lines:
        yield Piece(page, f"{label}, {line.position}" if label else line.position, line.text, ocr=True)
    if lines:
        yield Piece(page, f"{label}, OCR" if label else "OCR", "\n".join(line.text for line in lines),
                    shadow=True, ocr=True)


def _get(obj: Any, key: str) -> Any:
    """``obj[key]`` resolved, or ``None``: pypdf's ``get`` leaves indirect references as they are."""
    value = obj.get(key)
    return value.get_object() if isinstance(value, IndirectObject) else value


class _PdfWalk:
    """Reads a PDF's objects beyond the pages' text, each visited once per walk and counted."""

    def __init__(self, reader: PdfReader, budget: Budget, depth: int) -> None:
        self.reader = reader
        self.budget = budget
        self.depth = depth
        self.root: Any = reader.trailer["/Root"].get_object()
        self.fields: set[int] = set()

    def visit(self, ref: Any, seen: set[int]) -> Any:
        """The object *ref* points to, or ``None`` when this walk visited it already: outlines and
        field trees can loop, and a loop must cost one visit, not hang."""
        obj = ref.get_object() if isinstance(ref, IndirectObject) else ref
        key = ref.idnum if isinstance(ref, IndirectObject) else id(obj)
        if obj is None or key in seen:
            return None
        seen.add(key)
        self.budget.take_object()
        return obj

    def text(self, value: Any) -> str:
        """Any PDF value as text: strings, names, arrays, and streams (rich text) decoded."""
        value = value.get_object() if isinstance(value, IndirectObject) else value
        if value is None:
            return ""
        if hasattr(value, "get_data"):
            return _TAGS.sub("\n", decode_text(self.data(value, "a PDF stream")))
        if isinstance(value, list):
            return "\n".join(self.text(v) for v in value)
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return str(value)

    def data(self, stream: Any, what: str) -> bytes:
        # pypdf stops any one stream at 75 MB decoded; the budget also bounds them together.
        data: bytes = stream.get_data()
        self.budget.take_bytes(len(data), what)
        return data

    def texts(self, obj: Any, keys: tuple[str, ...]) -> str:
        # dict.fromkeys: a file name is kept twice (/F and /UF), a field's name often as /T and /TU.
        return "\n".join(dict.fromkeys(t for key in keys if key in obj and (t := self.text(obj[key]))))

    def metadata(self) -> Iterator[Item]:
        info = self.reader.trailer.get("/Info")
        info = self.visit(info, set()) if info is not None else None
        if isinstance(info, DictionaryObject):
            # Keys too: a producer may store data under a custom key's name.
            yield Piece(None, "metadata", "\n".join(f"{k}\n{self.text(v)}" for k, v in info.items()))
        if "/Metadata" in self.root and (xmp := self.visit(self.root.raw_get("/Metadata"), set())) is not None:
            # XMP keeps values in elements and in attributes, so tags and quotes only separate.
            yield Piece(None, "XMP metadata", re.sub(r'[<>="]', "\n", decode_text(self.data(xmp, "XMP metadata"))))

    def annotations(self, number: int, page: Any, widgets: list[tuple[int, Any]]) -> Iterator[Item]:
        seen: set[int] = set()
        for ref in _get(page, "/Annots") or []:
            annot = self.visit(ref, seen)
            if not isinstance(annot, DictionaryObject):
                continue
            if _get(annot, "/Subtype") == "/Widget":
                widgets.append((number, ref))  # a form field's box: read with the form
                continue
            text = self.texts(annot, ("/Contents", "/T", "/Subj", "/RC", "/NM"))
            action = _get(annot, "/A")
            if isinstance(action, DictionaryObject) and "/URI" in action:
                text += "\n" + self.text(action["/URI"])
            yield Piece(number, "annotation", text)
            if _get(annot, "/Subtype") == "/FileAttachment" and "/FS" in annot:
                yield from self.file_spec(annot.raw_get("/FS"), page=number)

    def form_fields(self, widgets: list[tuple[int, Any]]) -> Iterator[Item]:
        form = _get(self.root, "/AcroForm")
        values: list[str] = []
        stack = list(reversed(_get(form, "/Fields") or [])) if isinstance(form, DictionaryObject) else []
        while stack:
            field = self.visit(stack.pop(), self.fields)
            if not isinstance(field, DictionaryObject):
                continue
            values.append(self.texts(field, ("/T", "/TU", "/TM", "/V", "/DV", "/Opt")))
            stack.extend(reversed(_get(field, "/Kids") or []))
        if values:
            yield Piece(None, "form field", "\n".join(values))
        # A widget the form's tree does not reach still shows its value on the page.
        for number, ref in widgets:
            widget = self.visit(ref, self.fields)
            if isinstance(widget, DictionaryObject) and (text := self.texts(widget, ("/T", "/TU", "/V", "/DV", "/Contents"))):
                yield Piece(number, "form field", text)

    def bookmarks(self) -> Iterator[Item]:
        outlines = _get(self.root, "/Outlines")
        seen: set[int] = set()
        titles: list[str] = []
        stack = [outlines.raw_get("/First")] if isinstance(outlines, DictionaryObject) and "/First" in outlines else []
        while stack:
            item = self.visit(stack.pop(), seen)
            if not isinstance(item, DictionaryObject):
                continue
            titles.append(self.text(item.get("/Title")))
            stack.extend(item.raw_get(key) for key in ("/Next", "/First") if key in item)
        if titles:
            yield Piece(None, "bookmarks", "\n".join(titles))

    def embedded_files(self) -> Iterator[Item]:
        names = _get(self.root, "/Names")
        tree = names.get("/EmbeddedFiles") if isinstance(names, DictionaryObject) else None
        seen: set[int] = set()
        stack = [tree] if tree is not None else []
        while stack:
            node = self.visit(stack.pop(), seen)
            if not isinstance(node, DictionaryObject):
                continue
            stack.extend(_get(node, "/Kids") or [])
            pairs = list(_get(node, "/Names") or [])
            for spec in pairs[1::2]:
                yield from self.file_spec(spec)

    def file_spec(self, ref: Any, page: int | None = None) -> Iterator[Item]:
        spec = self.visit(ref, set())
        if not isinstance(spec, DictionaryObject):  # a bare file name
            yield Piece(page, "embedded file name", self.text(spec))
            return
        yield Piece(page, "embedded file name", self.texts(spec, ("/UF", "/F", "/Desc")))
        name = self.text(spec.get("/UF") or spec.get("/F") or "unnamed")
        streams = _get(spec, "/EF")
        stream = (_get(streams, "/UF") or _get(streams, "/F")) if isinstance(streams, DictionaryObject) else None
        if stream is None:
            return
        self.budget.take_part()
        for item in _embedded(name, self.data(stream, f"embedded file '{name}'"), self.budget, self.depth):
            yield replace(item, page=page) if page is not None else item


# --- Office Open XML (DOCX, XLSX, PPTX) -------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BREAKS = {f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n"}
_DOCX_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
_PROPERTIES = re.compile(r"docProps/(core|app|custom)\.xml")
# A cell or box holding one digit or a short group of an ID written across a row (the longest
# group of the printed 1-4-5-2-1 form has 5). Longer numbers in adjacent cells stay apart.
_DIGIT_GROUP = re.compile(r"\s*\d{1,5}\s*")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_MEDIA = re.compile(r".*\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|webp)", re.IGNORECASE)
# Binary parts that hold no one's text: printer set-up and fonts; and the preview a program
# draws of the first page (docProps/thumbnail), whose text is read from the page itself.
_NO_TEXT = re.compile(r".*(printerSettings\d*\.bin|\.odttf|\.fntdata|/fonts/[^/]*)|docProps/thumbnail\.\w+",
                      re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _all_text(root: ElementTree.Element) -> str:
    """Every element's text in a part, one per line (for parts read as a whole)."""
    return "\n".join(t for el in root.iter() for t in (el.text, el.tail) if t and t.strip())


def _alt_texts(root: ElementTree.Element) -> str:
    """Descriptions and titles of pictures and shapes (alt text), in any of the three formats."""
    # dict.fromkeys: Word repeats a picture's description on wp:docPr and pic:cNvPr.
    return "\n".join(dict.fromkeys(v for el in root.iter() if _local(el.tag) in ("docPr", "cNvPr")
                                   for v in (el.get("descr"), el.get("title")) if v))


def _row_runs(cells: list[str]) -> str:
    """The runs of two or more adjacent cells each holding a digit or short digit group, each run
    joined into one number (a form's boxes across a table row); runs kept apart by `` | ``."""
    runs: list[list[str]] = [[]]
    for cell in cells:
        cell = unicodedata.normalize("NFKC", _INVISIBLE.sub("", cell))
        if _DIGIT_GROUP.fullmatch(cell):
            runs[-1].append(to_arabic_digits(cell.strip()))
        elif cell.strip():
            runs.append([])
    return " | ".join("".join(run) for run in runs if len(run) > 1)


class _Package:
    """One Office Open XML zip: its members read within the budget, each at most once."""

    def __init__(self, archive: zipfile.ZipFile, budget: Budget, depth: int) -> None:
        self.archive = archive
        self.budget = budget
        self.depth = depth
        self.infos = {info.filename: info for info in archive.infolist()}
        self.done: set[str] = set()
        self.parsed: dict[str, ElementTree.Element] = {}

    def raw(self, name: str) -> bytes:
        """Member *name* decompressed, refusing it before reading when it claims to be too big and
        reading at most what the caps allow when its header lies (a zip bomb)."""
        self.done.add(name)
        info = self.infos[name]
        self.budget.take_part()
        allowed = self.budget.take_bytes(info.file_size, name)
        with self.archive.open(info) as fh:
            data = fh.read(allowed + 1)
        if len(data) > allowed:
            self.budget.refuse(f"{name} unpacks to more than {allowed:,} bytes (part size cap)")
        self.budget.bytes += len(data) - info.file_size
        return data

    def xml(self, name: str) -> ElementTree.Element:
        if name not in self.parsed:
            data = self.raw(name)
            if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                # Office never writes a DTD; entity expansion is the XML form of a bomb.
                self.budget.refuse(f"{name} declares XML entities (entity expansion)")
            self.parsed[name] = ElementTree.fromstring(data)
        return self.parsed[name]

    def has(self, name: str) -> bool:
        return name in self.infos

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, member name) of *part*'s internal relationships."""
        folder, _, file = part.rpartition("/")
        rels_name = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
        if not self.has(rels_name):
            return {}
        out = {}
        for rel in self.xml(rels_name).iter(f"{_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else _join(folder, target)
            out[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], path)
        return out

    def items(self, file_type: str) -> Iterator[Item]:
        yield Piece(None, "part names", "\n".join(self.infos))
        reader = {"docx": self.docx, "xlsx": self.xlsx, "pptx": self.pptx}[file_type]
        yield from reader()
        for name in sorted(n for n in self.infos if _PROPERTIES.fullmatch(n)):
            yield Piece(None, f"{name.split('/')[1].removesuffix('.xml')} properties", _all_text(self.xml(name)))
        yield from self.rest()

    def rest(self) -> Iterator[Item]:
        """Everything not read above: links (hyperlink addresses), embedded files, pictures, and
        any other XML part (slide masters, glossary, custom XML, charts) read as a whole."""
        links = [rel.get("Target", "") for name in sorted(self.infos) if name.endswith(".rels")
                 for rel in self.xml(name).iter(f"{_PKG_REL}Relationship") if rel.get("TargetMode") == "External"]
        if links:
            yield Piece(None, "links", "\n".join(links))
        pictures = 0
        for name in sorted(set(self.infos) - self.done):
            if name.endswith("/") or name == "[Content_Types].xml" or _NO_TEXT.fullmatch(name):
                continue
            if name.endswith(".xml"):
                root = self.xml(name)
                if text := "\n".join(filter(None, (_all_text(root), _alt_texts(root)))):
                    yield Piece(None, f"part {name}", text)
            elif name.endswith(".vml"):
                # Legacy drawing markup (comment boxes, old text boxes), often not well-formed XML.
                text = _TAGS.sub("\n", decode_text(self.raw(name)))
                if text.strip():
                    yield Piece(None, f"part {name}", text)
            elif _MEDIA.fullmatch(name):
                data = self.raw(name)
                if sniff_bytes(data[:16]) in ("jpg", "png"):
                    yield from picture(data, None, f"picture {name}", self.budget)
                else:
                    pictures += 1  # drawings and other formats OCR does not take
            else:
                file_name = name.rpartition("/")[2]
                yield Piece(None, "embedded file name", file_name)
                yield from _embedded(file_name, self.raw(name), self.budget, self.depth)
        if pictures:
            yield Unread(None, "pictures", f"({pictures} picture(s) inside, of a kind OCR does not read "
                                           "(drawings, GIF, TIFF...): check them by hand)")

    # --- DOCX ---

    def docx(self) -> Iterator[Item]:
        for name in sorted(n for n in self.infos if _DOCX_PARTS.fullmatch(n)):
            stem = name.removeprefix("word/").removesuffix(".xml")
            yield from _word_part(self.xml(name), None if stem == "document" else re.sub(r"\d+$", "", stem))

    # --- XLSX ---

    def xlsx(self) -> Iterator[Item]:
        shared: list[str] = []
        if self.has("xl/sharedStrings.xml"):
            root = self.xml("xl/sharedStrings.xml")
            shared = ["".join(t.text or "" for t in si.iter(f"{_S}t")) for si in root.iter(f"{_S}si")]
        used: set[int] = set()
        workbook = self.xml("xl/workbook.xml")
        targets = self.rels("xl/workbook.xml")
        sheets = [(sheet.get("name", ""), targets.get(sheet.get(f"{_REL}id", ""), ("", ""))[1])
                  for sheet in workbook.iter(f"{_S}sheet")]
        yield Piece(None, "sheet names", "\n".join(name for name, _ in sheets))
        names = [f"{d.get('name', '')}\n{d.text or ''}" for d in workbook.iter(f"{_S}definedName")]
        if names:
            yield Piece(None, "defined names", "\n".join(names))
        for sheet_name, part in sheets:
            if self.has(part):
                yield from self.sheet(sheet_name, part, shared, used)
        unused = [s for i, s in enumerate(shared) if i not in used]
        if unused:
            yield Piece(None, "shared strings in no cell", "\n".join(unused))

    def sheet(self, name: str, part: str, shared: list[str], used: set[int]) -> Iterator[Item]:
        root = self.xml(part)
        rows: list[Piece] = []
        formulas: list[Piece] = []
        texts: list[str] = []
        for row in root.iter(f"{_S}row"):
            cells = []
            for cell in row.iter(f"{_S}c"):
                text = _cell_text(cell, shared, used)
                texts.append(text)
                cells.append(text)
                formula = cell.find(f"{_S}f")
                if formula is not None and formula.text:
                    # Text in quotes is what the formula shows; joined, "="110"&"17..."" reads whole.
                    literals = "".join(re.findall(r'"((?:[^"]|"")*)"', formula.text))
                    formulas.append(Piece(name, f"formula {cell.get('r', '')}", f"{formula.text}\n{literals}",
                                          shadow=True))
            if joined := _row_runs(cells):
                rows.append(Piece(name, f"row {row.get('r', '')}", joined, shadow=True))
        yield Piece(name, None, "\n".join(texts))
        yield from rows
        yield from formulas
        header_footer = root.find(f"{_S}headerFooter")
        if header_footer is not None:
            # Drop the &-codes (font, size, page number) that would glue onto a number's digits.
            codes = re.compile(r'&(?:"[^"]*"|K[0-9A-Fa-f]{6}|\d+|[A-Za-z&])')
            text = "\n".join(codes.sub(" ", el.text or "") for el in header_footer)
            yield Piece(name, "header/footer", text)
        for kind, target in self.rels(part).values():
            if kind in ("comments", "threadedComment") and self.has(target):
                yield from _comments(self.xml(target), name)

    # --- PPTX ---

    def pptx(self) -> Iterator[Item]:
        slide = re.compile(r"ppt/slides/slide(\d+)\.xml")
        numbered = sorted((int(m.group(1)), m.group()) for n in self.infos if (m := slide.fullmatch(n)))
        for number, name in numbered:
            root = self.xml(name)
            lines = ["".join(t.text or "" for t in p.iter(f"{_A}t")) for p in root.iter(f"{_A}p")]
            yield Piece(number, None, "\n".join(lines))
            if alt := _alt_texts(root):
                yield Piece(number, "alt text", alt)
            rows = [_row_runs(["".join(t.text or "" for t in tc.iter(f"{_A}t")) for tc in tr.iter(f"{_A}tc")])
                    for tr in root.iter(f"{_A}tr")]
            if any(rows):
                yield Piece(number, "table rows", " | ".join(r for r in rows if r), shadow=True)
            for kind, target in self.rels(name).values():
                if kind == "notesSlide" and self.has(target) and target not in self.done:
                    yield Piece(number, "notes", _all_text(self.xml(target)))
                elif kind == "comments" and self.has(target) and target not in self.done:
                    yield Piece(number, "comments", _all_text(self.xml(target)))


def _join(folder: str, target: str) -> str:
    parts: list[str] = []
    for piece in f"{folder}/{target}".split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _cell_text(cell: ElementTree.Element, shared: list[str], used: set[int]) -> str:
    kind = cell.get("t", "n")
    value = cell.find(f"{_S}v")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{_S}t"))
    if value is None or value.text is None:
        return ""
    if kind == "s":
        index = int(value.text)
        used.add(index)
        return shared[index] if 0 <= index < len(shared) else ""
    if kind == "n":
        return _number_text(value.text)
    return value.text


def _number_text(raw: str) -> str:
    # Excel keeps a 13-digit ID typed into a number cell as "1101700203451" or "1.101700203451E+12".
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw
    return str(int(number)) if number == number.to_integral_value() else raw


def _comments(root: ElementTree.Element, sheet: str) -> Iterator[Piece]:
    """A sheet's notes (legacy comments) and threaded comments, one piece per cell."""
    for el in root.iter():
        if _local(el.tag) in ("comment", "threadedComment"):
            yield Piece(sheet, f"comment {el.get('ref', '')}", _all_text(el))
        elif _local(el.tag) == "authors":
            yield Piece(sheet, "comment authors", _all_text(el))


def _word_part(root: ElementTree.Element, base: str | None) -> Iterator[Item]:
    """The pieces of one WordprocessingML part (body, a header, footnotes, comments ...).

    Each paragraph belongs to the text box it is in or to the part itself, so text-box text is
    read once: not again inside the paragraph that anchors the box, and not again from the copy
    Word keeps for older readers (``mc:Fallback``) when it is the same.
    """
    def name(sub: str | None) -> str | None:
        return " ".join(filter(None, (base, sub))) or None

    boxes: list[list[ElementTree.Element]] = [[]]  # [0]: the part's own paragraphs

    def assign(el: ElementTree.Element, box: int) -> None:
        for child in el:
            if child.tag == f"{_W}txbxContent":
                boxes.append([])
                assign(child, len(boxes) - 1)
            else:
                if child.tag == f"{_W}p":
                    boxes[box].append(child)
                assign(child, box)

    assign(root, 0)
    before: list[str] = []
    fields: list[str] = []
    seen_boxes: set[str] = set()
    for index, box in enumerate(boxes):
        shown = []
        for paragraph in box:
            now, was, codes = _paragraph(paragraph)
            shown.append(now)
            before.extend([was] if was != now else [])
            fields.extend([codes] if codes else [])
        text = "\n".join(shown)
        if index == 0:
            yield Piece(None, base, text)
        elif text not in seen_boxes:
            seen_boxes.add(text)
            yield Piece(None, name("text box"), text)
    if before:
        yield Piece(None, name("tracked deletion"), "\n".join(before), shadow=True)
    if fields:
        yield Piece(None, name("field code"), "\n".join(fields))
    if alt := _alt_texts(root):
        yield Piece(None, name("alt text"), alt)
    for number, row in enumerate(root.iter(f"{_W}tr"), 1):
        cells = ["".join(_paragraph(p)[0] for p in tc.iter(f"{_W}p")) for tc in row.iter(f"{_W}tc")]
        if joined := _row_runs(cells):
            yield Piece(None, name(f"table row {number}"), joined, shadow=True)


def _paragraph(paragraph: ElementTree.Element) -> tuple[str, str, str]:
    """(text shown now, text before tracked changes, field codes) of one paragraph's own runs.

    Word splits a number over several runs (w:t) freely; a paragraph is one line.
    """
    now: list[str] = []
    was: list[str] = []
    codes: list[str] = []

    def walk(el: ElementTree.Element, inserted: bool) -> None:
        for child in el:
            tag = child.tag
            if tag == f"{_W}txbxContent":
                continue  # read as its own text box
            if tag == f"{_W}t" or tag in _BREAKS:
                text = (child.text or "") if tag == f"{_W}t" else _BREAKS[tag]
                now.append(text)
                if not inserted:
                    was.append(text)
            elif tag == f"{_W}delText":
                was.append(child.text or "")
            elif tag == f"{_W}instrText":
                codes.append(child.text or "")
            walk(child, inserted or tag == f"{_W}ins")

    walk(paragraph, False)
    return "".join(now), "".join(was), "".join(codes)
