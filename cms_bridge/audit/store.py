"""What the audit remembers of each file it read (table ``audit_scans``, schema step m010).

A file is read again only when something says it may have changed: its address, size or
modification time differ from the last read, or the scanner is newer than the one that read
it. Every record is committed as soon as its file is scanned, so a run cut off anywhere
resumes where it stopped. Findings are kept masked (as :class:`~cms_bridge.intake.idguard.Finding`
serialises them), and a file is keyed by the sha256 of its address (column ``url`` holds
``sha256:<hex>``), never the address itself: a file named after a person's ID number is not in
the ledger whole.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cms_bridge.intake.idguard import SCANNER_VERSION, Finding
from cms_bridge.ledger.store import Ledger
from cms_bridge.wordpress.models import LibraryItem

ScanStatus = Literal["scanned", "too_large", "unreadable", "missing"]


class ScanRecord(BaseModel):
    """One file as the audit last read it.

    Attributes:
        url: its public address (the key).
        media_id: the attachment's id then.
        size: bytes (from the site, else as downloaded).
        modified: the attachment's modification time then.
        sha256: the digest of the bytes read; None when nothing was read.
        scanner_version: the ID guard's version that read it.
        status: ``scanned``; ``too_large`` (over the cap, not read); ``unreadable`` (a corrupt or
            locked document, over a cap of the extractor); ``missing`` (the address answers 404).
        note: why, for anything but ``scanned`` (masked).
        findings: what the scan found, masked.
    """

    model_config = ConfigDict(frozen=True)

    url: str
    media_id: int
    size: int | None = None
    modified: datetime | None = None
    sha256: str | None = None
    scanner_version: int = SCANNER_VERSION
    status: ScanStatus = "scanned"
    note: str | None = None
    findings: tuple[Finding, ...] = ()


class ScanStore:
    """The ``audit_scans`` table of a ledger.

    Args:
        ledger: the open ledger (migrated to m010).
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def get(self, url: str) -> ScanRecord | None:
        """The last record for *url*, if any."""
        row = self.ledger.connection.execute("SELECT * FROM audit_scans WHERE url = ?", (url_key(url),)).fetchone()
        if row is None:
            return None
        return ScanRecord(url=url, media_id=row["media_id"], size=row["size"],
                          modified=datetime.fromisoformat(row["modified"]) if row["modified"] else None,
                          sha256=row["sha256"], scanner_version=row["scanner_version"], status=row["status"],
                          note=row["note"], findings=tuple(Finding.model_validate(f) for f in json.loads(row["findings"])))

    def findings_by_sha256(self) -> dict[str, tuple[Finding, ...]]:
        """The findings of every file this scanner read, by the sha256 of its bytes: the same
        bytes at another address (uploaded twice) need not be read again."""
        rows = self.ledger.connection.execute(
            "SELECT sha256, findings FROM audit_scans WHERE sha256 IS NOT NULL AND scanner_version = ?"
            " AND status = 'scanned'", (SCANNER_VERSION,))
        return {r[0]: tuple(Finding.model_validate(f) for f in json.loads(r[1])) for r in rows}

    def unchanged(self, item: LibraryItem) -> ScanRecord | None:
        """The record for *item* when nothing says the file changed since it was read; else None."""
        record = self.get(item.url)
        if record is None or record.scanner_version != SCANNER_VERSION or record.media_id != item.id:
            return None
        if record.status == "missing":
            return None  # it may be served now
        if item.size is not None and record.size is not None and item.size != record.size:
            return None
        if item.modified != record.modified:
            return None
        return record

    def forget_whole_addresses(self) -> None:
        """Drop records an older cms-bridge keyed by the whole address (read again on this run)."""
        with self.ledger.transaction():
            self.ledger.connection.execute("DELETE FROM audit_scans WHERE url NOT LIKE 'sha256:%'")

    def save(self, record: ScanRecord) -> None:
        """Write *record* (replacing the one for its address) and commit it at once."""
        findings = json.dumps([f.model_dump(mode="json") for f in record.findings], ensure_ascii=False)
        with self.ledger.transaction():
            self.ledger.connection.execute(
                "INSERT OR REPLACE INTO audit_scans (url, media_id, size, modified, sha256, scanner_version, status,"
                " note, findings, scanned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (url_key(record.url), record.media_id, record.size, record.modified.isoformat() if record.modified else None,
                 record.sha256, record.scanner_version, record.status, record.note, findings, self.ledger.now_text()))


def url_key(url: str) -> str:
    """What ``audit_scans`` keys a file by: the sha256 of its address, never the address."""
    return "sha256:" + hashlib.sha256(url.encode("utf-8")).hexdigest()
