"""``audit fix``: the chosen files taken off public view, journaled, and rolled back exactly.

For each chosen file (by attachment id, or every file with an ID number found; a ``possible``
one only when named): every published or scheduled post and page linking it goes to draft (or
private), its old status remembered; then the file's bytes are downloaded into the ledger's file
store (checked against the sha256 the audit read) and the attachment is deleted, which removes
the file and every smaller copy WordPress made, so its address answers 404 (checked over HTTP
before the change is marked done).

Like category migrations (:mod:`cms_bridge.categories.journal`), the whole run is written to the
journal (tables ``audit_fix_runs`` and ``audit_fix_changes``, schema step m010) before the first
change, each change marked done once the site has it; a run cut off is resumed by the next
``audit fix``, and ``audit rollback RUN`` undoes its done changes in reverse order: the file
uploaded again from the store with its name, parent, title, caption, alt text and description,
then each post's status as it was, unless a person changed it since (a conflict, kept unless
forced). WordPress gives a re-uploaded file a new id and puts it in
this month's folder, so a file from an earlier month cannot come back at its old address: the
plan says so for each such file before anything changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel

from cms_bridge.audit.masking import masked_copy
from cms_bridge.audit.walk import Audit, AuditRow
from cms_bridge.errors import AuditError, LedgerError, NotFoundError
from cms_bridge.intake.attachments import sniff_type
from cms_bridge.intake.idguard import mask_id_numbers
from cms_bridge.ledger.store import Ledger
from cms_bridge.wordpress.models import LibraryItem, Linker
from cms_bridge.wordpress.protocol import site_zone

ChangeKind = Literal["entry_status", "remove_file"]
Hidden = Literal["draft", "private"]
PUBLIC = ("publish", "future")


class FixChange(BaseModel):
    """One change of a fix run, as journaled."""

    seq: int
    kind: ChangeKind
    target: int
    before: dict[str, Any]
    after: dict[str, Any]
    state: Literal["planned", "done", "undone"] = "planned"


class FixPlan(BaseModel):
    """What ``audit fix`` would do, and what it cannot promise."""

    to_status: Hidden
    changes: list[FixChange]
    notes: list[str]


class FixRun(BaseModel):
    """A fix run as the journal has it."""

    run_id: str
    to_status: Hidden
    status: Literal["running", "done", "rolled_back"]
    actor: str
    started_at: str
    finished_at: str | None = None


def plan_fix(audit: Audit, *, files: Sequence[int] = (), all_found: bool = False, to_status: Hidden = "draft",
             rows: Sequence[AuditRow] | None = None) -> FixPlan:
    """Plan taking the chosen files off public view; nothing is changed.

    Args:
        audit: the audit (its site and ledger).
        files: attachment ids chosen by name (any verdict but clean).
        all_found: also every file with an ID number found (never a ``possible`` one).
        to_status: what linking posts become: ``draft`` or ``private``.
        rows: the audit's rows, when just read (default: the audit is run, reading only what changed).

    Raises:
        AuditError: nothing chosen, or a named file is not in the library or has nothing found.
    """
    if not files and not all_found:
        raise AuditError("choose files with --file ID (repeatable) or --all-found")
    rows = list(rows) if rows is not None else audit.scan().rows
    by_id = {row.item.id: row for row in rows}
    for media_id in files:
        if media_id not in by_id:
            raise AuditError(f"file #{media_id} is not in the media library (or not of an audited type)")
        if by_id[media_id].verdict == "clean":
            raise AuditError(f"file #{media_id} has nothing found; it is not taken down")
    chosen = [by_id[i] for i in dict.fromkeys(files)]
    if all_found:
        chosen += [row for row in rows if row.verdict == "found" and row.item.id not in files]
    zone = site_zone(audit.cms.site_info())
    folder_now = audit.cms.site_now().astimezone(zone).strftime("%Y/%m")
    changes: list[FixChange] = []
    notes: list[str] = []
    entries: dict[tuple[str, int], Linker] = {}
    for row in chosen:
        linking = row.linking or tuple(audit.cms.find_linking(row.item))
        for entry in linking:
            if entry.status in PUBLIC:
                entries.setdefault((entry.type, entry.id), entry)
    for entry in entries.values():
        changes.append(FixChange(seq=len(changes) + 1, kind="entry_status", target=entry.id,
                                 before=entry.model_dump(mode="json"), after={"status": to_status}))
    for row in chosen:
        item = row.item
        name = mask_id_numbers(item.filename)
        same_url = f"/wp-content/uploads/{folder_now}/" in item.url
        if not same_url:
            notes.append(f"#{item.id} {name}: after a rollback this file cannot come back at {mask_id_numbers(item.url)}"
                         f" (WordPress puts a re-uploaded file in this month's folder, {folder_now}); links to it "
                         "in posts would need the new address")
        notes.append(f"#{item.id} {name}: gets a new attachment id if rolled back")
        changes.append(FixChange(seq=len(changes) + 1, kind="remove_file", target=item.id,
                                 before={"item": item.model_dump(mode="json"), "sha256": row.record.sha256,
                                         "same_url_back": same_url}, after={}))
    return FixPlan(to_status=to_status, changes=changes, notes=notes)


def describe(plan: FixPlan | Sequence[FixChange], *, notes: Sequence[str] = ()) -> list[str]:
    """One line per change (masked), then the notes."""
    changes = plan.changes if isinstance(plan, FixPlan) else plan
    lines = []
    for change in changes:
        if change.kind == "entry_status":
            before = change.before
            lines.append(f"{change.seq:>3}. {before['type']} #{change.target} {before['title']}: "
                         f"{before['status']} -> {change.after.get('status')}  [{change.state}]")
        else:
            item = change.before["item"]
            lines.append(f"{change.seq:>3}. file #{change.target} {mask_id_numbers(LibraryItem(**item).filename)}: "
                         f"kept in the file store, removed from {mask_id_numbers(item['url'])}  [{change.state}]")
    lines += [f"note: {n}" for n in (plan.notes if isinstance(plan, FixPlan) else notes)]
    return lines


class FixJournal:
    """The fix journal of a ledger (tables ``audit_fix_runs``, ``audit_fix_changes``)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def start(self, plan: FixPlan, actor: str) -> str:
        """Journal a run and all its changes before anything changes; its id."""
        with self.ledger.transaction():
            now = self.ledger.now_text()
            body = json.dumps([c.model_dump(mode="json") for c in plan.changes], sort_keys=True)
            run_id = "fix-" + hashlib.sha256(f"{body}{now}".encode()).hexdigest()[:10]
            db = self.ledger.connection
            db.execute("INSERT INTO audit_fix_runs (run_id, to_status, status, actor, started_at)"
                       " VALUES (?, ?, 'running', ?, ?)", (run_id, plan.to_status, actor, now))
            db.executemany('INSERT INTO audit_fix_changes (run_id, seq, kind, target, "before", "after", state)'
                           " VALUES (?, ?, ?, ?, ?, ?, 'planned')",
                           [(run_id, c.seq, c.kind, c.target, self._seal(c.before), self._seal(c.after))
                            for c in plan.changes])
            self.ledger.append_event("audit.fix_started", actor=actor,
                                     after={"run_id": run_id, "changes": len(plan.changes)})
        return run_id

    def _seal(self, value: dict[str, Any]) -> str:
        """The JSON the journal keeps of *value*: as is when it holds no ID number; else masked,
        with the whole value kept in the file store (0600, beside the bytes of the files the run
        took down, which hold the same numbers) under its digest. A file named after a person's
        number can then be put back under its own name, and the ledger, which is backed up,
        copied and read as text, never holds the number whole."""
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        # Addresses and slugs are percent-encoded: a number after "%A3-" reads as 14 digits.
        readable = unquote(text)
        masked = mask_id_numbers(readable)
        if masked == readable:
            return text
        with tempfile.TemporaryDirectory(prefix="cms-bridge-journal-") as tmp:
            whole = Path(tmp) / "change.json"
            whole.write_text(text, encoding="utf-8")
            kept = self.ledger.files.put(whole).sha256
        try:
            shown: Any = json.loads(masked)
        except ValueError:
            shown = masked
        return json.dumps({"sealed": kept, "masked": shown}, ensure_ascii=False)

    def _unseal(self, text: str) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(text)
        if set(value) == {"sealed", "masked"}:
            whole: dict[str, Any] = json.loads(self.ledger.files.verified(value["sealed"]).read_text(encoding="utf-8"))
            return whole
        return value

    def running(self) -> FixRun | None:
        """The unfinished run, if one was cut off."""
        row = self.ledger.connection.execute(
            "SELECT * FROM audit_fix_runs WHERE status = 'running' ORDER BY started_at DESC LIMIT 1").fetchone()
        return FixRun.model_validate(dict(row)) if row else None

    def get(self, run_id: str) -> FixRun:
        """One run.

        Raises:
            LedgerError: no such run.
        """
        row = self.ledger.connection.execute("SELECT * FROM audit_fix_runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise LedgerError(f"no audit fix run {run_id!r}; see `cms-bridge audit runs`")
        return FixRun.model_validate(dict(row))

    def runs(self) -> list[FixRun]:
        """Every run, newest first."""
        rows = self.ledger.connection.execute("SELECT * FROM audit_fix_runs ORDER BY started_at DESC, run_id")
        return [FixRun.model_validate(dict(r)) for r in rows]

    def changes(self, run_id: str) -> list[FixChange]:
        """The run's changes in order."""
        rows = self.ledger.connection.execute(
            'SELECT seq, kind, target, "before", "after", state FROM audit_fix_changes WHERE run_id = ? ORDER BY seq',
            (run_id,))
        return [FixChange(seq=r[0], kind=r[1], target=r[2], before=self._unseal(r[3]), after=self._unseal(r[4]),
                          state=r[5]) for r in rows]

    def mark(self, run_id: str, change: FixChange, state: Literal["done", "undone"], actor: str) -> None:
        """Record that *change* is on the site (done) or taken back (undone), with its event."""
        with self.ledger.transaction():
            self.ledger.connection.execute(
                'UPDATE audit_fix_changes SET state = ?, "after" = ? WHERE run_id = ? AND seq = ?',
                (state, self._seal(change.after), run_id, change.seq))
            self.ledger.append_event(f"audit.{change.kind}_{state}", actor=actor,
                                     after={"run_id": run_id, "seq": change.seq, "target": change.target})

    def note(self, run_id: str, change: FixChange, after: dict[str, Any]) -> None:
        """Record *after* for a change still in progress (what the file store kept before a delete)."""
        change.after = after
        with self.ledger.transaction():
            self.ledger.connection.execute('UPDATE audit_fix_changes SET "after" = ? WHERE run_id = ? AND seq = ?',
                                           (self._seal(after), run_id, change.seq))

    def finish(self, run_id: str, status: Literal["done", "rolled_back"], actor: str) -> None:
        """Close a run."""
        with self.ledger.transaction():
            self.ledger.connection.execute("UPDATE audit_fix_runs SET status = ?, finished_at = ? WHERE run_id = ?",
                                           (status, self.ledger.now_text(), run_id))
            self.ledger.append_event(f"audit.fix_{status}", actor=actor, after={"run_id": run_id})


Progress = Callable[[int, int], None]


def apply_fix(audit: Audit, plan: FixPlan | None, *, masked_dir: Path | None = None,
              progress: Progress | None = None) -> tuple[str, list[str]]:
    """Apply *plan* (or resume the run a previous apply left unfinished, when there is one).

    Args:
        audit: the audit (its site, ledger and file store).
        plan: from :func:`plan_fix`; ignored while an unfinished run exists (that one is resumed).
        masked_dir: write masked copies of DOCX and XLSX files here.
        progress: called with (done, total).

    Returns:
        The run id and one line per file about its masked copy.

    Raises:
        AuditError: a file changed since the audit, or is still served after its removal.
        SiteError: a change could not be made (run ``audit fix`` again to resume).
    """
    journal = FixJournal(audit.ledger)
    run = journal.running()
    if run is None:
        if plan is None or not plan.changes:
            raise AuditError("nothing to change")
        run_id, to_status = journal.start(plan, audit.actor), plan.to_status
    else:
        run_id, to_status = run.run_id, run.to_status
    changes = journal.changes(run_id)
    copies: list[str] = []
    for done, change in enumerate(changes, start=1):
        if change.state == "planned":
            if change.kind == "entry_status":
                now = audit.cms.set_entry_status(Linker(**change.before), to_status)
                change.after = {"status": now.status, "content_sha256": now.content_sha256}
            else:
                change.after = _remove_file(audit, change, masked_dir, copies,
                                            functools.partial(journal.note, run_id, change))
            journal.mark(run_id, change, "done", audit.actor)
        if progress is not None:
            progress(done, len(changes))
    journal.finish(run_id, "done", audit.actor)
    return run_id, copies


def _keep_original(audit: Audit, item: LibraryItem, kept_before: str | None) -> str | None:
    """Keep the original of a picture WordPress scaled down (deleted with the attachment, and the
    only copy at full size) in the file store; its sha256, None when there is none."""
    if not item.original_url:
        return None
    with tempfile.TemporaryDirectory(prefix="cms-bridge-fix-") as folder:
        path = Path(folder) / "original"
        try:
            audit.cms.download(item.original_url, path, max_bytes=1 << 40)
        except NotFoundError:
            if kept_before and audit.ledger.files.has(kept_before):
                return kept_before  # removed by a run cut off after the delete
            return None  # already gone from the server: deleting the attachment loses nothing more
        return audit.ledger.files.put(path).sha256


def _keep_largest_copy(audit: Audit, item: LibraryItem) -> tuple[str, str] | None:
    """Keep the largest smaller copy still served in the file store: its sha256 and address."""
    best: tuple[int, str, str] | None = None
    with tempfile.TemporaryDirectory(prefix="cms-bridge-fix-") as folder:
        for url in item.sub_urls:
            path = Path(folder) / "copy"
            try:
                size = audit.cms.download(url, path, max_bytes=1 << 40)
            except NotFoundError:
                continue
            size = path.stat().st_size if size is None else size
            if best is None or size > best[0]:
                best = (size, audit.ledger.files.put(path).sha256, url)
    return (best[1], best[2]) if best else None


def _remove_file(audit: Audit, change: FixChange, masked_dir: Path | None, copies: list[str],
                 note: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    item = LibraryItem(**change.before["item"])
    expected = change.before.get("sha256")
    name = mask_id_numbers(item.filename)
    store = audit.ledger.files
    partial: dict[str, Any] = {k: v for k, v in change.after.items() if k == "kept_copy"}
    with tempfile.TemporaryDirectory(prefix="cms-bridge-fix-") as folder:
        path = Path(folder) / "file"
        try:
            size = audit.cms.download(item.url, path, max_bytes=1 << 40)
        except NotFoundError:
            size = None  # removed by a run cut off after the delete: the store has the bytes
        if size is not None:
            sha256 = store.put(path).sha256
            if expected and sha256 != expected:
                raise AuditError(f"#{item.id} {name} changed since it was audited; run `cms-bridge audit` again")
        elif expected and store.has(expected):
            sha256 = expected
        elif change.after.get("kept") and store.has(change.after["kept"]):
            sha256 = change.after["kept"]  # kept by a run cut off after the delete
        else:
            # The full-size file is gone from the server (a space-saving plugin) but its smaller
            # copies may still be served, ID number readable: the largest is kept, and all go.
            smaller = _keep_largest_copy(audit, item)
            if smaller is None:
                raise AuditError(f"#{item.id} {name} is not served and the file store has no copy; "
                                 "it cannot be kept")
            sha256, from_copy = smaller
            partial = {"kept_copy": from_copy}
    if masked_dir is not None:
        stored = store.verified(sha256)
        kind = sniff_type(stored)
        target = masked_dir / f"{item.id}-{mask_id_numbers(item.filename)}"
        copies.append(f"#{item.id} {name}: {masked_copy(stored, target, name)[1]}" if kind else
                      f"#{item.id} {name}: no masked copy (unknown type)")
    original = _keep_original(audit, item, change.after.get("kept_original"))
    kept = {"kept": sha256, **({"kept_original": original} if original else {}), **partial}
    note(kept)  # journaled before the delete: a rerun cut off after it still knows the original's copy
    audit.cms.delete_media(item.id)
    still = []
    gone = [item.url, *item.sub_urls, *([item.original_url] if item.original_url else [])]
    with tempfile.TemporaryDirectory(prefix="cms-bridge-fix-") as folder:
        for url in gone:
            try:
                audit.cms.download(url, Path(folder) / "check", max_bytes=1)
                still.append(url)
            except NotFoundError:
                pass
    if still:
        raise AuditError(f"#{item.id} {name} is still served at {len(still)} address(es) after its removal "
                         "(a cache or a copy outside WordPress): remove it on the server")
    return {**kept, "gone": gone, "removed_at": datetime.now(timezone.utc).isoformat()}


def _uploaded_before(audit: Audit, upload: LibraryItem, sha256: str) -> LibraryItem | None:
    """The attachment an earlier, cut-off rollback uploaded from the kept file *sha256*, if the
    site has it: one of the same type whose bytes (its original, for a scaled picture) hash so."""
    with tempfile.TemporaryDirectory(prefix="cms-bridge-rollback-") as folder:
        for candidate in audit.cms.list_media():
            if candidate.mime_type != upload.mime_type or candidate.id == upload.id:
                continue
            url = candidate.original_url or candidate.url
            path = Path(folder) / "candidate"
            try:
                audit.cms.download(url, path, max_bytes=1 << 40)
            except NotFoundError:
                continue
            with path.open("rb") as stream:
                same = hashlib.file_digest(stream, "sha256").hexdigest() == sha256
            if same:
                return candidate
    return None


def _changed_since(now: Linker | None, change: FixChange, to_status: str) -> str | None:
    """Why a post the fix hid is no longer as the fix left it (a person's work since); else None."""
    if now is None:
        return "no longer links the file"
    if now.status != change.after.get("status", to_status):
        return f"now {now.status}, changed since the fix"
    left = change.after.get("content_sha256")
    if left and now.content_sha256 and now.content_sha256 != left:
        # Still hidden but rewritten (an unfinished draft): publishing it would publish the edit.
        return "its content was edited since the fix"
    return None


def rollback_fix(audit: Audit, run_id: str, *, force: bool = False,
                 progress: Progress | None = None) -> tuple[list[str], list[str]]:
    """Undo a fix run's done changes, last first.

    A post or page is set back only while it is as the fix left it: one a person has edited
    since (another status, other content, or no longer linking the file) is a conflict, left as
    it is unless *force*. Its status is read from the same searches the audit makes (no extra interface).

    Args:
        audit: the audit.
        run_id: the run.
        force: set every post and page back, whatever was done to it since.
        progress: called with (done, total).

    Returns:
        Lines saying what came back (and where each file did), and the conflicts left.

    Raises:
        LedgerError: no such run, or the store's copy of a file is missing or changed.
        SiteError: a change could not be undone (run the rollback again to finish).
    """
    journal = FixJournal(audit.ledger)
    to_status = journal.get(run_id).to_status
    changes = [c for c in journal.changes(run_id) if c.state == "done"]
    current: dict[tuple[str, int], Linker] = {}
    if not force:
        # Content and parent links are found by the file's old address, whether or not it is
        # back yet; every entry the fix changed linked at least one of its files.
        for change in journal.changes(run_id):
            if change.kind == "remove_file":
                for entry in audit.cms.find_linking(LibraryItem(**change.before["item"])):
                    current[(entry.type, entry.id)] = entry
    lines: list[str] = []
    conflicts: list[str] = []
    for done, change in enumerate(reversed(changes), start=1):
        if change.kind == "remove_file":
            item = LibraryItem(**change.before["item"])
            if change.after.get("kept_original") and item.original_url:
                # The original, not the '-scaled' copy: WordPress scales it down again on upload.
                source, upload = change.after["kept_original"], item.model_copy(update={"url": item.original_url})
            else:
                source, upload = change.after["kept"], item
            path = audit.ledger.files.verified(source)
            found = _uploaded_before(audit, upload, source) if change.after.get("restoring") == source else None
            if found is None:
                # Journaled before the upload: a rollback cut off after it reached the site finds
                # that copy on the rerun instead of uploading a second one.
                journal.note(run_id, change, {**change.after, "restoring": source})
                found = audit.cms.restore_media(path, upload)
            back = found
            change.after = {**change.after, "restored_id": back.id, "restored_url": back.url}
            name = mask_id_numbers(item.filename)
            if change.after.get("kept_copy"):
                lines.append(f"file #{item.id} {name}: only its largest smaller copy was left on the server "
                             "when it was removed; that copy is what came back")
            if item.parent and back.parent != item.parent:
                lines.append(f"file #{item.id} {name}: its post #{item.parent} is gone (deleted since the fix), "
                             "so it is back unattached")
            lines.append(f"file #{item.id} {name}: back at its address as #{back.id}" if back.url == item.url else
                         f"file #{item.id} {name}: back as #{back.id} at a NEW address {mask_id_numbers(back.url)} "
                         f"(was {mask_id_numbers(item.url)})")
            journal.mark(run_id, change, "undone", audit.actor)
        else:
            entry = Linker(**change.before)
            why = None if force else _changed_since(current.get((entry.type, entry.id)), change, to_status)
            if why:
                conflicts.append(f"{entry.type} #{entry.id} {entry.title}: {why}; left as it is (it was {entry.status})")
                continue
            audit.cms.set_entry_status(entry, entry.status)
            lines.append(f"{entry.type} #{entry.id}: {entry.status} again")
            journal.mark(run_id, change, "undone", audit.actor)
        if progress is not None:
            progress(done, len(changes))
    journal.finish(run_id, "rolled_back", audit.actor)
    return lines, conflicts
