"""What a pass reads of the ledger, set-wise, and the requests it found settled.

A pass used to read each request's rows one by one (about twenty statements a request). A
:class:`PassSnapshot` reads every row a plan depends on in a few queries for all requests at
once and gives each request a digest of them (:meth:`PassSnapshot.ledger_digest`): its site
version's payload (by its kept digest) and files, its current version, its last decision, its publication and
uploads, the kept-file rows and current scans of its files, whether the store still holds them,
and the caller's fingerprint (settings, mappings, scanner and planner versions).

A request the reconciler planned and found nothing to do for is *settled*
(``settled_requests``): with the digest of those inputs plus its post as the site showed it, and
the span of time the answer holds (until the next window boundary). While the inputs and the
span hold, the next pass neither builds nor plans it, and ``status`` shows what was kept of it.
Anything the plan reads that changes -- an edited ledger row, a new scan, a file gone from the
store, a post edited on the site -- gives another digest, and the request is planned in full.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cms_bridge.intake.idguard import SCANNER_VERSION

if TYPE_CHECKING:
    from cms_bridge.ledger.store import Ledger

__all__ = ["PassSnapshot", "Settled", "settle", "stamp_of", "with_post"]


def stamp_of(moment: datetime) -> str:
    """*moment* as the ledger stores times (fixed width, UTC: text order is time order)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Settled:
    """One request found settled, to be written by :func:`settle`."""

    request_id: str
    inputs: str
    ledger_inputs: str
    valid_from: datetime
    valid_until: datetime | None
    view: dict[str, Any]


class PassSnapshot:
    """Every ledger row a pass plans from, read in a few queries for all requests.

    Args:
        ledger: the ledger.
        fingerprint: what else the answer depends on (settings, mappings, code versions).
    """

    def __init__(self, ledger: Ledger, fingerprint: str, *, views: bool = False) -> None:
        db = ledger.connection
        self.fingerprint = f"{fingerprint}|{SCANNER_VERSION}"
        has = ledger.files.has
        files: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for row in db.execute("SELECT request_id, version_hash, ref_path, sha256 FROM version_files"
                              " ORDER BY request_id, version_hash, ref_path"):
            files[(row[0], row[1])].append((row[2], row[3]))
        publications = {row[0]: tuple(row) for row in db.execute("SELECT * FROM publications")}
        media: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in db.execute("SELECT request_id, sha256, media_id, url, filename, size, uploaded_at"
                              " FROM publication_media ORDER BY rowid"):
            media[row[0]].append(tuple(row[1:]))
        kept = {row[0]: tuple(row[1:]) for row in db.execute(
            "SELECT sha256, size, file_type, media_type, pages FROM kept_files")}
        scans = {row[0]: row[1] for row in db.execute(
            "SELECT sha256, findings FROM file_scans WHERE scanner_version = ?", (str(SCANNER_VERSION),))}
        #: Per request: its digest (None: its site version cannot be read), its decision status,
        #: and whether it was ever published. The rows themselves are not kept: a pass over
        #: 10,000 requests holds digests, not payloads.
        self._requests: dict[str, tuple[str | None, str | None, bool]] = {}
        # The site version, as Ledger.site_version chooses it: the approved one, else the current.
        # Its payload by the digest kept when it was recorded (m012), not fetched; a row with no
        # digest (inserted by hand, or its payload edited, which clears it) by the payload itself.
        for row in db.execute(
                "SELECT r.request_id, r.current_version, v.version_hash, coalesce(v.payload_sha256, v.payload), d.id, d.status, d.\"by\","
                " d.position, d.at, d.note, d.version_hash, d.recorded_at, d.actor, d.channel"
                " FROM requests r LEFT JOIN decisions d"
                " ON d.id = (SELECT max(x.id) FROM decisions x WHERE x.request_id = r.request_id)"
                " LEFT JOIN request_versions v ON v.request_id = r.request_id AND v.version_hash ="
                " CASE WHEN d.status = 'approved' AND coalesce(d.version_hash, '') <> '' THEN d.version_hash"
                " ELSE r.current_version END ORDER BY r.request_id"):
            request_id = row[0]
            digest = None
            if row[3] is not None:
                its_files = files.get((request_id, row[2]), [])
                its_media = media.get(request_id, [])
                shas = sorted({sha for _, sha in its_files} | {m[0] for m in its_media})
                # repr of plain str/int/None tuples: deterministic, and cheaper than JSON.
                parts = (self.fingerprint, tuple(row), its_files, publications.get(request_id), its_media,
                         [(sha, kept.get(sha), scans.get(sha), has(sha)) for sha in shas])
                digest = hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()
            self._requests[request_id] = (digest, row[5], request_id in publications)
        columns = "view" if views else "NULL"
        self._settled = {row[0]: tuple(row[1:]) for row in db.execute(
            f"SELECT request_id, inputs, ledger_inputs, valid_from, valid_until, {columns} FROM settled_requests")}

    @property
    def request_ids(self) -> list[str]:
        """Every recorded request id, sorted."""
        return list(self._requests)

    def unpublished_pending(self, request_id: str) -> bool:
        """No decision other than pending, and never published: nothing on the site to look at."""
        _, status, published = self._requests[request_id]
        return status not in ("approved", "rejected") and not published

    def ledger_digest(self, request_id: str) -> str | None:
        """The digest of every ledger row the request's plan reads, or ``None`` when its site
        version cannot be read (it is planned in full, which says why)."""
        return self._requests[request_id][0]

    def settled_until(self, request_id: str) -> str | None:
        """The end of the settled answer's span as stored (the next window boundary), if any."""
        row = self._settled.get(request_id)
        return None if row is None else row[3]

    def holds(self, request_id: str, *, at: datetime, inputs: str | None = None,
              ledger_inputs: str | None = None) -> dict[str, Any] | None:
        """The kept view of a request settled with these inputs (the full ones, or for status
        the ledger's only) whose answer holds at *at* (empty unless read with *views*); else
        ``None``."""
        row = self._settled.get(request_id)
        if row is None or (inputs is None and ledger_inputs is None):
            return None
        kept_inputs, kept_ledger, valid_from, valid_until, view = row
        if inputs is not None and inputs != kept_inputs:
            return None
        if ledger_inputs is not None and ledger_inputs != kept_ledger:
            return None
        moment = stamp_of(at)
        if moment < valid_from or (valid_until is not None and moment >= valid_until):
            return None
        return dict(json.loads(view)) if view is not None else {}


def with_post(ledger_inputs: str, post: str) -> str:
    """The full inputs: the ledger's digest and the post as the site showed it (JSON text)."""
    return hashlib.sha256(f"{ledger_inputs}|{post}".encode()).hexdigest()


def settle(ledger: Ledger, settled: Iterable[Settled]) -> int:
    """Write the requests found settled, in one transaction (none: nothing is written).

    Returns:
        How many were written.
    """
    rows = [(s.request_id, s.inputs, s.ledger_inputs, stamp_of(s.valid_from),
             s.valid_until and stamp_of(s.valid_until), json.dumps(s.view, ensure_ascii=False, default=str))
            for s in settled]
    if rows:
        with ledger.transaction():
            now = ledger.now_text()
            ledger.connection.executemany(
                "INSERT OR REPLACE INTO settled_requests (request_id, inputs, ledger_inputs, valid_from, valid_until,"
                " view, settled_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [(*row, now) for row in rows])
    return len(rows)
