"""The ledger's tables (as migrations) and the rows it hands back (as pydantic models).

Migrations are plain functions named ``mNNN_<what>`` that take the open connection; the ledger
runs each pending one inside its own transaction and records its name in the ``migrations``
table, so a schema change is a new function appended to :data:`DEFAULT_MIGRATIONS`, never an
edit of an old one (a file in the field has already run the old one).

Timestamps written by the ledger are ISO-8601 text in UTC with microseconds
(``2024-05-22T09:30:00.000000+00:00``): fixed width and one offset, so comparing the text in SQL
orders them in time. A decision's own ``at`` is data from the request and keeps its offset.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cms_bridge.channels import Channel
from cms_bridge.errors import LedgerError
from cms_bridge.intake.origin import Origin
from cms_bridge.intake.request import Decision

__all__ = [
    "DEFAULT_MIGRATIONS",
    "DecisionRecord",
    "Event",
    "LedgerError",
    "ManualPublication",
    "MediaRecord",
    "Migration",
    "Publication",
    "PublicationState",
    "RecordOutcome",
    "RequestVersion",
    "apply_migrations",
    "m001_initial",
    "m004_request_origin",
    "m005_kept_files",
    "m007_report_outcomes",
    "m011_one_outcome_store",
    "open_database",
]

Migration = Callable[[sqlite3.Connection], None]
PublicationState = Literal["pending", "scheduled", "published", "withdrawn", "failed"]
PUBLICATION_STATES: tuple[str, ...] = ("pending", "scheduled", "published", "withdrawn", "failed")


def _append_only(table: str) -> list[str]:
    # Assessors are shown this history; a trigger stops a stray UPDATE or DELETE from any
    # client (sqlite3 shell, a report script), not just from this library.
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: history is never changed'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: history is never deleted'); END""",
    ]


def m001_initial(db: sqlite3.Connection) -> None:
    """Requests and their versions, decisions, publications, media, manual publications, events."""
    statements = [
        # current_version must name a stored version; deferred because the request row and its
        # first version are inserted in the same transaction and each refers to the other.
        """CREATE TABLE requests (
            request_id TEXT PRIMARY KEY,
            current_version TEXT NOT NULL,
            source TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            FOREIGN KEY (request_id, current_version)
                REFERENCES request_versions (request_id, version_hash) DEFERRABLE INITIALLY DEFERRED
        )""",
        # payload is the request without its decision: the hash leaves the decision out too, so
        # one hash means one payload, and decisions live (with their history) in `decisions`.
        """CREATE TABLE request_versions (
            request_id TEXT NOT NULL REFERENCES requests (request_id),
            version_hash TEXT NOT NULL CHECK (length(version_hash) = 64),
            payload TEXT NOT NULL CHECK (json_valid(payload)),
            source TEXT,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (request_id, version_hash)
        )""",
        # Seed §2.2 at the lowest level: no approval or rejection without who and when, even
        # from a script that writes SQL itself.
        """CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL REFERENCES requests (request_id),
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
            "by" TEXT,
            position TEXT,
            at TEXT,
            note TEXT,
            version_hash TEXT,
            recorded_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            CHECK (status = 'pending' OR ("by" IS NOT NULL AND at IS NOT NULL))
        )""",
        "CREATE INDEX decisions_by_request ON decisions (request_id, id)",
        """CREATE TABLE publications (
            request_id TEXT PRIMARY KEY REFERENCES requests (request_id),
            post_id INTEGER,
            post_key TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL
                CHECK (state IN ('pending', 'scheduled', 'published', 'withdrawn', 'failed')),
            published_version TEXT,
            url TEXT,
            first_published_at TEXT,
            updated_at TEXT NOT NULL,
            FOREIGN KEY (request_id, published_version)
                REFERENCES request_versions (request_id, version_hash)
        )""",
        """CREATE TABLE publication_media (
            request_id TEXT NOT NULL REFERENCES requests (request_id),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            media_id INTEGER NOT NULL,
            url TEXT NOT NULL,
            filename TEXT NOT NULL,
            size INTEGER NOT NULL CHECK (size >= 0),
            uploaded_at TEXT NOT NULL,
            PRIMARY KEY (request_id, sha256)
        )""",
        # The channel list is spelled out (cms_bridge.channels.CHANNELS): a recorded step never
        # changes, so a new channel would need a step of its own.
        """CREATE TABLE manual_publications (
            id INTEGER PRIMARY KEY,
            request_id TEXT REFERENCES requests (request_id),
            group_key TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('social', 'board', 'website')),
            title TEXT NOT NULL,
            published_on TEXT NOT NULL
                CHECK (published_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            recorded_by TEXT NOT NULL,
            note TEXT,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX manual_publications_by_date ON manual_publications (published_on)",
        # No foreign key on request_id: an event may be about a request that failed validation
        # and never entered the ledger, and history must never be refused.
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL CHECK (actor <> ''),
            action TEXT NOT NULL CHECK (action <> ''),
            request_id TEXT,
            "before" TEXT CHECK ("before" IS NULL OR json_valid("before")),
            "after" TEXT CHECK ("after" IS NULL OR json_valid("after"))
        )""",
        "CREATE INDEX events_by_request ON events (request_id, id)",
        "CREATE INDEX events_by_time ON events (at)",
        *_append_only("events"),
        *_append_only("decisions"),
        *_append_only("request_versions"),
    ]
    for statement in statements:
        db.execute(statement)


