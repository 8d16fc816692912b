"""The ledger's journal of category migrations (tables from migration m003).

Every change of a run is written, as planned, before the first one is made; each is marked done
once the site has it. A run cut off anywhere is resumed from its journal (not re-planned against
a half-changed site), and rolled back from the ``before`` of its done changes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel

from cms_bridge.errors import LedgerError
from cms_bridge.ledger.store import Ledger

ChangeKind = Literal["create_term", "update_term", "post_categories", "delete_term"]
RunStatus = Literal["running", "done", "rolled_back"]


class Change(BaseModel):
    """One change to the site.

    Category ids below zero are placeholders for categories the same run creates: ``-seq`` of
    the ``create_term`` change that makes them, resolved when the run is applied.
    """

    seq: int
    kind: ChangeKind
    target: int | None = None
    before: dict[str, Any]
    after: dict[str, Any]
    state: Literal["planned", "done", "undone"] = "planned"


class Run(BaseModel):
    """A migration run as the journal has it."""

    run_id: str
    plan_name: str
    plan_path: str | None
    plan_hash: str
    status: RunStatus
    started_at: str
    finished_at: str | None


def start_run(ledger: Ledger, *, plan_name: str, plan_path: str | None, plan_hash: str,
              changes: list[Change], actor: str) -> str:
    """Journal a new run with all its changes, before anything is changed; return its id."""
    with ledger.transaction():
        now = ledger.now_text()
        run_id = hashlib.sha256(f"{plan_hash}{now}".encode()).hexdigest()[:12]
        db = ledger.connection
        db.execute("INSERT INTO migration_runs (run_id, plan_name, plan_path, plan_hash, status, started_at)"
                   " VALUES (?, ?, ?, ?, 'running', ?)", (run_id, plan_name, plan_path, plan_hash, now))
        db.executemany(
            'INSERT INTO migration_changes (run_id, seq, kind, target, "before", "after", state)'
            " VALUES (?, ?, ?, ?, ?, ?, 'planned')",
            [(run_id, c.seq, c.kind, c.target, json.dumps(c.before, ensure_ascii=False),
              json.dumps(c.after, ensure_ascii=False)) for c in changes])
        ledger.append_event("migration.started", actor=actor,
                            after={"run_id": run_id, "plan": plan_name, "changes": len(changes)})
    return run_id


def running_run(ledger: Ledger, plan_hash: str) -> str | None:
    """The unfinished run of this plan, if a previous apply was cut off."""
    row = ledger.connection.execute(
        "SELECT run_id FROM migration_runs WHERE plan_hash = ? AND status = 'running'"
        " ORDER BY started_at DESC LIMIT 1", (plan_hash,)).fetchone()
    return row[0] if row else None


def get_run(ledger: Ledger, run_id: str) -> Run:
    """One run.

    Raises:
        LedgerError: no such run.
    """
    row = ledger.connection.execute("SELECT * FROM migration_runs WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        raise LedgerError(f"no migration run {run_id!r}; see `cms-bridge migrate runs`")
    return Run.model_validate(dict(row))


def list_runs(ledger: Ledger) -> list[Run]:
    """Every run, newest first."""
    rows = ledger.connection.execute("SELECT * FROM migration_runs ORDER BY started_at DESC, run_id")
    return [Run.model_validate(dict(r)) for r in rows]


def changes_of(ledger: Ledger, run_id: str) -> list[Change]:
    """The run's changes in order."""
    rows = ledger.connection.execute(
        'SELECT seq, kind, target, "before", "after", state FROM migration_changes WHERE run_id = ? ORDER BY seq',
        (run_id,))
    return [Change(seq=r[0], kind=r[1], target=r[2], before=json.loads(r[3]), after=json.loads(r[4]), state=r[5])
            for r in rows]


def mark(ledger: Ledger, run_id: str, changes: list[Change], state: Literal["done", "undone"]) -> None:
    """Record that these changes are now on the site (done) or taken back (undone)."""
    with ledger.transaction():
        ledger.connection.executemany(
            'UPDATE migration_changes SET state = ?, target = ?, "after" = ? WHERE run_id = ? AND seq = ?',
            [(state, c.target, json.dumps(c.after, ensure_ascii=False), run_id, c.seq) for c in changes])


def finish(ledger: Ledger, run_id: str, status: RunStatus, *, actor: str) -> None:
    """Close a run as done or rolled back."""
    with ledger.transaction():
        ledger.connection.execute("UPDATE migration_runs SET status = ?, finished_at = ? WHERE run_id = ?",
                                  (status, ledger.now_text(), run_id))
        ledger.append_event(f"migration.{status}", actor=actor, after={"run_id": run_id})
