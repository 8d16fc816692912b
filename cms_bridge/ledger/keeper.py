"""Taking attachments in: copy to the file store, inspect and scan the copy, remember the results.

Intake hands each attachment to a :class:`FileKeeper`. The file is copied into the store first
(hashed as it is copied), then the stored copy is inspected and scanned for ID numbers; the
results are kept in the ledger by sha256 (and scanner version), and the inbox path's size,
modification and change times and inode are kept with the digest. So the bytes that were
checked are the bytes the version binds and the bytes later uploaded, and a daemon pass over an
unchanged inbox neither hashes nor scans anything again.

The stat check trusts an inbox file whose size, times and inode are all unchanged; a person can
set a modification time back, but not the change time (``ctime``), so a replaced file is seen.
What is published comes from the store in any case, never from the inbox.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from cms_bridge.intake.attachments import MEDIA_TYPES, AttachmentInfo, inspect_attachment, stat_attachment
from cms_bridge.intake.idguard import SCANNER_VERSION, Finding, scan_file
from cms_bridge.ledger.store import Ledger

__all__ = ["FileKeeper"]


class FileKeeper:
    """Keeps attachments in *ledger*'s file store (implements intake's ``Keeper``).

    Args:
        ledger: the ledger whose store and tables are used.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._db = ledger.connection

    def take_in(self, path: Path, *, allowed_types: Iterable[str], max_bytes: int) -> AttachmentInfo:
        """Keep *path* in the store and describe the kept copy.

        Args:
            path: the inbox file (already resolved inside its request folder).
            allowed_types: the accepted types.
            max_bytes: the largest size accepted.

        Raises:
            AttachmentError: the file is missing, not a regular file, too large, or not an
                accepted type (as :func:`~cms_bridge.intake.attachments.inspect_attachment`).
            LedgerError: the store cannot be written.
        """
        allowed = frozenset(allowed_types)
        # stat, never open, first: opening a FIFO or a device could block or have effects; and an
        # oversized file is refused before it is copied.
        info = stat_attachment(path, max_bytes=max_bytes)
        known = self._known(path, info)
        if known is not None and known.file_type in allowed and self.ledger.files.has(known.sha256):
            return known
        kept = self.ledger.files.put(path)
        described = inspect_attachment(kept.path, allowed_types=allowed, max_bytes=max_bytes, name=path.name)
        with self.ledger.transaction():
            now = self.ledger.now_text()
            self._db.execute(
                "INSERT OR IGNORE INTO kept_files (sha256, size, file_type, media_type, pages, kept_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (kept.sha256, described.size, described.file_type, described.media_type, described.pages, now))
            # The stat taken before copying: if the file changed during the copy, the next pass
            # sees other times and takes it in again.
            self._db.execute(
                "INSERT OR REPLACE INTO inbox_files (path, size, mtime_ns, ctime_ns, inode, sha256, seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, kept.sha256, now))
        return described

    def _known(self, path: Path, info: os.stat_result) -> AttachmentInfo | None:
        row = self._db.execute(
            "SELECT k.sha256, k.size, k.file_type, k.media_type, k.pages FROM inbox_files i"
            " JOIN kept_files k USING (sha256) WHERE i.path = ? AND i.size = ? AND i.mtime_ns = ?"
            " AND i.ctime_ns = ? AND i.inode = ?",
            (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)).fetchone()
        if row is None:
            return None
        return self.describe(row["sha256"], path.name)

    def describe(self, sha256: str, name: str) -> AttachmentInfo | None:
        """The kept file with this digest as an attachment named *name*, or ``None`` if not kept."""
        row = self._db.execute("SELECT size, file_type, media_type, pages FROM kept_files WHERE sha256 = ?",
                               (sha256,)).fetchone()
        if row is None or row["media_type"] != MEDIA_TYPES.get(row["file_type"]):
            return None
        extension = Path(name).suffix.lower().lstrip(".")
        return AttachmentInfo(path=self.ledger.files.path_of(sha256), name=name, file_type=row["file_type"],
                              media_type=row["media_type"], extension=extension, size=row["size"],
                              sha256=sha256, pages=row["pages"])

    def scan(self, info: AttachmentInfo, source: str) -> list[Finding]:
        """The ID guard's findings in a kept file, read once per scanner version.

        Args:
            info: a kept file (from :meth:`take_in` or :meth:`describe`).
            source: how the findings name the file (the path the request gives).

        Raises:
            AttachmentError: the file cannot be read to check it (the guard fails closed).
        """
        row = self._db.execute("SELECT findings FROM file_scans WHERE sha256 = ? AND scanner_version = ?",
                               (info.sha256, str(SCANNER_VERSION))).fetchone()
        if row is not None:
            return [Finding.model_validate({**item, "source": source}) for item in json.loads(row["findings"])]
        findings = scan_file(info.path, source=source)
        stored = [f.model_dump(mode="json", exclude={"source"}) for f in findings]
        with self.ledger.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO file_scans (sha256, scanner_version, findings, scanned_at) VALUES (?, ?, ?, ?)",
                (info.sha256, str(SCANNER_VERSION), json.dumps(stored, ensure_ascii=False), self.ledger.now_text()))
        return findings