def m002_publication_site_modified(db: sqlite3.Connection) -> None:
    """The post's modification time on the site after the bridge's last write: a later one means
    a person edited the post there (drift)."""
    db.execute("ALTER TABLE publications ADD COLUMN site_modified TEXT")


def m003_category_migration_journal(db: sqlite3.Connection) -> None:
    """The journal of category migrations: each planned change is written before it is made."""
    db.execute("""CREATE TABLE migration_runs (
        run_id TEXT PRIMARY KEY,
        plan_name TEXT NOT NULL,
        plan_path TEXT,
        plan_hash TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'rolled_back')),
        started_at TEXT NOT NULL,
        finished_at TEXT
    )""")
    db.execute("""CREATE TABLE migration_changes (
        run_id TEXT NOT NULL REFERENCES migration_runs (run_id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('create_term', 'update_term', 'post_categories', 'delete_term')),
        target INTEGER,
        "before" TEXT NOT NULL CHECK (json_valid("before")),
        "after" TEXT NOT NULL CHECK (json_valid("after")),
        state TEXT NOT NULL CHECK (state IN ('planned', 'done', 'undone')),
        PRIMARY KEY (run_id, seq)
    )""")


ORIGIN_TABLES = ("requests", "request_versions")


def m004_request_origin(db: sqlite3.Connection) -> None:
    """Where a request came from as fields (``origin_folder``, ``origin_file``, ``origin_row``)
    beside the ``source`` text, which stays as written; existing rows get fields read from it."""
    for table in ORIGIN_TABLES:
        for column, kind in (("origin_folder", "TEXT"), ("origin_file", "TEXT"),
                             ("origin_row", "INTEGER CHECK (origin_row IS NULL OR origin_row >= 1)")):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    # request_versions is append-only; filling in the new columns changes no history, so its
    # update trigger is lifted while they are filled in and put back exactly as it was.
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
                          " AND name LIKE '%no_update'", ("request_versions",)).fetchall()
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {name}")
    for table in ORIGIN_TABLES:
        rows = db.execute(f"SELECT rowid, source FROM {table} WHERE source IS NOT NULL AND source <> ''").fetchall()
        for rowid, text in rows:
            origin = _origin_from_text(text)
            db.execute(f"UPDATE {table} SET origin_folder = ?, origin_file = ?, origin_row = ? WHERE rowid = ?",
                       (origin.folder, origin.file, origin.row, rowid))
    for _, sql in triggers:
        db.execute(sql)


