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
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ValidationError

from cms_bridge.errors import LedgerError
from cms_bridge.ledger.schema import (
    DEFAULT_MIGRATIONS,
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


def _is_later(decision: Decision, current: Decision | None) -> bool:
    if current is None or current.at is None or decision.at is None:
        return True
    return decision.at > current.at


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
    ) -> None:
        self.path = str(path)
        self._clock = clock
        self._depth = 0
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
                       actor: str) -> RecordOutcome:
        """Store a request: new, amended (new content hash) or unchanged.

        Unchanged content writes nothing. A non-pending decision carried by the request is
        recorded when it differs from the current one and was made after it; a pending one never
        overrides a recorded decision.

        Args:
            request: the validated request.
            source: where it was read from: an :class:`Origin` (file, export row, or folder of a
                request built in code); a text is taken as a path (a folder when it is one or
                ends in a separator, else a file).
            actor: who or what records it, for the event trail.

        Raises:
            LedgerError: the recorded decision would not fit the new version (decided before
                its request date).
        """
        request_id, new_hash = request.request_id, request.version_hash()
        origin = Origin.of_path(source) if isinstance(source, str) and source else \
            source if isinstance(source, Origin) else None
        text = None if origin is None else str(origin)
        columns = origin_columns(origin)
        with self.transaction():
            now = self._now()
            row = self._db.execute("SELECT current_version FROM requests WHERE request_id = ?", (request_id,))
            old_hash = next((r[0] for r in row), None)
            if old_hash != new_hash:
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
                self._db.execute(
                    "INSERT OR IGNORE INTO request_versions (request_id, version_hash, payload, source,"
                    " origin_folder, origin_file, origin_row, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (request_id, new_hash, request.model_dump_json(exclude={"decision"}), text, *columns, now),
                )
                before = None if old_hash is None else {"version_hash": old_hash}
                action = "request.added" if old_hash is None else "request.amended"
                self._event(now, action, actor, request_id, before, {"version_hash": new_hash, "source": text})
            current = self.current_decision(request_id)
            # Decisions are ordered by when they were made: a file read again still carries its
            # old approval, which must not undo a later decision recorded with `decide`.
            decision_changed = (request.decision.status != "pending" and request.decision != current
                                and _is_later(request.decision, current))
            if decision_changed:
                self._insert_decision(now, request_id, request.decision, current, new_hash, actor)
            elif current is not None and old_hash != new_hash:
                self._combine(self._payload(request_id, new_hash), current)
        change: Literal["added", "amended", "unchanged"] = "added" if old_hash is None else "unchanged" if old_hash == new_hash else "amended"
        return RecordOutcome(change=change, version_hash=new_hash, decision_changed=decision_changed)

    def _insert_decision(
        self, now: str, request_id: str, decision: Decision, previous: Decision | None, version: str, actor: str
    ) -> None:
        at = None if decision.at is None else decision.at.isoformat()
        self._db.execute(
            'INSERT INTO decisions (request_id, status, "by", position, at, note, version_hash, recorded_at, actor)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, decision.status, decision.by, decision.position, at, decision.note, version, now, actor),
        )
        self._event(now, "decision.recorded", actor, request_id, previous, decision)

    def record_decision(self, request_id: str, decision: Decision, *, actor: str) -> None:
        """Append a decision to the request's history; it becomes the current decision.

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
            self._insert_decision(self._now(), request_id, decision, self.current_decision(request_id), version, actor)

    def decisions_of(self, request_id: str) -> list[DecisionRecord]:
        """The request's decision history, oldest first.

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
            )
            for r in rows
        ]

    def current_decision(self, request_id: str) -> Decision | None:
        """The latest recorded decision, or ``None`` when none was ever recorded.

        Raises:
            LedgerError: unknown request.
        """
        history = self.decisions_of(request_id)
        return history[-1].decision if history else None

    def get_request(self, request_id: str) -> PublicationRequest:
        """The current version of the request with its current decision (pending when none).

        Raises:
            LedgerError: unknown request.
        """
        payload = self._payload(request_id, self._current_version(request_id))
        return self._combine(payload, self.current_decision(request_id))

    def scratch_copy(self) -> Ledger:
        """An in-memory copy to try changes on (``plan`` records the inbox there, not here)."""
        copy = Ledger(":memory:", clock=self._clock)
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
