"""Masked copies for the office to publish again: DOCX and XLSX, rewritten with every ID number
in their text masked (``1-1017-xxxxx-xx-0``), then scanned again.

Each XML part's text nodes are masked where they hold a whole number, and an XLSX cell typed
as a number that is an ID number becomes a text cell holding it masked. A number split across
runs of text (half bold, say) is not masked in place; the copy is scanned again as a whole and
refused when any ID number is left, so a copy this module writes holds none the ID guard can
find. PDFs, pictures and scans are not masked: pypdf cannot remove text from a page's drawing
safely (the number would stay under a black box), and pixels cannot be masked by text
replacement; the office masks the source document and exports it again.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cms_bridge.intake.attachments import sniff_type
from cms_bridge.intake.idguard import mask_id_numbers, scan_file

MASKABLE = ("docx", "xlsx")
#: What the plan says for files of other kinds.
NOT_MASKABLE = {
    "pdf": "no masked copy: PDF text cannot be removed safely here; mask the source document and export it again",
    "jpg": "no masked copy: a picture cannot be masked by text; blur or crop it, or scan it again",
    "png": "no masked copy: a picture cannot be masked by text; blur or crop it, or scan it again",
}
_TEXT_NODE = re.compile(r"(<(?:w:t|t|a:t)(?:\s[^>]*)?>)([^<]*)(</(?:w:t|t|a:t)>)")
# A worksheet cell holding a number (no type, or t="n"), without a formula: Excel keeps most ID
# columns typed as numbers, ``<c r="B2" s="1"><v>1101700203450</v></c>``.
_NUMBER_CELL = re.compile(r"<c((?:\s+[\w:]+=\"[^\"]*\")*)\s*>\s*<v>([^<]*)</v>\s*</c>")
_TYPE_ATTR = re.compile(r'\s+t="([^"]*)"')


def can_mask(file_type: str | None) -> bool:
    """True for the formats a masked copy can be written for."""
    return file_type in MASKABLE


def masked_copy(source: Path, dest: Path, name: str) -> tuple[bool, str]:
    """Write a masked copy of the DOCX or XLSX *source* to *dest*.

    Args:
        source: the file (the kept bytes).
        dest: where to write the copy.
        name: the file's name, for messages.

    Returns:
        (written, why): False with the reason when no copy is written.
    """
    file_type = sniff_type(source)
    if not can_mask(file_type):
        return False, NOT_MASKABLE.get(file_type or "", f"no masked copy: {file_type or 'this type'} cannot be masked")
    with tempfile.TemporaryDirectory(prefix="cms-bridge-mask-") as folder:
        draft = Path(folder) / f"copy.{file_type}"
        with zipfile.ZipFile(source) as original, zipfile.ZipFile(draft, "w", zipfile.ZIP_DEFLATED) as copy:
            for info in original.infolist():
                data = original.read(info)
                if info.filename.endswith(".xml"):
                    text = data.decode("utf-8")
                    text = _TEXT_NODE.sub(lambda m: m.group(1) + mask_id_numbers(m.group(2)) + m.group(3), text)
                    if file_type == "xlsx" and info.filename.startswith("xl/worksheets/"):
                        text = _NUMBER_CELL.sub(_masked_number_cell, text)
                    data = text.encode("utf-8")
                copy.writestr(info, data)
        left = [f for f in scan_file(draft, source=name) if f.kind == "id_number"]
        if left:
            return False, (f"no masked copy: {len(left)} ID number(s) are split across parts of the text and "
                           "cannot be masked in place; mask them in the source document")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(draft, dest)
    return True, f"masked copy written: {dest}"


def _masked_number_cell(match: re.Match[str]) -> str:
    """A numeric cell holding an ID number, as an inline text cell with the number masked;
    any other cell as it was."""
    attributes, value = match.group(1), match.group(2).strip()
    kind = _TYPE_ATTR.search(attributes)
    if kind is not None and kind.group(1) != "n":
        return match.group(0)  # a shared string, boolean, error or date: not a number
    try:
        number = Decimal(value)
    except InvalidOperation:
        return match.group(0)
    if number != number.to_integral_value():
        return match.group(0)
    digits = str(int(number))  # Excel may write 13 digits as 1.101700203450E+12
    masked = mask_id_numbers(digits)
    if masked == digits:
        return match.group(0)
    attributes = _TYPE_ATTR.sub("", attributes)
    return f'<c{attributes} t="inlineStr"><is><t>{masked}</t></is></c>'