def _origin_from_text(text: str) -> Origin:
    # Only for rows written before m004: the text was a file ("a/b.toml"), a folder of a request
    # built in code ("a/b/"), or from the Python API any "path, row N".
    head, sep, tail = text.rpartition(", row ")
    if sep and tail.isdigit() and int(tail) >= 1:
        return Origin.of_file(head, int(tail))
    return Origin.of_path(text)


def origin_columns(origin: Origin | None) -> tuple[str | None, str | None, int | None]:
    """The ``origin_folder``, ``origin_file``, ``origin_row`` values of *origin*."""
    return (None, None, None) if origin is None else (origin.folder, origin.file, origin.row)


def origin_from_columns(row: sqlite3.Row) -> Origin | None:
    """The origin stored in a row's ``origin_*`` columns, or ``None`` when none was given."""
    if row["origin_folder"] is None:
        return None
    return Origin(folder=row["origin_folder"], file=row["origin_file"], row=row["origin_row"])


def m005_kept_files(db: sqlite3.Connection) -> None:
    """The file store's index and what binds a version to its files.

    ``kept_files``: what inspection found in each file of the store (by sha256). ``file_scans``:
    the ID guard's findings per file and scanner version (masked values only), so an unchanged
    file is not read again on every pass. ``inbox_files``: the last digest seen at each inbox
    path with the file's size, times and inode, so an unchanged inbox file is not hashed again.
    ``version_files``: the sha256 of every attachment of a request version (the approval binds
    them). ``decisions.channel``: ``file`` for a decision read from a request file, ``ledger``
    for one recorded with ``decide`` or the API (a file cannot override those); NULL before m005.
    """
    db.execute("""CREATE TABLE kept_files (
        sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
        size INTEGER NOT NULL CHECK (size >= 0),
        file_type TEXT NOT NULL,
        media_type TEXT NOT NULL,
        pages INTEGER,
        kept_at TEXT NOT NULL
    )""")
    db.execute("""CREATE TABLE file_scans (
        sha256 TEXT NOT NULL REFERENCES kept_files (sha256),
        scanner_version TEXT NOT NULL,
        findings TEXT NOT NULL CHECK (json_valid(findings)),
        scanned_at TEXT NOT NULL,
        PRIMARY KEY (sha256, scanner_version)
    )""")
    db.execute("""CREATE TABLE inbox_files (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        sha256 TEXT NOT NULL REFERENCES kept_files (sha256),
        seen_at TEXT NOT NULL
    )""")
    db.execute("""CREATE TABLE version_files (
        request_id TEXT NOT NULL,
        version_hash TEXT NOT NULL,
        ref_path TEXT NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        PRIMARY KEY (request_id, version_hash, ref_path),
        FOREIGN KEY (request_id, version_hash) REFERENCES request_versions (request_id, version_hash)
    )""")
    db.execute("ALTER TABLE decisions ADD COLUMN channel TEXT CHECK (channel IS NULL OR channel IN ('file', 'ledger'))")
    db.execute("CREATE INDEX decisions_by_channel ON decisions (request_id, channel)")
    for statement in _append_only("version_files"):
        db.execute(statement)


def m007_report_outcomes(db: sqlite3.Connection) -> None:
    """``report_outcomes``: the desk's outcome (ผลลัพธ์หรือประโยชน์ที่เกิดจากการเผยแพร่) of a report item.

    ``item`` names the item as the report does (``request:<id>``, ``post:<site post id>``,
    ``manual:<manual publication id>``); a later outcome replaces the earlier one, and each change
    is in the event trail, so the table holds only the current text.
    """
    db.execute("""CREATE TABLE report_outcomes (
        item TEXT PRIMARY KEY CHECK (item GLOB 'request:?*' OR item GLOB 'post:[0-9]*' OR item GLOB 'manual:[0-9]*'),
        outcome TEXT NOT NULL CHECK (outcome <> ''),
        set_by TEXT NOT NULL CHECK (set_by <> ''),
        set_at TEXT NOT NULL
    )""")


