"""The ledger: what the bridge knows and did, in one SQLite file the office can show assessors.

It keeps every version of every request, the full history of decisions, the state of each post
on the site and its uploaded media, publications made by hand, and an append-only event trail.
Each write and its event row go in one transaction, so the trail never misses a change and never
tells of one that did not happen::

    with Ledger("ledger.sqlite") as ledger:
        outcome = ledger.record_request(request, source="requests/pr-2567-0042.toml", actor="intake")

One :class:`Ledger` is one connection: use it from one thread; other processes may open the same
file (WAL mode, 5 s busy timeout). Time comes from the injected clock, never from the system.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ValidationError

from cms_bridge.errors import LedgerError
from cms_bridge.ledger.files import FileStore
from cms_bridge.ledger.schema import (
    DEFAULT_MIGRATIONS,
    payload_digest,
    PUBLICATION_STATES,
    DecisionRecord,
    Event,
    ManualPublication,
    MediaRecord,
    Migration,
    Publication,
    PublicationState,
    RecordOutcome,
    RequestVersion,
    apply_migrations,
    open_database,
    origin_columns,
    origin_from_columns,
)
from cms_bridge.channels import CHANNELS
from cms_bridge.intake.idguard import mask_id_numbers, scan_fields
from cms_bridge.intake.origin import Origin
from cms_bridge.intake.request import Decision, PublicationRequest

__all__ = [
    "DEFAULT_MIGRATIONS",
    "DecisionRecord",
    "Event",
    "Ledger",
    "LedgerError",
    "ManualPublication",
    "MediaRecord",
    "Migration",
    "Publication",
    "PublicationState",
    "RecordOutcome",
    "RequestVersion",
    "SiteVersion",
]

_GROUP_KEY = re.compile(r"[a-z][a-z0-9_]*")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _json(value: Mapping[str, Any] | BaseModel | None) -> str | None:
    if value is None:
        return None
    value = value.model_dump(mode="json") if isinstance(value, BaseModel) else dict(value)
    try:
        # Thai stays readable for anyone opening the file with the sqlite3 shell.
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise LedgerError(f"event data is not JSON-serialisable: {exc}") from None


def _stamp(moment: datetime) -> str:
    # Fixed width and one offset, so SQL text comparison orders instants (see ledger_schema).
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@dataclass(frozen=True)
class SiteVersion:
    """The version of a request the site may show, and what stands between it and the newest.

    Attributes:
        request: with an approval, the approved version (its payload as approved) with that
            decision; otherwise the current version with the current decision (pending when
            none): a rejected or pending request is shown nowhere, whatever its version.
        files: the sha256 of each attachment and image of that version, by path; empty for a
            version recorded without its files (a request built in code that never went through
            intake: the publish gate refuses it).
        version_hash: the hash of the version in :attr:`request` (with its files).
        decision: the current decision as recorded, or ``None``.
        current_version: the newest version's hash.
        awaiting_approval: the request was amended after its approval; the site keeps the
            approved version until the amendment is approved.
    """

    request: PublicationRequest
    files: Mapping[str, str]
    version_hash: str
    decision: DecisionRecord | None
    current_version: str
    awaiting_approval: bool


def _legacy_channel(actor: str) -> Literal["file", "ledger"]:
    # Decisions recorded before m005 have no channel: those read from request files were
    # recorded by the intake's actor, those from `decide` under the person's name.
    return "file" if actor in ("cms-bridge", "intake", "cms-bridge intake") else "ledger"


def _text(value: str, field: str) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise LedgerError(f"{field} may not be empty")
    return text


class Ledger:
    """The bridge's SQLite ledger.

    Args:
        path: the database file (created if missing; its folder must exist), or ``":memory:"``.
        clock: returns the current time, timezone-aware; every stored timestamp comes from it.
        migrations: the schema migrations, in order; tests and later versions append to
            :data:`DEFAULT_MIGRATIONS`.
        files_dir: the file store's folder (see :mod:`cms_bridge.ledger.files`); by default the
            ledger's path plus ``.files``, or a temporary folder for an in-memory ledger.

    Raises:
        LedgerError: the file cannot be opened, is not a database, or was migrated by a newer
            cms-bridge (it records migrations this code does not know).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], datetime] = _utc_now,
        migrations: Sequence[Migration] = DEFAULT_MIGRATIONS,
        files_dir: str | Path | None = None,
    ) -> None:
        self.path = str(path)
        self._clock = clock
        self._depth = 0
        self._scratch_files: tempfile.TemporaryDirectory[str] | None = None
        if files_dir is None and self.path == ":memory:":
            self._scratch_files = tempfile.TemporaryDirectory(prefix="cms-bridge-files-")
            files_dir = self._scratch_files.name
        #: The store of every attachment's bytes, by sha256.
        self.files = FileStore(Path(files_dir) if files_dir is not None else Path(self.path + ".files"))
        self._db = open_database(self.path)
        try:
            apply_migrations(self._db, migrations, self._now)
        except LedgerError as exc:
            self._db.close()
            raise LedgerError(f"{self.path}: {exc}") from exc
        except BaseException:
            self._db.close()
            raise

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection: read-only queries (reports), and modules that own their tables
        (the migration journal) writing inside :meth:`transaction` with an event."""
        return self._db

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self._db.close()
        if self._scratch_files is not None:
            self._scratch_files.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Ledger]:
        """Run the block in one transaction; nested blocks become savepoints.

        An exception rolls back the block (and only the block, when nested) and is re-raised.
        """
        depth = self._depth
        # IMMEDIATE takes the write lock up front, so two writers wait (busy_timeout) rather
        # than fail later when a read lock cannot be upgraded.
        self._db.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT level_{depth}")
        self._depth += 1
        try:
            yield self
            if depth == 0:
                self._db.execute("COMMIT")
            else:
                self._db.execute(f"RELEASE level_{depth}")
        except BaseException:
            # A failed COMMIT (e.g. a deferred foreign key) leaves the transaction open; some
            # errors end it on their own, so only roll back what is still there.
            if self._db.in_transaction:
                if depth == 0:
                    self._db.execute("ROLLBACK")
                else:
                    self._db.execute(f"ROLLBACK TO level_{depth}")
                    self._db.execute(f"RELEASE level_{depth}")
            raise
        finally:
            self._depth = depth

    def now_text(self) -> str:
        """The ledger clock's current time as stored (for modules that keep their own tables)."""
        return self._now()

    def _now(self) -> str:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise LedgerError(f"the ledger's clock returned a naive datetime ({now!r}); it must be timezone-aware")
        return _stamp(now)

    # --- requests and decisions -------------------------------------------------------------

    def _current_version(self, request_id: str) -> str:
        row = self._db.execute("SELECT current_version FROM requests WHERE request_id = ?", (request_id,)).fetchone()
        if row is None:
            raise LedgerError(f"unknown request {request_id!r}: record it with record_request() first")
        return str(row[0])

    def _payload(self, request_id: str, version_hash: str) -> dict[str, Any]:
        row = self._db.execute(
            "SELECT payload FROM request_versions WHERE request_id = ? AND version_hash = ?", (request_id, version_hash)
        ).fetchone()
        return dict(json.loads(row[0]))

    @staticmethod
    def _combine(payload: dict[str, Any], decision: Decision | None) -> PublicationRequest:
        data = {**payload, "decision": (decision or Decision()).model_dump(mode="json")}
        try:
            # Re-validated, not model_copy'd: the model's cross-field checks (decided after
            # the request date) must hold for the pair the ledger will hand out.
            return PublicationRequest.model_validate(data)
        except ValidationError as exc:
            rid = payload.get("request_id")
            raise LedgerError(f"request {rid}: the decision does not fit the request: {exc}") from None

    def record_request(self, request: PublicationRequest, *, source: Origin | str | None,
                       actor: str, files: Mapping[str, str] | None = None) -> RecordOutcome:
        """Store a request: new, amended (new content hash) or unchanged.

        Unchanged content writes nothing. The version binds the request's fields and the sha256
        of each of its files (*files*): a file replaced under the same name is an amendment.

        A non-pending ``[decision]`` carried by a request *file* is recorded (channel ``file``)
        when it differs from the current decision, and binds to the version read with it. Once
        a decision was recorded with ``decide`` or the API (channel ``ledger``), a file's
        decision is never recorded: the conflict is written to the trail once and returned.
        Decisions are ordered by the ledger, never by a time a file claims.

        Args:
            request: the validated request.
            source: where it was read from: an :class:`Origin` (file, export row, or folder of a
                request built in code); a text is taken as a path (a folder when it is one or
                ends in a separator, else a file).
            actor: who or what records it, for the event trail.
            files: the sha256 of each attachment and image by the path the request names, as
                intake kept them in :attr:`files` (the store); without them the publish gate
                refuses the request's files.

        Raises:
            LedgerError: the request's text carries a national ID number nobody acknowledged; or
                a request built in code (no file origin) carries a decision: decisions
                are recorded with :meth:`record_decision`, under a person's name; or the recorded
                decision would not fit the new version (decided before its request date).
        """
        files = dict(files or {})
        request_id, new_hash = request.request_id, request.version_hash(files)
        if request.id_number_acknowledgement is None and \
                (found := [f for f in scan_fields(request) if f.blocks]):
            # Intake never records such a request; nor does the ledger, whoever asks: the number
            # would be in every status line, event and post address that names the request.
            raise LedgerError(f"request {mask_id_numbers(request_id)}: {found[0].message}: a request whose text "
                              "carries a national ID number is not recorded unless a person acknowledges it "
                              "([id_number_acknowledgement])")
        origin = Origin.of_path(source) if isinstance(source, str) and source else \
            source if isinstance(source, Origin) else None
        carried = request.decision if request.decision.status != "pending" else None
        if carried is not None and (origin is None or origin.file is None):
            raise LedgerError(f"request {request_id}: a request built in code cannot carry a decision; record it "
                              "with record_decision() (cms-bridge decide), under the name of the person who decided")
        text = None if origin is None else str(origin)
        columns = origin_columns(origin)
        conflict = None
        with self.transaction():
            now = self._now()
            row = self._db.execute("SELECT current_version FROM requests WHERE request_id = ?", (request_id,))
            old_hash = next((r[0] for r in row), None)
            if old_hash != new_hash:
                self._store_version(request, files, new_hash, old_hash, text, columns, now, actor)
                if old_hash is not None and self._upgraded_binding(request, files, old_hash):
                    self._carry_decision(now, request_id, old_hash, new_hash)
            current = self.current_record(request_id)
            decision_changed = False
            if carried is not None and (current is None or carried != current.decision):
                if self._has_ledger_decision(request_id):
                    conflict = self._conflict(now, request_id, carried, current, text, actor)
                else:
                    self._insert_decision(now, request_id, carried, current.decision if current else None, new_hash,
                                          actor, channel="file")
                    decision_changed = True
            if not decision_changed and current is not None and old_hash != new_hash:
                self._combine(self._payload(request_id, new_hash), current.decision)
        change: Literal["added", "amended", "unchanged"] = (
            "added" if old_hash is None else "unchanged" if old_hash == new_hash else "amended")
        return RecordOutcome(change=change, version_hash=new_hash, decision_changed=decision_changed,
                             conflict=conflict)

    def _store_version(self, request: PublicationRequest, files: Mapping[str, str], new_hash: str,
                       old_hash: str | None, text: str | None, columns: tuple[str | None, str | None, int | None],
                       now: str, actor: str) -> None:
        request_id = request.request_id
        if old_hash is None:
            self._db.execute(
                "INSERT INTO requests (request_id, current_version, source, origin_folder, origin_file,"
                " origin_row, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (request_id, new_hash, text, *columns, now, now),
            )
        else:
            self._db.execute(
                "UPDATE requests SET current_version = ?, source = ?, origin_folder = ?, origin_file = ?,"
                " origin_row = ?, updated_at = ? WHERE request_id = ?",
                (new_hash, text, *columns, now, request_id),
            )
        # OR IGNORE: going back to an earlier version reuses its stored row.
        payload = request.model_dump_json(exclude={"decision"})
        inserted = self._db.execute(
            "INSERT OR IGNORE INTO request_versions (request_id, version_hash, payload, source,"
            " origin_folder, origin_file, origin_row, recorded_at, payload_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, new_hash, payload, text, *columns, now, payload_digest(payload)),
        ).rowcount
        if inserted:
            self._db.executemany(
                "INSERT INTO version_files (request_id, version_hash, ref_path, sha256) VALUES (?, ?, ?, ?)",
                [(request_id, new_hash, path, sha) for path, sha in sorted(files.items())])
        before = None if old_hash is None else {"version_hash": old_hash}
        action = "request.added" if old_hash is None else "request.amended"
        after: dict[str, Any] = {"version_hash": new_hash, "source": text}
        if files:
            after["files"] = dict(sorted(files.items()))
        self._event(now, action, actor, request_id, before, after)

    def _upgraded_binding(self, request: PublicationRequest, files: Mapping[str, str], old_hash: str) -> bool:
        """True when *old_hash* is this same content recorded before versions bound their files
        (a ledger from before m005): the first files seen afterwards are the ones approved."""
        if not files or old_hash != request.version_hash():
            return False
        row = self._db.execute("SELECT count(*) FROM version_files WHERE request_id = ? AND version_hash = ?",
                               (request.request_id, old_hash)).fetchone()
        return int(row[0]) == 0

    def _carry_decision(self, now: str, request_id: str, old_hash: str, new_hash: str) -> None:
        current = self.current_record(request_id)
        # Only a decision written before m005 (no channel) is carried: one recorded since then
        # approved a version without files, which the gate must keep holding.
        legacy = current is not None and self._db.execute(
            "SELECT channel IS NULL FROM decisions WHERE id = ?", (current.id,)).fetchone()[0]
        if current is not None and legacy and current.version_hash == old_hash:
            self._insert_decision(now, request_id, current.decision, current.decision, new_hash,
                                  "cms-bridge upgrade (files bound to the version)", channel=current.channel)

    def _has_ledger_decision(self, request_id: str) -> bool:
        return any(record.channel == "ledger" for record in self.decisions_of(request_id))

    def _conflict(self, now: str, request_id: str, carried: Decision, current: DecisionRecord | None,
                  text: str | None, actor: str) -> str:
        standing = current.decision.status if current else "pending"
        message = (f"the [decision] in {text or 'the request file'} ({carried.status} by {carried.by}) is not "
                   f"recorded: the decision recorded with cms-bridge decide stands ({standing}"
                   f"{' by ' + current.decision.by if current and current.decision.by else ''}); "
                   "change it with cms-bridge decide")
        seen = {"decision": carried.model_dump(mode="json"), "source": text}
        already = any(e.action == "decision.conflict" and e.after == seen for e in self.events(request_id))
        if not already:
            self._event(now, "decision.conflict", actor, request_id, current and current.decision, seen)
        return message

    def _insert_decision(
        self, now: str, request_id: str, decision: Decision, previous: Decision | None, version: str, actor: str,
        *, channel: Literal["file", "ledger"],
    ) -> None:
        at = None if decision.at is None else decision.at.isoformat()
        self._db.execute(
            'INSERT INTO decisions (request_id, status, "by", position, at, note, version_hash, recorded_at, actor,'
            " channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, decision.status, decision.by, decision.position, at, decision.note, version, now, actor,
             channel),
        )
        # The version and channel are in the decisions row itself.
        self._event(now, "decision.recorded", actor, request_id, previous, decision)

    def record_decision(self, request_id: str, decision: Decision, *, actor: str) -> None:
        """Append a decision to the request's history; it becomes the current decision.

        It binds to the request's current version (its fields and files): an approval approves
        what is in the ledger now, and a later amendment needs a decision of its own. A decision
        recorded here cannot be overridden by a request file's ``[decision]``.

        Args:
            request_id: a recorded request.
            decision: the committee's order (``pending`` reopens a decided request).
            actor: who records it (the approver is ``decision.by``).

        Raises:
            LedgerError: unknown request, or the decision predates the request.
        """
        with self.transaction():
            version = self._current_version(request_id)
            self._combine(self._payload(request_id, version), decision)
            current = self.current_decision(request_id)
            self._insert_decision(self._now(), request_id, decision, current, version, actor, channel="ledger")

    def decisions_of(self, request_id: str) -> list[DecisionRecord]:
        """The request's decision history, oldest first (in the order the ledger recorded them).

        Raises:
            LedgerError: unknown request.
        """
        self._current_version(request_id)
        rows = self._db.execute("SELECT * FROM decisions WHERE request_id = ? ORDER BY id", (request_id,))
        return [
            DecisionRecord(
                id=r["id"],
                request_id=r["request_id"],
                decision=Decision(status=r["status"], by=r["by"], position=r["position"], at=r["at"], note=r["note"]),
                version_hash=r["version_hash"],
                recorded_at=r["recorded_at"],
                actor=r["actor"],
                channel=r["channel"] or _legacy_channel(r["actor"]),
            )
            for r in rows
        ]

    def current_record(self, request_id: str) -> DecisionRecord | None:
        """The latest recorded decision with its version and channel, or ``None``.

        Raises:
            LedgerError: unknown request.
        """
        history = self.decisions_of(request_id)
        return history[-1] if history else None

    def current_decision(self, request_id: str) -> Decision | None:
        """The latest recorded decision, or ``None`` when none was ever recorded.

        Raises:
            LedgerError: unknown request.
        """
        record = self.current_record(request_id)
        return record.decision if record else None

    def get_request(self, request_id: str) -> PublicationRequest:
        """The current version of the request with its current decision (pending when none).

        This is the newest version, approved or not; what the site may show is
        :meth:`site_version`.

        Raises:
            LedgerError: unknown request.
        """
        payload = self._payload(request_id, self._current_version(request_id))
        return self._combine(payload, self.current_decision(request_id))

    def files_of(self, request_id: str, version_hash: str) -> dict[str, str]:
        """The sha256 of each file of one version, by the path the request names it with."""
        rows = self._db.execute("SELECT ref_path, sha256 FROM version_files WHERE request_id = ? AND version_hash = ?",
                                (request_id, version_hash))
        return {r[0]: r[1] for r in rows}

    def site_version(self, request_id: str) -> SiteVersion:
        """The version the site may show: the approved one, even when amended since.

        Raises:
            LedgerError: unknown request.
        """
        current_hash = self._current_version(request_id)
        record = self.current_record(request_id)
        decision = record.decision if record else None
        if record is not None and decision is not None and decision.status == "approved" and record.version_hash:
            version = record.version_hash
        else:
            version = current_hash
        request = self._combine(self._payload(request_id, version), decision)
        return SiteVersion(request=request, files=self.files_of(request_id, version), version_hash=version,
                           decision=record,
                           current_version=current_hash, awaiting_approval=version != current_hash)

    def scratch_copy(self) -> Ledger:
        """An in-memory copy to try changes on (``plan`` records the inbox there, not here).

        It shares this ledger's file store: files are kept by content, so keeping one more
        changes nothing that anyone sees.
        """
        copy = Ledger(":memory:", clock=self._clock, files_dir=self.files.root)
        self._db.backup(copy._db)
        return copy

    def source_of(self, request_id: str) -> str | None:
        """Where the request was last read from, as text (its file, or its folder ending in ``/``)."""
        row = self._db.execute("SELECT source FROM requests WHERE request_id = ?", (request_id,)).fetchone()
        return row["source"] if row else None

    def origin_of(self, request_id: str) -> Origin | None:
        """Where the request was last read from, or ``None`` when unknown (or not recorded)."""
        row = self._db.execute("SELECT origin_folder, origin_file, origin_row FROM requests WHERE request_id = ?",
                               (request_id,)).fetchone()
        return origin_from_columns(row) if row else None

    def request_marks(self) -> dict[str, str]:
        """Each request's current version and last decision as one text (``version|decision id``),
        in one query: it changes whenever either does."""
        rows = self._db.execute(
            "SELECT r.request_id, r.current_version,"
            " (SELECT max(d.id) FROM decisions d WHERE d.request_id = r.request_id) FROM requests r")
        return {row[0]: f"{row[1]}|{row[2] or 0}" for row in rows}

    def list_request_ids(self) -> list[str]:
        """Every recorded request id, sorted."""
        return [row[0] for row in self._db.execute("SELECT request_id FROM requests ORDER BY request_id")]

    def versions(self, request_id: str) -> list[RequestVersion]:
        """Every content version of the request, in the order first seen.

        Raises:
            LedgerError: unknown request.
        """
        self._current_version(request_id)
        rows = self._db.execute(
            "SELECT * FROM request_versions WHERE request_id = ? ORDER BY recorded_at, rowid", (request_id,)
        )
        return [
            RequestVersion(request_id=r["request_id"], version_hash=r["version_hash"], payload=json.loads(r["payload"]),
                           source=r["source"], recorded_at=r["recorded_at"], origin=origin_from_columns(r))
            for r in rows
        ]

    # --- publications and media -------------------------------------------------------------

    def get_publication(self, request_id: str) -> Publication | None:
        """The request's post as last saved, or ``None`` before the first save.

        Raises:
            LedgerError: unknown request.
        """
        self._current_version(request_id)
        row = self._db.execute("SELECT * FROM publications WHERE request_id = ?", (request_id,)).fetchone()
        return None if row is None else Publication.model_validate(dict(row))

    def publications(self) -> list[Publication]:
        """Every saved publication, by request id."""
        rows = self._db.execute("SELECT * FROM publications ORDER BY request_id")
        return [Publication.model_validate(dict(r)) for r in rows]

    def save_publication(
        self,
        request_id: str,
        *,
        post_id: int | None,
        post_key: str,
        state: PublicationState,
        published_version: str | None,
        url: str | None,
        actor: str,
        action: str,
        site_modified: datetime | None = None,
    ) -> Publication:
        """Create or update the request's publication row, with an event holding both states.

        ``first_published_at`` is set the first time the state is ``published`` and kept after.
        Saving what is already stored writes nothing (a rerun of the reconciler adds no noise).

        Args:
            request_id: a recorded request.
            post_id: the post's id on the site, once it exists.
            post_key: the idempotency key (the post's slug), e.g. ``pr-2567-0042``.
            state: pending, scheduled, published, withdrawn or failed.
            published_version: the request version the post shows (a recorded version).
            url: the post's public address.
            actor: who or what made the change.
            action: the event's action, e.g. ``publication.created``, ``publication.withdrawn``.
            site_modified: the post's modification time on the site after this write.

        Raises:
            LedgerError: unknown request, unknown state, or a version this request never had.
        """
        if state not in PUBLICATION_STATES:
            raise LedgerError(f"unknown publication state {state!r}; expected one of {', '.join(PUBLICATION_STATES)}")
        with self.transaction():
            before = self.get_publication(request_id)
            known = {v.version_hash for v in self.versions(request_id)}
            if published_version is not None and published_version not in known:
                raise LedgerError(f"request {request_id} has no version {published_version!r}")
            now = self._now()
            moment = datetime.fromisoformat(now)
            first = before.first_published_at if before else None
            after = Publication(
                request_id=request_id,
                post_id=post_id,
                post_key=post_key,
                state=state,
                published_version=published_version,
                url=url,
                first_published_at=first or (moment if state == "published" else None),
                updated_at=moment,
                site_modified=site_modified,
            )
            if before is not None and before.model_copy(update={"updated_at": after.updated_at}) == after:
                return before
            # Timestamps go in as the ledger's own text form, not pydantic's JSON form ("Z").
            row = {**after.model_dump(), "updated_at": now}
            row["first_published_at"] = after.first_published_at and _stamp(after.first_published_at)
            row["site_modified"] = after.site_modified and _stamp(after.site_modified)
            columns = ", ".join(row)
            self._db.execute(
                f"INSERT INTO publications ({columns}) VALUES ({', '.join('?' * len(row))})"
                f" ON CONFLICT (request_id) DO UPDATE SET ({columns}) = ({', '.join('excluded.' + c for c in row)})",
                tuple(row.values()),
            )
            self._event(now, action, actor, request_id, before, after)
        return after

    def media_for(self, request_id: str) -> dict[str, MediaRecord]:
        """The request's uploaded media, keyed by the file's sha256.

        Raises:
            LedgerError: unknown request.
        """
        self._current_version(request_id)
        rows = self._db.execute(
            "SELECT sha256, media_id, url, filename, size, uploaded_at FROM publication_media"
            " WHERE request_id = ? ORDER BY rowid",
            (request_id,),
        )
        return {r["sha256"]: MediaRecord.model_validate(dict(r)) for r in rows}

    def save_media(self, request_id: str, media: MediaRecord, *, actor: str) -> MediaRecord:
        """Record an upload (replacing an earlier one of the same content), stamped now.

        Args:
            request_id: a recorded request.
            media: what the site returned; its ``uploaded_at`` is replaced by the clock's time.
            actor: who or what uploaded it.

        Raises:
            LedgerError: unknown request.
        """
        with self.transaction():
            before = self.media_for(request_id).get(media.sha256)
            now = self._now()
            after = media.model_copy(update={"uploaded_at": datetime.fromisoformat(now)})
            self._db.execute(
                "INSERT OR REPLACE INTO publication_media"
                " (request_id, sha256, media_id, url, filename, size, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (request_id, media.sha256, media.media_id, media.url, media.filename, media.size, now),
            )
            self._event(now, "media.uploaded", actor, request_id, before, after)
        return after

    def forget_media(self, request_id: str, sha256: str, *, actor: str) -> None:
        """Record that an upload was deleted from the site (withdrawn or superseded).

        The file's bytes stay in the store; a later pass that needs the file uploads it again.

        Args:
            request_id: a recorded request.
            sha256: the uploaded file's digest.
            actor: who or what deleted it.

        Raises:
            LedgerError: unknown request.
        """
        with self.transaction():
            before = self.media_for(request_id).get(sha256)
            if before is None:
                return
            self._db.execute("DELETE FROM publication_media WHERE request_id = ? AND sha256 = ?",
                             (request_id, sha256))
            self._event(self._now(), "media.deleted", actor, request_id, before, None)

    # --- manual publications ------------------------------------------------------------------

    def record_manual_publication(
        self,
        *,
        group_key: str,
        channel: str,
        title: str,
        published_on: date,
        recorded_by: str,
        request_id: str | None = None,
        note: str | None = None,
    ) -> ManualPublication:
        """Record a publication made by hand so the six-monthly reports count it.

        Args:
            group_key: the publishing group's mapping key, e.g. ``ict``.
            channel: ``social``, ``board`` or ``website``.
            title: what was published (NFC-normalised, stripped).
            published_on: the day it went out.
            recorded_by: who records it; also the event's actor.
            request_id: the request it fulfils, when there was one.
            note: free text (where exactly, reach, problems).

        Raises:
            LedgerError: unknown channel or request, a group that is not a mapping key, or an
                empty title or name.
        """
        if channel not in CHANNELS:
            raise LedgerError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
        if not _GROUP_KEY.fullmatch(group_key):
            raise LedgerError(f"group {group_key!r} is not a mapping key (e.g. 'ict')")
        title, recorded_by = _text(title, "title"), _text(recorded_by, "recorded_by")
        note = unicodedata.normalize("NFC", note).strip() or None if note is not None else None
        with self.transaction():
            if request_id is not None:
                self._current_version(request_id)
            now = self._now()
            cursor = self._db.execute(
                "INSERT INTO manual_publications"
                " (request_id, group_key, channel, title, published_on, recorded_by, note, recorded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (request_id, group_key, channel, title, published_on.isoformat(), recorded_by, note, now),
            )
            row = self._db.execute("SELECT * FROM manual_publications WHERE id = ?", (cursor.lastrowid,)).fetchone()
            record = ManualPublication.model_validate(dict(row))
            self._event(now, "manual_publication.recorded", recorded_by, request_id, None, record)
        return record

    def manual_publications(self, start: date | None = None, end: date | None = None) -> list[ManualPublication]:
        """Manual publications published from *start* to *end*, both days included, by date."""
        rows = self._db.execute(
            "SELECT * FROM manual_publications WHERE (:start IS NULL OR published_on >= :start)"
            " AND (:end IS NULL OR published_on <= :end) ORDER BY published_on, id",
            {"start": start and start.isoformat(), "end": end and end.isoformat()},
        )
        return [ManualPublication.model_validate(dict(r)) for r in rows]

    # --- events -------------------------------------------------------------------------------

    def _event(self, now: str, action: str, actor: str, request_id: str | None, before: Any, after: Any) -> None:
        if not actor or not action:
            raise LedgerError("an event needs an actor and an action")
        self._db.execute(
            'INSERT INTO events (at, actor, action, request_id, "before", "after") VALUES (?, ?, ?, ?, ?, ?)',
            (now, actor, action, request_id, _json(before), _json(after)),
        )

    def append_event(
        self,
        action: str,
        *,
        actor: str,
        request_id: str | None = None,
        before: Mapping[str, Any] | BaseModel | None = None,
        after: Mapping[str, Any] | BaseModel | None = None,
    ) -> None:
        """Add an entry to the audit trail (for things that change no ledger table).

        Args:
            action: dotted name, e.g. ``sync.started``, ``category.migrated``.
            actor: who or what acted.
            request_id: the request concerned; need not be recorded (e.g. one that failed
                validation).
            before: the state before, as a JSON object or a model.
            after: the state after.

        Raises:
            LedgerError: empty actor or action, or data that is not JSON-serialisable.
        """
        with self.transaction():
            self._event(self._now(), action, actor, request_id, before, after)

    def events(self, request_id: str | None = None, since: datetime | None = None) -> list[Event]:
        """The audit trail in the order written, optionally for one request and from *since* on.

        Raises:
            LedgerError: *since* is a naive datetime.
        """
        if since is not None and since.utcoffset() is None:
            raise LedgerError("since must be timezone-aware")
        rows = self._db.execute(
            "SELECT * FROM events WHERE (:request_id IS NULL OR request_id = :request_id)"
            " AND (:since IS NULL OR at >= :since) ORDER BY id",
            {
                "request_id": request_id,
                "since": since and _stamp(since),
            },
        )
        return [
            Event.model_validate({**dict(r), "before": _loads(r["before"]), "after": _loads(r["after"])}) for r in rows
        ]

    # --- report outcomes ----------------------------------------------------------------------

    def set_outcome(self, *, outcome: str | None, by: str, request_id: str | None = None,
                    post_id: int | None = None, manual_id: int | None = None) -> None:
        """Set (or clear) the outcome the desk gives one item of the six-monthly report.

        The outcome is the form's column ผลลัพธ์หรือประโยชน์ที่เกิดจากการเผยแพร่. The desk's
        text replaces what the report would otherwise show (the notes given to ``record``). Name
        the item by exactly one of *request_id* (a request the bridge published), *post_id* (a
        post made on the site by hand) or *manual_id* (a publication recorded with ``record``);
        the report's JSON gives each item's reference.

        Args:
            outcome: the text (NFC, stripped); None or blank clears it.
            by: who sets it; also the event's actor.
            request_id: a request in the ledger.
            post_id: a site post's id.
            manual_id: a manual publication's id.

        Raises:
            LedgerError: not exactly one item named, an unknown request or manual publication,
                a post id below 1, or an empty *by*.
        """
        named = [(kind, value) for kind, value in (("request", request_id), ("post", post_id),
                                                   ("manual", manual_id)) if value is not None]
        if len(named) != 1:
            raise LedgerError("name exactly one item: request_id, post_id or manual_id")
        kind, value = named[0]
        by = _text(by, "by")
        text = unicodedata.normalize("NFC", outcome).strip() if outcome is not None else ""
        with self.transaction():
            if kind == "request":
                self._current_version(str(value))
            elif kind == "manual":
                found = self._db.execute("SELECT 1 FROM manual_publications WHERE id = ?", (value,)).fetchone()
                if found is None:
                    raise LedgerError(f"unknown manual publication #{value}")
            elif not isinstance(value, int) or value < 1:
                raise LedgerError(f"post id must be a positive number, not {value!r}")
            item = f"{kind}:{value}"
            row = self._db.execute("SELECT outcome FROM report_outcomes WHERE item = ?", (item,)).fetchone()
            before = None if row is None else row[0]
            if before == (text or None):
                return
            now = self._now()
            if text:
                self._db.execute(
                    "INSERT INTO report_outcomes (item, outcome, set_by, set_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (item) DO UPDATE SET outcome = excluded.outcome, set_by = excluded.set_by,"
                    " set_at = excluded.set_at", (item, text, by, now))
            else:
                self._db.execute("DELETE FROM report_outcomes WHERE item = ?", (item,))
            self._event(now, "report.outcome_set", by, request_id, {"item": item, "outcome": before},
                        {"item": item, "outcome": text or None})

    def outcomes(self) -> dict[str, str]:
        """The desk's outcomes by item reference (``request:<id>``, ``post:<id>``, ``manual:<id>``)."""
        return {row[0]: row[1] for row in self._db.execute("SELECT item, outcome FROM report_outcomes")}

    # --- the desk's notes: section 3 per group and round; PR's evidence -------------------------

    def save_report_notes(self, *, group_key: str, fiscal_year: int, round_number: int,
                          problems: Sequence[str], actor: str) -> None:
        """Keep section ๓ (ปัญหา อุปสรรค และข้อเสนอแนะ) a group director wrote for a round, replacing it.

        Each item's outcome is not kept here but with :meth:`set_outcome`, the one store the
        report, ``record --note`` and the desk share.

        Args:
            group_key: the group's mapping key.
            fiscal_year: BE year.
            round_number: 1 or 2.
            problems: section 3, one line each (empty lines dropped).
            actor: who wrote it; also the event's actor.

        Raises:
            LedgerError: a group that is not a mapping key, or a round other than 1 or 2.
        """
        if not _GROUP_KEY.fullmatch(group_key):
            raise LedgerError(f"group {group_key!r} is not a mapping key (e.g. 'ict')")
        if round_number not in (1, 2):
            raise LedgerError(f"round must be 1 or 2, not {round_number!r}")
        lines = [unicodedata.normalize("NFC", line).strip() for line in problems if line.strip()]
        after = {"group_key": group_key, "fiscal_year": fiscal_year, "round": round_number, "problems": lines}
        with self.transaction():
            now = self._now()
            # outcomes keeps only what m011 could not place yet (see place_desk_outcomes); never written here.
            self._db.execute(
                "INSERT INTO report_notes (group_key, fiscal_year, round, outcomes, problems, updated_at, updated_by)"
                " VALUES (?, ?, ?, '{}', ?, ?, ?) ON CONFLICT (group_key, fiscal_year, round) DO UPDATE SET"
                " problems = excluded.problems, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                (group_key, fiscal_year, round_number, json.dumps(lines, ensure_ascii=False), now, actor))
            self._event(now, "report_notes.saved", actor, None, None, after)

    def report_notes(self, *, group_key: str, fiscal_year: int, round_number: int) -> tuple[dict[str, str], list[str]]:
        """A group's round: the desk outcomes not yet placed (by their old key, see m011) and section 3 lines."""
        row = self._db.execute("SELECT outcomes, problems FROM report_notes WHERE group_key = ? AND fiscal_year = ?"
                               " AND round = ?", (group_key, fiscal_year, round_number)).fetchone()
        if row is None:
            return {}, []
        return dict(json.loads(row["outcomes"])), list(json.loads(row["problems"]))

    def place_desk_outcomes(self, *, group_key: str, fiscal_year: int, round_number: int,
                            items: Mapping[str, str], actor: str) -> int:
        """Move desk outcomes kept by their old key (before m011) to the items they name.

        Step m011 could not name a hand-made post's item without the site; the bridge calls this
        when it has read the round's report and knows which item each old key is. An item that
        already has an outcome keeps it.

        Args:
            group_key: the group's mapping key.
            fiscal_year: BE year.
            round_number: 1 or 2.
            items: the item reference (``post:<id>``, …) of each old key found in the report.
            actor: the event's actor.

        Returns:
            How many outcomes were moved.
        """
        moved = 0
        with self.transaction():
            row = self._db.execute("SELECT outcomes, updated_by FROM report_notes WHERE group_key = ?"
                                   " AND fiscal_year = ? AND round = ?",
                                   (group_key, fiscal_year, round_number)).fetchone()
            if row is None:
                return 0
            left = dict(json.loads(row["outcomes"]))
            now = self._now()
            for key, item in items.items():
                text = left.pop(key, None)
                if text is None:
                    continue
                if self._db.execute("SELECT 1 FROM report_outcomes WHERE item = ?", (item,)).fetchone() is None:
                    self._db.execute("INSERT INTO report_outcomes (item, outcome, set_by, set_at) VALUES (?, ?, ?, ?)",
                                     (item, text, row["updated_by"], now))
                    request_id = item.removeprefix("request:") if item.startswith("request:") else None
                    self._event(now, "report.outcome_set", actor, request_id, {"item": item, "outcome": None},
                                {"item": item, "outcome": text, "from": "report_notes"})
                    moved += 1
            self._db.execute("UPDATE report_notes SET outcomes = ? WHERE group_key = ? AND fiscal_year = ?"
                             " AND round = ?", (json.dumps(left, ensure_ascii=False), group_key, fiscal_year,
                                                round_number))
        return moved

    def add_manual_evidence(self, manual_id: int, *, sha256: str, name: str, actor: str) -> None:
        """Attach a kept file (a photo of the board, a screenshot of the post) to a manual publication.

        Raises:
            LedgerError: no such manual publication, or the file was not kept (``FileKeeper``).
        """
        with self.transaction():
            if self._db.execute("SELECT 1 FROM manual_publications WHERE id = ?", (manual_id,)).fetchone() is None:
                raise LedgerError(f"no manual publication {manual_id}")
            if self._db.execute("SELECT 1 FROM kept_files WHERE sha256 = ?", (sha256,)).fetchone() is None:
                raise LedgerError(f"{name}: not a kept file; take it in through the file keeper first")
            self._db.execute("INSERT OR IGNORE INTO manual_evidence (manual_id, sha256, name) VALUES (?, ?, ?)",
                             (manual_id, sha256, name))
            request_id = self._db.execute("SELECT request_id FROM manual_publications WHERE id = ?",
                                          (manual_id,)).fetchone()[0]
            self._event(self._now(), "manual_publication.evidence_added", actor, request_id, None,
                        {"manual_id": manual_id, "sha256": sha256, "name": name})

    def manual_evidence(self, manual_id: int) -> dict[str, str]:
        """The evidence files of a manual publication: sha256 by name."""
        rows = self._db.execute("SELECT name, sha256 FROM manual_evidence WHERE manual_id = ? ORDER BY name",
                                (manual_id,))
        return {r["name"]: r["sha256"] for r in rows}
