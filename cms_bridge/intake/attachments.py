"""Attachment inspection: what a file really is, how big, its sha256 and (for PDFs) its pages.

The type comes from the file's first bytes, not its name: a ``.pdf`` that is really a zip (or an
executable) must not reach a public site under a trusted extension. Office Open XML files are zip
archives told apart by the part that only each of them has. Files are read in chunks so a large
scan or archive never sits in memory whole.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict
from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from cms_bridge.messages import say
from cms_bridge.errors import AttachmentError, UsageError

__all__ = [
    "DEFAULT_ALLOWED",
    "DEFAULT_MAX_BYTES",
    "EXTENSIONS",
    "MEDIA_TYPES",
    "AttachmentError",
    "AttachmentInfo",
    "inspect_attachment",
    "resolve_attachment",
    "sniff_type",
    "special_file_kind",
]

MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "jpg": "image/jpeg",
    "png": "image/png",
}
# File-name extension -> the type its content must have.
EXTENSIONS: dict[str, str] = {**{t: t for t in MEDIA_TYPES}, "jpeg": "jpg"}
# Electronic documents named by the measure (seed §4.1(6)) plus images for activity news (§4.2).
DEFAULT_ALLOWED: frozenset[str] = frozenset(MEDIA_TYPES)
DEFAULT_MAX_BYTES = 100 * 1024 * 1024

_CHUNK = 1024 * 1024
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive has only its end record
    (b"Rar!\x1a\x07", "rar"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
_OFFICE_PARTS = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("ppt/presentation.xml", "pptx"))
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class AttachmentInfo(BaseModel):
    """What :func:`inspect_attachment` found out about one file.

    Attributes:
        path: the file inspected.
        name: its file name.
        file_type: the type sniffed from its content: ``pdf``, ``docx``, ``xlsx``, ``pptx``,
            ``zip``, ``rar``, ``jpg`` or ``png``.
        media_type: the MIME type to upload it as.
        extension: the extension of its name, lower case, without the dot.
        size: bytes.
        sha256: hex digest of the content.
        pages: page count of a PDF; ``None`` for other types.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path
    name: str
    file_type: str
    media_type: str
    extension: str
    size: int
    sha256: str
    pages: int | None = None