def m008_desk_notes(db: sqlite3.Connection) -> None:
    """What people add on the desk: a group director's notes on a round's monitoring report (the
    outcome of each item, ผลลัพธ์, and section ๓, ปัญหา อุปสรรค และข้อเสนอแนะ; one row per group and
    round), and the photos PR keeps as evidence of a manual publication (kept files by sha256)."""
    db.execute("""CREATE TABLE report_notes (
        group_key TEXT NOT NULL,
        fiscal_year INTEGER NOT NULL,
        round INTEGER NOT NULL CHECK (round IN (1, 2)),
        outcomes TEXT NOT NULL CHECK (json_valid(outcomes)),
        problems TEXT NOT NULL CHECK (json_valid(problems)),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (group_key, fiscal_year, round)
    )""")
    db.execute("""CREATE TABLE manual_evidence (
        manual_id INTEGER NOT NULL REFERENCES manual_publications (id),
        sha256 TEXT NOT NULL REFERENCES kept_files (sha256),
        name TEXT NOT NULL,
        PRIMARY KEY (manual_id, sha256)
    )""")


def m009_read_files_and_settled_requests(db: sqlite3.Connection) -> None:
    """Work done once, what an idle pass need not do again: each inbox request file (or export)
    read clean, so it is not read again (``read_files``, by path): its stamp and digest, its requests' version hashes,
    its named files' stamps and digests (JSON, see ``intake.inbox.ReadFile``), what it was read
    with (``reader``: versions, settings, mappings) and the ledger's state of its requests once
    recorded (``marks``: current version and last decision of each), so a file whose requests
    the ledger changed since is read again; and each request a pass found settled
    (``settled_requests``). Caches both: deleting their rows costs one full pass, nothing else.
    """
    db.execute("""CREATE TABLE read_files (
        path TEXT PRIMARY KEY,
        reader TEXT NOT NULL,
        entry TEXT NOT NULL CHECK (json_valid(entry)),
        marks TEXT NOT NULL CHECK (json_valid(marks)),
        read_at TEXT NOT NULL
    )""")
    # What a pass planned and found nothing to do for, per request: the digest of everything the
    # plan read (``inputs``: its ledger rows, its post on the site, the settings; ``ledger_inputs``
    # the same without the post, for status), the span of time the answer holds (``valid_from``
    # to ``valid_until``, the next window boundary, NULL for none) and what status shows of it.
    db.execute("""CREATE TABLE settled_requests (
        request_id TEXT PRIMARY KEY REFERENCES requests (request_id),
        inputs TEXT NOT NULL,
        ledger_inputs TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        valid_until TEXT,
        view TEXT NOT NULL CHECK (json_valid(view)),
        settled_at TEXT NOT NULL
    )""")


