"""Attachment inspection: types sniffed from content, size, sha256, PDF pages, clear refusals.

Every fixture file is generated here: PDFs with pypdf, Office files as zips with their minimal
parts, images and RAR as their magic bytes.
"""

from __future__ import annotations

import hashlib
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter

from cms_bridge.intake.attachments import (
    DEFAULT_ALLOWED,
    AttachmentError,
    inspect_attachment,
    resolve_attachment,
)
from cms_bridge.errors import CmsBridgeError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
RAR = b"Rar!\x1a\x07\x01\x00" + bytes(32)


def pdf_bytes(pages: int, *, user_password: str | None = None, owner_password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bytes(*members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name in members:
            archive.writestr(name, '<?xml version="1.0"?><root/>')
    return out.getvalue()


DOCX = zip_bytes("word/document.xml")
XLSX = zip_bytes("xl/workbook.xml", "xl/worksheets/sheet1.xml")
PPTX = zip_bytes("ppt/presentation.xml")
ZIP = zip_bytes("เอกสาร/รายงาน.txt")


def put(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


# --- recognised types ----------------------------------------------------------------------


def test_pdf_is_described_with_pages_size_and_sha256(tmp_path: Path) -> None:
    content = pdf_bytes(3)
    info = inspect_attachment(put(tmp_path, "รายงาน.pdf", content))
    assert (info.name, info.file_type, info.extension) == ("รายงาน.pdf", "pdf", "pdf")
    assert info.media_type == "application/pdf"
    assert info.pages == 3
    assert info.size == len(content)
    assert info.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "file_type", "media_type"),
    [
        ("a.docx", DOCX, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("a.xlsx", XLSX, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("a.pptx", PPTX, "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("a.zip", ZIP, "zip", "application/zip"),
        ("a.rar", RAR, "rar", "application/vnd.rar"),
        ("a.jpg", JPEG, "jpg", "image/jpeg"),
        ("a.JPEG", JPEG, "jpg", "image/jpeg"),
        ("a.png", PNG, "png", "image/png"),
    ],
)
def test_other_types_are_told_by_content(tmp_path: Path, name: str, content: bytes, file_type: str,
                                         media_type: str) -> None:  # fmt: skip
    info = inspect_attachment(put(tmp_path, name, content))
    assert (info.file_type, info.media_type, info.pages) == (file_type, media_type, None)
    assert info.sha256 == hashlib.sha256(content).hexdigest()


# --- extension against content -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "actual"),
    [("report.pdf", ZIP, "zip"), ("report.docx", XLSX, "xlsx"), ("report.docx", ZIP, "zip"),
     ("photo.png", JPEG, "jpg"), ("archive.zip", DOCX, "docx"), ("scan.jpg", pdf_bytes(1), "pdf")],
)  # fmt: skip
def test_extension_that_disagrees_with_content_names_file_and_both_types(tmp_path: Path, name: str, content: bytes,
                                                                         actual: str) -> None:  # fmt: skip
    claimed = name.rsplit(".", 1)[1].replace("jpeg", "jpg")
    with pytest.raises(AttachmentError) as info:
        inspect_attachment(put(tmp_path, name, content))
    message = str(info.value)
    assert name in message and f"says {claimed}" in message and f"content is {actual}" in message


def test_content_of_no_known_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="notes.pdf.*not pdf"):
        inspect_attachment(put(tmp_path, "notes.pdf", "บันทึกข้อความ".encode()))


def test_old_office_file_renamed_gets_a_hint(tmp_path: Path) -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(AttachmentError, match=r"\.docx"):
        inspect_attachment(put(tmp_path, "old.docx", ole2))


def test_zip_header_without_a_readable_archive_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="broken.docx.*zip"):
        inspect_attachment(put(tmp_path, "broken.docx", b"PK\x03\x04" + bytes(100)))


# --- allowed types and limits --------------------------------------------------------------


def test_default_allowed_types_are_the_measure_s_documents_and_images() -> None:
    assert DEFAULT_ALLOWED == {"pdf", "docx", "xlsx", "pptx", "zip", "rar", "jpg", "png"}


@pytest.mark.parametrize("name", ["setup.exe", "macro.docm", "README"])
def test_unknown_extension_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(AttachmentError, match=name):
        inspect_attachment(put(tmp_path, name, DOCX))


def test_allowed_types_are_configurable(tmp_path: Path) -> None:
    path = put(tmp_path, "a.docx", DOCX)
    with pytest.raises(AttachmentError, match="docx.*accepted: pdf"):
        inspect_attachment(path, allowed_types={"pdf"})
    assert inspect_attachment(path, allowed_types={"pdf", "docx"}).file_type == "docx"


def test_oversize_file_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = put(tmp_path, "big.rar", RAR + bytes(2 * 1024 * 1024))
    with pytest.raises(AttachmentError, match=r"big\.rar.*limit of 1\.0 MB"):
        inspect_attachment(path, max_bytes=1024 * 1024)
    assert inspect_attachment(path, max_bytes=3 * 1024 * 1024).size == len(RAR) + 2 * 1024 * 1024


def test_empty_missing_and_folder_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="empty.pdf.*empty"):
        inspect_attachment(put(tmp_path, "empty.pdf", b""))
    with pytest.raises(AttachmentError, match="gone.pdf"):
        inspect_attachment(tmp_path / "gone.pdf")
    (tmp_path / "folder.pdf").mkdir()
    with pytest.raises(AttachmentError, match="folder.pdf"):
        inspect_attachment(tmp_path / "folder.pdf")


