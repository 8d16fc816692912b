"""Reading text where a file has none: pictures and scanned PDF pages, with Tesseract.

The ID guard reads text layers; a photographed order or a scanned list of candidates has none,
so its numbers are invisible to it. Here such a picture or page is read with Debian's
``tesseract-ocr`` (Thai and English models, ``tesseract-ocr-tha``) through ``pytesseract``; a PDF
page is first drawn with ``pypdfium2`` (PDFium, the PDF engine of Chromium). The text comes back
line by line with where each line sits on the page, so a finding can say roughly where to look.

OCR is slow (a second or more a page) and can misread: the caller treats what it reads as
evidence, never as proof of absence beyond what the model saw. Work is bounded: pictures are
scaled down to :data:`MAX_PIXELS`, each page has a time limit, and a file has at most
:data:`MAX_PAGES` pages read; past a bound the page is reported unread, never passed.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from cms_bridge.errors import OcrError

__all__ = ["MAX_PAGES", "MAX_PIXELS", "OcrError", "OcrLine", "available", "read_image", "read_pdf_pages"]

#: Languages asked of Tesseract: Thai documents with Arabic or Thai digits and English words.
LANGUAGES = "tha+eng"
#: A picture larger than this is scaled down first (about a 300 dpi A4 page); more pixels add
#: time, not accuracy, for print-sized text.
MAX_PIXELS = 9_000_000
#: PDF pages are drawn at this resolution: enough for 10-point print, at about 3 MP a page.
RENDER_DPI = 200
#: Pages of one file read by OCR; the rest are reported unread (a person looks).
MAX_PAGES = 60
#: Seconds Tesseract may spend on one page.
PAGE_TIMEOUT = 120


@dataclass(frozen=True)
class OcrLine:
    """One line of text read from a picture, and where it is.

    Attributes:
        text: the line as read (misreadings of digits corrected, see :func:`_digits_fixed`).
        top: how far down the picture the line starts, 0-100 (per cent of its height).
        left: how far from the left edge, 0-100 (per cent of its width).
        confidence: Tesseract's mean word confidence for the line, 0-100.
    """

    text: str
    top: int
    left: int
    confidence: int

    @property
    def position(self) -> str:
        """Where a person finds the line, in words: ``about 40% down, 10% from the left``."""
        return f"OCR, about {self.top}% down, {self.left}% from the left"


@functools.cache
def available() -> bool:
    """True when Tesseract and its Thai and English models are installed."""
    if shutil.which("tesseract") is None:
        return False
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    languages = set(listed.stdout.split())
    return {"tha", "eng"} <= languages


def read_image(data: bytes) -> list[OcrLine]:
    """The lines of text in a picture (JPEG or PNG bytes).

    Raises:
        OcrError: Tesseract is missing, the picture cannot be decoded, or reading timed out.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            # A picture that claims billions of pixels is refused by Pillow before decoding.
            picture.load()
            return _read(picture.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise OcrError(f"the picture cannot be decoded ({type(exc).__name__})") from None


def read_pdf_pages(stream: IO[bytes], pages: list[int]) -> Iterator[tuple[int, list[OcrLine] | OcrError]]:
    """Draw the given pages of a PDF (numbered from 1) and read each; a page that fails gives
    its :class:`OcrError` in its place, so one bad page does not hide the others.

    Raises:
        OcrError: the PDF cannot be opened for drawing.
    """
    import pypdfium2 as pdfium

    stream.seek(0)
    try:
        document = pdfium.PdfDocument(stream.read())
    except pdfium.PdfiumError as exc:
        raise OcrError(f"the PDF cannot be drawn ({type(exc).__name__})") from None
    try:
        for number in pages:
            try:
                page = document[number - 1]
                width, height = page.get_size()  # points, 1/72 inch
                scale = min(RENDER_DPI / 72, (MAX_PIXELS / max(width * height, 1)) ** 0.5)
                bitmap = page.render(scale=scale, grayscale=True)
                yield number, _read(bitmap.to_pil())
            except OcrError as exc:
                yield number, exc
            except pdfium.PdfiumError as exc:
                yield number, OcrError(f"the page cannot be drawn ({type(exc).__name__})")
    finally:
        document.close()


def _read(picture: object) -> list[OcrLine]:
    import pytesseract
    from PIL import Image

    assert isinstance(picture, Image.Image)
    if not available():
        raise OcrError("Tesseract with its Thai model is not installed (Debian: tesseract-ocr tesseract-ocr-tha)")
    if picture.width * picture.height > MAX_PIXELS:
        factor = (MAX_PIXELS / (picture.width * picture.height)) ** 0.5
        picture = picture.resize((max(1, int(picture.width * factor)), max(1, int(picture.height * factor))))
    # Page layout first (columns, paragraphs, reading order); when that finds nothing -- a
    # short line alone on a page, a card, a stamp -- sparse text, which looks everywhere.
    for mode in ("--psm 3", "--psm 11"):
        try:
            data = pytesseract.image_to_data(picture, lang=LANGUAGES, config=mode, timeout=PAGE_TIMEOUT,
                                             output_type=pytesseract.Output.DICT)
        except RuntimeError as exc:  # pytesseract's timeout
            raise OcrError(f"reading took longer than {PAGE_TIMEOUT} s ({exc})") from None
        except (pytesseract.TesseractError, OSError) as exc:
            raise OcrError(f"Tesseract failed ({type(exc).__name__})") from None
        if lines := _lines(data, picture.width, picture.height):
            return lines
    return []


def _lines(data: dict[str, list[object]], width: int, height: int) -> list[OcrLine]:
    """Tesseract's words, grouped into its lines, in reading order."""
    lines: dict[tuple[int, int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if str(word).strip():
            key = (int(str(data["page_num"][i])), int(str(data["block_num"][i])), int(str(data["par_num"][i])),
                   int(str(data["line_num"][i])))
            lines.setdefault(key, []).append(i)
    out = []
    for indexes in lines.values():
        # Thai is written without spaces between words; Tesseract splits it into "words" that
        # were never apart. Digits keep the spaces they were printed with.
        text = _join([str(data["text"][i]) for i in indexes])
        confidences = [float(str(data["conf"][i])) for i in indexes if float(str(data["conf"][i])) >= 0]
        top = min(int(str(data["top"][i])) for i in indexes)
        left = min(int(str(data["left"][i])) for i in indexes)
        out.append(OcrLine(text=_digits_fixed(text), top=round(100 * top / max(height, 1)),
                           left=round(100 * left / max(width, 1)),
                           confidence=round(sum(confidences) / len(confidences)) if confidences else 0))
    return out


_THAI = re.compile(r"[\u0e00-\u0e7f]")


def _join(words: list[str]) -> str:
    joined = words[0]
    for word in words[1:]:
        glue = "" if _THAI.search(joined[-1:]) and _THAI.search(word[:1]) else " "
        joined += glue + word
    return joined


# Letters OCR takes for digits when they stand among digits: O for 0, l I | for 1, S for 5,
# B for 8. Only inside a run that is mostly digits, so words stay words.
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"})
_DIGITISH = re.compile(r"[0-9OoDlI|SB๐-๙][0-9OoDlI|SB๐-๙\- ]{8,}[0-9OoDlI|SB๐-๙]")


def _digits_fixed(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        run = match.group()
        digits = sum(ch.isdigit() for ch in run)
        letters = sum(ch in "OoDlI|SB" for ch in run)
        return run.translate(_LOOKALIKES) if digits >= 8 and letters <= 3 else run

    return _DIGITISH.sub(fix, text)