def m010_audit_scans_and_fixes(db: sqlite3.Connection) -> None:
    """What ``cms-bridge audit`` remembers: each media library file it read (by address, with the
    size, modification time and sha256 it had, and the masked findings, never a whole number),
    so a rerun reads only new or changed files; and the journal of ``audit fix`` runs (each
    change written as planned before it is made, marked done once the site has it)."""
    db.execute("""CREATE TABLE audit_scans (
        url TEXT PRIMARY KEY CHECK (url <> ''),
        media_id INTEGER NOT NULL,
        size INTEGER CHECK (size IS NULL OR size >= 0),
        modified TEXT,
        sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
        scanner_version INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('scanned', 'too_large', 'unreadable', 'missing')),
        note TEXT,
        findings TEXT NOT NULL CHECK (json_valid(findings)),
        scanned_at TEXT NOT NULL
    )""")
    db.execute("""CREATE TABLE audit_fix_runs (
        run_id TEXT PRIMARY KEY,
        to_status TEXT NOT NULL CHECK (to_status IN ('draft', 'private')),
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'rolled_back')),
        actor TEXT NOT NULL CHECK (actor <> ''),
        started_at TEXT NOT NULL,
        finished_at TEXT
    )""")
    db.execute("""CREATE TABLE audit_fix_changes (
        run_id TEXT NOT NULL REFERENCES audit_fix_runs (run_id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('entry_status', 'remove_file')),
        target INTEGER NOT NULL,
        "before" TEXT NOT NULL CHECK (json_valid("before")),
        "after" TEXT NOT NULL CHECK (json_valid("after")),
        state TEXT NOT NULL CHECK (state IN ('planned', 'done', 'undone')),
        PRIMARY KEY (run_id, seq)
    )""")


def m011_one_outcome_store(db: sqlite3.Connection) -> None:
    """One store of report outcomes: the desk's per-round outcomes move into ``report_outcomes``.

    Before this step the desk kept its directors' outcomes in ``report_notes.outcomes``, keyed by
    ``<origin>|<day>|<url or title>``, while ``cms-bridge report`` read ``report_outcomes``
    (:meth:`Ledger.set_outcome`): the same fact in two places. Each desk outcome whose item the
    ledger alone can name moves to ``report_outcomes`` (a bridge post by its URL, a manual record
    by its day and title); where both stores hold a text for one item, the later one is kept.
    A hand-made post on the site cannot be named without reading the site, so its outcome stays
    in ``report_notes.outcomes`` until the bridge next reads that round's report and places it
    (:meth:`Bridge.report`). From here on ``report_notes`` holds section ๓ and only those leftovers.
    """
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    rows = db.execute("SELECT group_key, fiscal_year, round, outcomes, updated_at, updated_by FROM report_notes"
                      ).fetchall()
    for group_key, fiscal_year, round_number, outcomes, updated_at, updated_by in rows:
        left: dict[str, str] = {}
        for key, text in json.loads(outcomes).items():
            item = _desk_note_item(db, str(key))
            if item is None:
                left[key] = text
                continue
            found = db.execute("SELECT outcome, set_at FROM report_outcomes WHERE item = ?", (item,)).fetchone()
            if found is not None and (found[0] == text or found[1] >= updated_at):
                continue  # the same text, or set later through Ledger.set_outcome: that one stands
            db.execute("INSERT INTO report_outcomes (item, outcome, set_by, set_at) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (item) DO UPDATE SET outcome = excluded.outcome, set_by = excluded.set_by,"
                       " set_at = excluded.set_at", (item, text, updated_by, updated_at))
            request_id = item.removeprefix("request:") if item.startswith("request:") else None
            db.execute('INSERT INTO events (at, actor, action, request_id, "before", "after") VALUES (?, ?, ?, ?, ?, ?)',
                       (now, "m011_one_outcome_store", "report.outcome_set", request_id,
                        json.dumps({"item": item, "outcome": None if found is None else found[0]}, ensure_ascii=False),
                        json.dumps({"item": item, "outcome": text, "from": "report_notes"}, ensure_ascii=False)))
        db.execute("UPDATE report_notes SET outcomes = ? WHERE group_key = ? AND fiscal_year = ? AND round = ?",
                   (json.dumps(left, ensure_ascii=False), group_key, fiscal_year, round_number))


