"""The ledger's memory of inbox files read clean, so an idle pass does not read them again.

Intake (:func:`cms_bridge.intake.inbox.load_requests`) asks :class:`ReadFileCache` for each file
it finds. An entry is handed out only when it was read with the same reader (cms-bridge's reader
and scanner versions, the ``[intake]`` settings, the mappings) and the ledger still holds its
requests as they were recorded from it (same current version, same last decision): a request
the desk or ``decide`` changed since is read again from its file, exactly as before the cache.
Whether the file itself (and every file it names) is unchanged, intake tells by their stamps
(size, modification and change times, inode) and, when a stamp changed, their sha256.

The rows are read once per pass in two queries; entries are written only for files read (or
re-stamped) this pass, after their requests are recorded, so a pass over an unchanged inbox
writes nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cms_bridge.intake.inbox import ReadFile

if TYPE_CHECKING:
    from cms_bridge.ledger.store import Ledger

__all__ = ["ReadFileCache"]


class ReadFileCache:
    """Implements intake's ``ReadCache`` on the ledger's ``read_files`` table.

    Args:
        ledger: the ledger the requests are recorded in.
        reader: :func:`~cms_bridge.intake.inbox.reader_fingerprint` of this pass's mappings and
            settings.
    """

    def __init__(self, ledger: Ledger, reader: str) -> None:
        self.ledger = ledger
        self.reader = reader
        self._rows: dict[str, tuple[str, str]] | None = None
        self._marks: dict[str, str] = {}
        self.pending: list[ReadFile] = []

    def _load(self) -> dict[str, tuple[str, str]]:
        if self._rows is None:
            db = self.ledger.connection
            self._rows = {row[0]: (row[1], row[2]) for row in db.execute(
                "SELECT path, entry, marks FROM read_files WHERE reader = ?", (self.reader,))}
            self._marks = self.ledger.request_marks() if self._rows else {}
        return self._rows

    def known(self, path: str) -> ReadFile | None:
        """The entry of *path*, if read with this reader and its requests are as recorded from it."""
        row = self._load().get(path)
        if row is None:
            return None
        marks = json.loads(row[1])
        if not marks or any(self._marks.get(request_id) != mark for request_id, mark in marks.items()):
            return None
        return ReadFile.from_json(row[0])

    def read(self, entry: ReadFile) -> None:
        """Keep *entry* until :meth:`save` (its requests are not recorded yet)."""
        self.pending.append(entry)

    def save(self) -> None:
        """Write the entries read this pass, with the ledger's state of their requests now.

        Call after their requests are recorded. An entry whose request the ledger does not hold
        (the recording refused it) is not written.
        """
        if not self.pending:
            return
        marks = self.ledger.request_marks()
        rows = []
        for entry in self.pending:
            mine = {request_id: marks.get(request_id) for request_id, _, _ in entry.requests}
            # Only what the ledger now holds as the file says it: the file's version is current.
            if all(mine[request_id] is not None and str(mine[request_id]).startswith(f"{version}|")
                   for request_id, _, version in entry.requests):
                rows.append((entry.path, self.reader, entry.to_json(), json.dumps(mine), self.ledger.now_text()))
        if rows:
            with self.ledger.transaction():
                self.ledger.connection.executemany(
                    "INSERT OR REPLACE INTO read_files (path, reader, entry, marks, read_at) VALUES (?, ?, ?, ?, ?)",
                    rows)
        self.pending.clear()