def special_file_kind(path: Path | str) -> str | None:
    """What *path* is when it is a named pipe, socket or device, else ``None``; never opens it.

    Opening a named pipe (FIFO) waits for a writer, forever if none comes, and reading a device
    never ends; so intake asks the file system what a path is (``stat``, following links) before
    anything opens it. A path that does not exist, or cannot be asked about, gives ``None``.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            return kind
    return None


_SPECIAL_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                  (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def resolve_attachment(base_dir: Path | str, relative: str) -> Path:
    """Return the file an attachment reference names, refusing one outside *base_dir*.

    The request model already refuses ``..`` and absolute paths; this also catches a symbolic
    link inside the folder that points elsewhere (e.g. to ``/etc``).

    Args:
        base_dir: the folder of the request file.
        relative: the reference's ``path``, relative, ``/``-separated.

    Raises:
        AttachmentError: the resolved file lies outside *base_dir*, or is a named pipe, socket
            or device (never opened).
    """
    base = Path(base_dir).resolve()
    target = (base / PurePosixPath(relative)).resolve()
    if not target.is_relative_to(base):
        raise AttachmentError(say("attachment.outside", name=relative, target=target, base=base))
    if kind := special_file_kind(target):
        raise AttachmentError(_special_message(relative, kind))
    return target


def sniff_type(path: Path | str, *, name: str | None = None) -> str | None:
    """Return the type of *path* told by its content, or ``None`` when no known type matches.

    Args:
        path: an existing, readable file.
        name: the name to give in messages (default: the path's own).

    Raises:
        AttachmentError: the file cannot be read.
    """
    path = Path(path)
    name = name or path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise AttachmentError(say("attachment.unreadable", name=name, error=exc.strerror or str(exc))) from None
    for magic, file_type in _MAGIC:
        if head.startswith(magic):
            return _office_type(path, name) if file_type == "zip" else file_type
    return None


def _office_type(path: Path, name: str) -> str:
    try:
        # ZipFile reads only the central directory at the end of the file, not the members.
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise AttachmentError(say("attachment.bad_zip", name=name, error=str(exc))) from None
    return next((office for part, office in _OFFICE_PARTS if part in names), "zip")


def stat_attachment(path: Path, *, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> os.stat_result:
    """The file system's answer for an attachment, refused unless it is a regular file of a
    size intake accepts; the file is never opened (see :func:`special_file_kind`).

    Args:
        path: the file.
        name: the name to give in messages (default: the path's own).
        max_bytes: the largest size accepted.

    Raises:
        AttachmentError: naming the file, when it does not exist or cannot be asked about; is a
            named pipe, socket, device or anything else that is not a regular file; is empty;
            or is larger than *max_bytes*.
    """
    name = name or path.name
    try:
        info = os.stat(path)
    except OSError as exc:
        raise AttachmentError(say("attachment.missing", name=name, path=path) if isinstance(exc, FileNotFoundError)
                              else say("attachment.unreadable", name=name, error=exc.strerror or str(exc))) from None
    if kind := next((kind for test, kind in _SPECIAL_KINDS if test(info.st_mode)), None):
        raise AttachmentError(_special_message(name, kind))
    if not stat.S_ISREG(info.st_mode):
        raise AttachmentError(say("attachment.not_regular", name=name))
    if info.st_size == 0:
        raise AttachmentError(say("attachment.empty", name=name))
    if info.st_size > max_bytes:
        raise AttachmentError(say("attachment.too_large", name=name, size=_megabytes(info.st_size),
                                  limit=_megabytes(max_bytes)))
    return info


def inspect_attachment(
    path: Path | str,
    *,
    allowed_types: Iterable[str] = DEFAULT_ALLOWED,
    max_bytes: int = DEFAULT_MAX_BYTES,
    name: str | None = None,
) -> AttachmentInfo:
    """Check one attachment and describe it.

    Args:
        path: the file.
        allowed_types: types accepted (keys of :data:`MEDIA_TYPES`); all of them by default.
        max_bytes: largest size accepted.
        name: the file's own name, when *path* is the file store's copy (named by its digest):
            messages and the extension check use it.

    Raises:
        AttachmentError: naming the file, when it does not exist or is not a regular file; is
            empty; is larger than *max_bytes*; has an extension that is not a known type or not
            allowed; has content of no known type, or of a type other than its extension says;
            is a PDF that is corrupt, has no pages or needs a password to open.
        UsageError: (a ValueError) *allowed_types* names a type that is not in :data:`MEDIA_TYPES`.
    """
    path = Path(path)
    name = name or path.name
    allowed = frozenset(allowed_types)
    if unknown := allowed - set(MEDIA_TYPES):
        raise UsageError(say("attachment.unknown_types", types=", ".join(sorted(unknown)),
                             known=_listing(MEDIA_TYPES)))
    size = stat_attachment(path, name=name, max_bytes=max_bytes).st_size

    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    expected = EXTENSIONS.get(extension)
    if expected is None:
        raise AttachmentError(say("attachment.bad_extension", name=name, extension="." + extension,
                                  accepted=_listing(allowed)) if extension
                              else say("attachment.no_extension", name=name, accepted=_listing(allowed)))
    if expected not in allowed:
        raise AttachmentError(say("attachment.not_accepted", name=name, expected=expected, accepted=_listing(allowed)))
    actual = sniff_type(path, name=name)
    if actual is None:
        raise AttachmentError(say("attachment.content_not", name=name, expected=expected, hint=_legacy_office_hint(path)))
    if actual != expected:
        raise AttachmentError(say("attachment.content_other", name=name, expected=expected, actual=actual))

    sha256, counted = _digest(path)
    if counted != size:
        raise AttachmentError(say("attachment.changed", name=name, size=size, counted=counted))
    return AttachmentInfo(
        path=path,
        name=name,
        file_type=actual,
        media_type=MEDIA_TYPES[actual],
        extension=extension,
        size=size,
        sha256=sha256,
        pages=_pdf_pages(path, name) if actual == "pdf" else None,
    )


def _digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            count += len(chunk)
    return digest.hexdigest(), count


def _pdf_pages(path: Path, name: str) -> int:
    # An open file, not the path: given a path, pypdf reads the whole file into memory first.
    try:
        with path.open("rb") as fh:
            reader = PdfReader(fh)
            # Owner-password-only PDFs (print/copy restrictions) open for anyone; only a user
            # password keeps the public out, and then the file is useless on a public site.
            if reader.is_encrypted and not reader.decrypt(""):
                raise AttachmentError(say("attachment.pdf_password", name=name))
            pages = len(reader.pages)
    except AttachmentError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise AttachmentError(say("attachment.pdf_corrupt", name=name, error=str(exc))) from None
    if pages == 0:
        raise AttachmentError(say("attachment.pdf_no_pages", name=name))
    return pages


def _legacy_office_hint(path: Path) -> str:
    with path.open("rb") as fh:
        if fh.read(len(_OLE2)) == _OLE2:
            return say("attachment.legacy_office")
    return ""


def _special_message(name: str, kind: str) -> str:
    return say("attachment.special", name=name, kind=kind)


def _listing(types: Iterable[str]) -> str:
    return ", ".join(sorted(types))


def _megabytes(size: int) -> str:
    return say("attachment.mb", mb=f"{size / (1024 * 1024):.1f}") if size >= 100 * 1024 else say("attachment.bytes", n=size)