def _desk_note_item(db: sqlite3.Connection, key: str) -> str | None:
    """The report item a desk note's key (``<origin>|<day>|<url or title>``) names, when one only."""
    origin, _, rest = key.partition("|")
    day, _, name = rest.partition("|")
    if origin == "bridge":
        found = db.execute("SELECT request_id FROM publications WHERE url = ?", (name,)).fetchall()
    elif origin == "manual":
        # A record of no request is its own row; a record of a request makes the request's row,
        # titled with the request's current title.
        found = db.execute("SELECT 'manual:' || id FROM manual_publications WHERE request_id IS NULL"
                           " AND published_on = ? AND title = ?", (day, name)).fetchall()
        if len(found) == 1:
            return str(found[0][0])
        found = db.execute(
            "SELECT DISTINCT m.request_id FROM manual_publications m JOIN requests r ON r.request_id = m.request_id"
            " JOIN request_versions v ON v.request_id = r.request_id AND v.version_hash = r.current_version"
            " WHERE m.published_on = ? AND json_extract(v.payload, '$.title') = ?", (day, name)).fetchall()
    else:
        return None  # a post made by hand: only the site knows its id
    return f"request:{found[0][0]}" if len(found) == 1 else None


def payload_digest(payload: str) -> str:
    """The sha256 of a version's payload text, as ``request_versions.payload_sha256`` keeps it."""
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def m012_version_digests(db: sqlite3.Connection) -> None:
    """Each version's payload digest (``payload_sha256``), written when the version is recorded,
    so a pass digests a request's ledger rows without fetching its payload.

    Existing rows are filled in (the append-only trigger is lifted for that and put back as it
    was). A payload changed afterwards by hand (the trigger dropped) clears its digest, by the
    trigger made here, and a row inserted without one has none: a pass then hashes the payload
    itself, so such an edit is still noticed.
    """
    db.execute("ALTER TABLE request_versions ADD COLUMN payload_sha256 TEXT")
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
                          " AND name LIKE '%no_update'", ("request_versions",)).fetchall()
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {name}")
    rows = db.execute("SELECT rowid, payload FROM request_versions").fetchall()
    db.executemany("UPDATE request_versions SET payload_sha256 = ? WHERE rowid = ?",
                   [(payload_digest(payload), rowid) for rowid, payload in rows])
    for _, sql in triggers:
        db.execute(sql)
    db.execute("CREATE TRIGGER request_versions_payload_digest AFTER UPDATE OF payload ON request_versions"
               " BEGIN UPDATE request_versions SET payload_sha256 = NULL WHERE rowid = NEW.rowid; END")


#: Every migration in the order it is applied; append, never reorder or edit. A list so callers
#: can write ``DEFAULT_MIGRATIONS + [extra]``; the ledger never mutates it.
DEFAULT_MIGRATIONS: list[Migration] = [m001_initial, m002_publication_site_modified,
                                       m003_category_migration_journal, m004_request_origin, m005_kept_files,
                                       m007_report_outcomes, m008_desk_notes,
                                       m009_read_files_and_settled_requests, m010_audit_scans_and_fixes,
                                       m011_one_outcome_store, m012_version_digests]


#: What to do when the ledger file is damaged; said wherever SQLite reports it.
RESTORE_ADVICE = ("restore the last backup of the ledger (docs/operations.md, Backups), or move the damaged "
                  "file aside: a new ledger fed the same inbox adopts the posts already on the site by their keys")


def open_database(path: str) -> sqlite3.Connection:
    """Open (create) the SQLite file with the ledger's pragmas.

    Raises:
        LedgerError: the file cannot be opened or is not a database.
    """
    try:
        # Autocommit at the driver level: the ledger issues BEGIN/SAVEPOINT itself.
        db = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot open the ledger {path}: {exc}") from exc
    db.row_factory = sqlite3.Row
    try:
        # busy_timeout first so switching to WAL waits for another process instead of failing.
        db.execute("PRAGMA busy_timeout = 5000")
        if path != ":memory:":
            # Readers (reports) never block the daemon's writes, and vice versa.
            db.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable in WAL mode except for the last commits on power loss, which a
        # rerun of the reconciler repairs; FULL would fsync on every event.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise LedgerError(f"{path} is not a usable ledger ({exc}): {RESTORE_ADVICE}") from exc
    return db