# --- PDFs ----------------------------------------------------------------------------------


def test_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="locked.pdf.*password"):
        inspect_attachment(put(tmp_path, "locked.pdf", pdf_bytes(2, user_password="secret", owner_password="x")))


def test_pdf_with_only_an_owner_password_opens_for_anyone_and_is_accepted(tmp_path: Path) -> None:
    info = inspect_attachment(put(tmp_path, "restricted.pdf", pdf_bytes(2, user_password="", owner_password="x")))
    assert info.pages == 2


@pytest.mark.parametrize("content", [b"%PDF-1.4\nthis is not a pdf body\n", pdf_bytes(2)[:60]])
def test_corrupt_pdf_is_refused_by_name(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(AttachmentError, match="bad.pdf"):
        inspect_attachment(put(tmp_path, "bad.pdf", content))


def test_pdf_without_pages_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="nothing.pdf.*no pages"):
        inspect_attachment(put(tmp_path, "nothing.pdf", pdf_bytes(0)))


def test_errors_belong_to_the_one_tree() -> None:
    assert issubclass(AttachmentError, CmsBridgeError)


# --- streaming -----------------------------------------------------------------------------


def test_a_50_mb_file_is_hashed_without_being_held_in_memory(tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    path = tmp_path / "photo.jpg"
    with path.open("wb") as fh:
        fh.write(JPEG)
        fh.truncate(size)  # sparse: cheap on disk, still 50 MB to read
    expected = hashlib.sha256(JPEG + bytes(size - len(JPEG))).hexdigest()
    tracemalloc.start()
    try:
        info = inspect_attachment(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (info.size, info.sha256, info.file_type) == (size, expected, "jpg")
    assert peak < 8 * 1024 * 1024


# --- resolving references ------------------------------------------------------------------


def test_resolve_attachment_refuses_a_symlink_out_of_the_request_folder(tmp_path: Path) -> None:
    folder = tmp_path / "request"
    (folder / "files").mkdir(parents=True)
    put(folder / "files", "a.pdf", pdf_bytes(1))
    outside = put(tmp_path, "outside.pdf", pdf_bytes(1))
    (folder / "files" / "link.pdf").symlink_to(outside)
    assert resolve_attachment(folder, "files/a.pdf") == (folder / "files" / "a.pdf").resolve()
    with pytest.raises(AttachmentError, match="outside"):
        resolve_attachment(folder, "files/link.pdf")