def apply_migrations(db: sqlite3.Connection, migrations: Sequence[Migration], now: Callable[[], str]) -> None:
    """Apply the migrations not yet recorded in ``migrations``, each in its own transaction.

    Args:
        db: a connection from :func:`open_database`.
        migrations: all migrations, in order; their function names are their identities.
        now: the timestamp to record as ``applied_at``.

    Raises:
        LedgerError: duplicate names, or the file records a migration not in the list (it was
            written by a newer cms-bridge).
    """
    names = [m.__name__ for m in migrations]
    if len(set(names)) != len(names):
        raise LedgerError(f"migration names must be unique: {names}")
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    unknown = sorted({row[0] for row in db.execute("SELECT name FROM migrations")} - set(names))
    if unknown:
        raise LedgerError(f"the ledger was migrated by a newer cms-bridge (unknown: {', '.join(unknown)}); upgrade")
    for migration in migrations:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Checked under the write lock: another process may have applied it meanwhile.
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", (migration.__name__,)).fetchone() is None:
                migration(db)
                db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (migration.__name__, now()))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordOutcome(_Row):
    """What :meth:`Ledger.record_request` did.

    Attributes:
        change: ``added`` (new request), ``amended`` (new content), ``unchanged`` (same hash).
        version_hash: the request's current version after the call.
        decision_changed: the request carried a new decision and it was recorded.
        conflict: why the file's ``[decision]`` was not recorded (a decision recorded with
            ``decide`` or the API stands), for the intake report; ``None`` otherwise.
    """

    change: Literal["added", "amended", "unchanged"]
    version_hash: str
    decision_changed: bool
    conflict: str | None = None


class RequestVersion(_Row):
    """One stored content version of a request.

    Attributes:
        payload: the request as JSON (``model_dump_json``) without its decision.
        source: where this version was read from (file, spreadsheet row, folder), as text.
        origin: the same as fields, when given.
        recorded_at: when the ledger first saw this version.
    """

    request_id: str
    version_hash: str
    payload: dict[str, Any]
    source: str | None
    recorded_at: AwareDatetime
    origin: Origin | None = None


class DecisionRecord(_Row):
    """One entry of a request's decision history.

    Attributes:
        version_hash: the request version that was current when the decision was recorded, so
            "approved" can be told from "approved, then amended".
        actor: who or what recorded it (not the approver, who is ``decision.by``).
        channel: ``file`` when read from a request file's ``[decision]``, ``ledger`` when
            recorded with ``cms-bridge decide`` or the API (a file cannot override those).
    """

    id: int
    request_id: str
    decision: Decision
    version_hash: str | None
    recorded_at: AwareDatetime
    actor: str
    channel: Literal["file", "ledger"] = "ledger"


class Publication(_Row):
    """The bridge's knowledge of a request's post on the site."""

    request_id: str
    post_id: int | None
    post_key: str
    state: PublicationState
    published_version: str | None
    url: str | None
    first_published_at: AwareDatetime | None
    updated_at: AwareDatetime
    site_modified: AwareDatetime | None = None


class MediaRecord(_Row):
    """An attachment uploaded to the site for a request, identified by its content.

    Attributes:
        uploaded_at: set by the ledger's clock when saved; leave it out when saving.
    """

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_id: int
    url: str
    filename: str
    size: int = Field(ge=0)
    uploaded_at: AwareDatetime | None = None


class ManualPublication(_Row):
    """A publication made by hand (social media, notice board), kept so reports count it."""

    id: int
    request_id: str | None
    group_key: str
    channel: Channel
    title: str
    published_on: date
    recorded_by: str
    note: str | None
    recorded_at: AwareDatetime


class Event(_Row):
    """One entry of the audit trail; ``before``/``after`` are the JSON states around a change."""

    id: int
    at: AwareDatetime
    actor: str
    action: str
    request_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
