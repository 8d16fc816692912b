"""The library's front door for office scripts, the CLI and the daemon.

    from cms_bridge import Bridge

    with Bridge.from_config() as bridge:
        bridge.intake()                       # read the inbox into the ledger
        bridge.record_decision("2570-ict-001", status="approved", by="…", actor="ict-officer")
        report = bridge.sync()                # make the site match, now
        for row in bridge.status():
            print(row.request_id, row.state, row.url)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self, cast

from pydantic import BaseModel, ValidationError, field_validator

from cms_bridge.channels import Channel
from cms_bridge.config import Config, load_config
from cms_bridge.publishing.desired import desired_state
from cms_bridge.errors import ConfigError, DecisionError, RequestIdTakenError, SyncLockedError, UsageError
from cms_bridge.intake.attachments import AttachmentInfo
from cms_bridge.intake.idguard import Finding
from cms_bridge.intake.origin import Origin
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.validation import field_problems
from cms_bridge.messages import say
from cms_bridge.intake.inbox import (
    HeldRequest,
    IntakeReport,
    LoadedRequest,
    Problem,
    ReadFile,
    load_requests,
    parse_request,
    reader_fingerprint,
)
from cms_bridge.ledger.keeper import FileKeeper
from cms_bridge.ledger.readcache import ReadFileCache
from cms_bridge.ledger.store import Ledger, ManualPublication, RecordOutcome
from cms_bridge.mappings import Mappings, load_mappings
from cms_bridge.intake.idguard import mask_id_numbers
from cms_bridge.intake.request import Decision
from cms_bridge.publishing.reconciler import Reconciler, SyncReport, plan_fingerprint
from cms_bridge.ledger.settled import PassSnapshot
from cms_bridge.wordpress import connect
from cms_bridge.wordpress.protocol import Cms, CountsRequests

if TYPE_CHECKING:
    from cms_bridge.categories.engine import MigrationEngine, RollbackResult
    from cms_bridge.categories.journal import Change, Run
    from cms_bridge.categories.mappings_check import AppliedPaths, MappingsReport
    from cms_bridge.reports.model import GroupReport, ReportItem

Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]


class RequestStatus(BaseModel):
    """One line of ``cms-bridge status``.

    A request the inbox holds but the ledger refused (``held``: ``invalid``, or ``blocked`` for
    a national ID number) has a row too, with ``decision`` ``"not recorded"``; a recorded one the
    publish gate holds back is ``blocked`` with the gate's reasons. ``source`` names the file
    (and row) a held row comes from.
    """

    request_id: str | None
    title: str | None
    decision: str
    desired: str
    state: str
    url: str | None
    next_change: datetime | None
    held: Literal["blocked", "invalid"] | None = None
    reasons: list[str] = []
    source: str | None = None

    @field_validator("request_id", "title", "source")
    @classmethod
    def _masked(cls, value: str | None) -> str | None:
        # A row is shown and dumped as JSON: an ID number in a held request's id, title or
        # folder is never printed whole.
        return mask_id_numbers(value) if value else value

    @field_validator("reasons")
    @classmethod
    def _masked_reasons(cls, value: list[str]) -> list[str]:
        return [mask_id_numbers(reason) for reason in value]


class PlanReport(SyncReport):
    """What :meth:`Bridge.plan` found: the sync's actions, and the inbox's requests held back."""

    held: list[HeldRequest] = []


class Bridge:
    """Everything cms-bridge does, as methods.

    Args:
        config: the loaded configuration.
        cms: the site (default: :func:`cms_bridge.wordpress.connect` on first use).
        ledger: the ledger (default: the file ``[sync] ledger``).
        mappings: groups and kinds (default: shipped, with ``[office] mappings_dir`` overrides).
        clock: the current time (tests and ``--as-of`` pass their own).
        actor: who the ledger's events name.
    """

    def __init__(self, config: Config, *, cms: Cms | None = None, ledger: Ledger | None = None,
                 mappings: Mappings | None = None, clock: Clock | None = None, actor: str = "cms-bridge") -> None:
        self.config = config
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._ledger = ledger
        self.mappings = mappings or load_mappings(override_dir=config.office.mappings_dir)
        self._cms = cms
        self.actor = actor

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Bridge:
        """Build from a config file (or ``$CMS_BRIDGE_CONFIG``, ``./cms-bridge.toml``, environment)."""
        return cls(load_config(path), **kwargs)

    @property
    def ledger(self) -> Ledger:
        """The ledger, opened (created) on first use: commands that only read the site make none."""
        if self._ledger is None:
            self._ledger = Ledger(self.config.sync.ledger, clock=self.clock)
        return self._ledger

    @property
    def cms(self) -> Cms:
        """The site, connected on first use."""
        if self._cms is None:
            self._cms = connect(self.config)
        return self._cms

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the ledger, if it was opened."""
        if self._ledger is not None:
            self._ledger.close()

    def intake(self, paths: Iterable[Path | str] | None = None, *, progress: Progress | None = None) -> IntakeReport:
        """Read request files into the ledger; invalid ones are reported and left out.

        Args:
            paths: folders/files/exports (default: ``[intake] inbox``).
            progress: called with (files read, files to read) after each file.

        Raises:
            ConfigError: no paths and no inbox configured.
        """
        if paths is None:
            if self.config.intake.inbox is None:
                raise ConfigError("no [intake] inbox configured and no path given")
            paths = [self.config.intake.inbox]
        cache = self._read_cache()
        report = load_requests(paths, mappings=self.mappings, settings=self.config.intake,
                               keeper=FileKeeper(self.ledger), progress=progress, cache=cache)
        conflicts = set()
        for loaded in report.requests:
            outcome = self.ledger.record_request(loaded.request, source=loaded.origin, actor=self.actor,
                                                 files=_files(loaded))
            if outcome.conflict:
                conflicts.add(loaded.request.request_id)
                report.problems.append(Problem(file=loaded.source, field="decision", severity="warning",
                                               message=outcome.conflict))
        # A file whose decision the ledger refused is read each pass, so the warning is too.
        cache.pending = [entry for entry in cache.pending
                         if not any(request_id in conflicts for request_id, _, _ in entry.requests)]
        cache.save()
        return report

    def _read_cache(self) -> ReadFileCache:
        return ReadFileCache(self.ledger, reader_fingerprint(self.mappings, self.config.intake))

    def submit(self, data: Mapping[str, Any], *, base_dir: Path | str, actor: str | None = None) -> RecordOutcome:
        """Check a request built in code and record it (new, amended or unchanged).

        Its attachments are kept in the file store as checked; a decision cannot come with it
        (record one with :meth:`record_decision`, under the name of the person who decided).

        Raises:
            IntakeError: with every problem, when the request is not valid.
            LedgerError: *data* carries a decision.
        """
        loaded = parse_request(data, base_dir=base_dir, mappings=self.mappings, settings=self.config.intake,
                               keeper=FileKeeper(self.ledger))
        return self.ledger.record_request(loaded.request, source=loaded.origin, actor=actor or self.actor,
                                          files=_files(loaded))

    def record_decision(self, request_id: str, *, status: Literal["approved", "rejected", "pending"], by: str,
                        at: datetime | None = None, position: str | None = None, note: str | None = None,
                        actor: str | None = None) -> None:
        """Record the committee's decision on a request (approval needs who; the time defaults to now).

        Raises:
            DecisionError: the decision is incomplete (no one named, a time without a zone).
        """
        try:
            decision = Decision(status=status, by=by.strip() or None if by is not None else None,
                                position=position, note=note,
                                at=None if status == "pending" else (at or self.clock()))
        except ValidationError as exc:
            problems = [p.message for p in field_problems(exc, unknown=say("decision.unknown_part"))]
            raise DecisionError(say("decision.cannot_record", id=request_id, reasons=problems,
                                    hint=say("decision.give_by") if not (by or "").strip() else "")) from None
        self.ledger.record_decision(request_id, decision, actor=actor or self.actor)

    def plan(self, as_of: datetime | None = None, *, paths: Iterable[Path | str] | None = None,
             progress: Progress | None = None) -> PlanReport:
        """What ``intake`` + ``sync`` would do at *as_of* (default now); nothing is changed.

        Args:
            as_of: the time to plan for.
            paths: request files to include as if read in (default: the inbox, if configured).
            progress: called with (files read, files to read) while the inbox is read.

        Returns:
            The actions (a request the publish gate holds back is a ``blocked`` action with its
            reasons), the inbox's problems in ``intake_problems``, and its requests left out
            (invalid, or blocked for an ID number) in ``held``.
        """
        scratch = Bridge(self.config, cms=self.cms, ledger=self.ledger.scratch_copy(), mappings=self.mappings,
                         clock=self.clock, actor=self.actor)
        try:
            intake = None
            if paths is not None or self.config.intake.inbox is not None:
                intake = scratch.intake(paths, progress=progress)
            report = scratch._reconciler().run(as_of or self.clock(), dry_run=True)
            return PlanReport(as_of=report.as_of, actions=report.actions, dry_run=True,
                              requests_sent=report.requests_sent,
                              intake_problems=intake.problems if intake else [],
                              held=intake.held if intake else [])
        finally:
            scratch.close()

    def sync(self, as_of: datetime | None = None, *, dry_run: bool = False,
             progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Make the site match the ledger at *as_of* (default now).

        Raises:
            SyncLockedError: another sync is running on the same ledger.
        """
        with self._lock():
            report = self._reconciler().run(as_of or self.clock(), dry_run=dry_run, progress=progress)
        report.requests_sent = self.cms.requests_sent if isinstance(self.cms, CountsRequests) else 0
        return report

    def record_manual(self, *, group: str, channel: Channel, title: str,
                      published_on: date, recorded_by: str, request_id: str | None = None,
                      note: str | None = None) -> ManualPublication:
        """Register a publication made by hand (social media, a notice board) so reports count it.

        Args:
            group: the group's key or Thai name.
            channel: where it went out.
            title: what was published.
            published_on: the day.
            recorded_by: who records it.
            request_id: the request it fulfils, if any.
            note: free text.
        """
        return self.ledger.record_manual_publication(
            group_key=self.mappings.group(group).key, channel=channel, title=title, published_on=published_on,
            recorded_by=recorded_by, request_id=request_id, note=note)

    def status(self, as_of: datetime | None = None, *, inbox: bool = True,
               progress: Progress | None = None) -> list[RequestStatus]:
        """Each request: decision, what it should be now, what was last done, its URL, next change.

        Requests held back are listed with their reasons: those the publish gate would refuse
        (``held="blocked"``), and, with *inbox*, the inbox's requests the ledger did not take
        (invalid, or blocked for a national ID number), read as ``validate`` reads them.

        Args:
            as_of: the time to ask about (default now).
            inbox: also read ``[intake] inbox`` (when configured) for requests held back there.
            progress: called with (files read, files to read) while the inbox is read.
        """
        from cms_bridge.errors import GateRefusedError
        from cms_bridge.publishing.gate import PublishGate

        moment = as_of or self.clock()
        gate = PublishGate(FileKeeper(self.ledger))
        rows: dict[str, RequestStatus] = {}
        snapshot = PassSnapshot(self.ledger, plan_fingerprint(self.config.sync, self.mappings), views=True)
        for request_id in snapshot.request_ids:
            digest = snapshot.ledger_digest(request_id)
            kept = snapshot.holds(request_id, at=moment, ledger_inputs=digest) if digest else None
            if kept is not None:
                # Settled by a pass and nothing in the ledger changed since: as that pass saw it
                # (the gate admitted it then, from these very rows).
                next_change = kept["next_change"]
                rows[request_id] = RequestStatus(
                    request_id=request_id, title=kept["title"], decision=kept["decision"], desired=kept["desired"],
                    state=kept["state"], url=kept["url"],
                    next_change=datetime.fromisoformat(next_change) if next_change else None)
                continue
            version = self.ledger.site_version(request_id)
            request = version.request
            want = desired_state(request, moment)
            publication = self.ledger.get_publication(request_id)
            row = RequestStatus(
                request_id=request_id, title=request.title,
                decision="amended, awaiting approval" if version.awaiting_approval else request.decision.status,
                desired=want.state, state=publication.state if publication else "not on the site",
                url=publication.url if publication else None, next_change=want.next_change)
            if want.state in ("scheduled", "published"):
                try:
                    gate.admit(version)
                except GateRefusedError as exc:
                    row = row.model_copy(update={"held": "blocked", "reasons": list(exc.reasons)})
            rows[request_id] = row
        listed = list(rows.values())
        if inbox and self.config.intake.inbox is not None:
            # Read-only: files the ledger holds as read need no second look; the rest are read
            # in place, and nothing is remembered (status changes nothing).
            held = load_requests([self.config.intake.inbox], mappings=self.mappings, settings=self.config.intake,
                                 progress=progress, cache=_ReadOnly(self._read_cache())).held
            for item in held:
                known = rows.get(item.request_id or "")
                if known is not None:
                    # The ledger has an earlier version; the file's newest one is what is held.
                    listed[listed.index(known)] = known.model_copy(update={
                        "held": known.held or item.held, "reasons": [*known.reasons, *item.reasons],
                        "source": item.source})
                else:
                    listed.append(RequestStatus(request_id=item.request_id, title=item.title, decision="not recorded",
                                                desired="absent", state="not on the site", url=None,
                                                next_change=None, held=item.held, reasons=item.reasons,
                                                source=item.source))
        return listed

    def validate(self, paths: Iterable[Path | str]) -> IntakeReport:
        """Check request files and exports without recording anything.

        Args:
            paths: folders (searched for ``*.toml`` request files), request files, CSV/XLSX exports.

        Returns:
            The valid requests and every problem found (``report.ok`` is False when any is an error).
        """
        return load_requests(paths, mappings=self.mappings, settings=self.config.intake)

    def daemon_pass(self, as_of: datetime | None = None) -> SyncReport:
        """One daemon pass: read the inbox (when ``[intake] inbox`` is set), then sync.

        Invalid request files are left out of the pass, as in :meth:`intake`; the next pass
        reads them again, so a file fixed or dropped in meanwhile is picked up.

        Args:
            as_of: the time to reconcile for (default now).

        Returns:
            The sync's report, with the inbox's problems in ``intake_problems``.

        Raises:
            SyncLockedError: another sync is running on the same ledger.
        """
        problems = self.intake().problems if self.config.intake.inbox is not None else []
        report = self.sync(as_of)
        report.intake_problems = problems
        return report

    def report(self, fiscal_year: int, round_number: int, *, groups: Iterable[str] | None = None,
               problems: Iterable[str] = (), signer: str | None = None,
               position: str | None = None) -> list[GroupReport]:
        """The six-monthly monitoring report of each group for one round (nothing is written).

        Args:
            fiscal_year: BE year, e.g. 2567.
            round_number: 1 (1 Oct-31 Mar) or 2 (1 Apr-30 Sep).
            groups: group keys or Thai names (default: every group).
            problems: section 3 lines, the same for each report.
            signer: who signs; default ``[report] signer`` (dotted lines when neither is set).
            position: the signer's position; default ``[report] position``.

        Returns:
            One report per group, in the order asked (mappings order for every group).

        Raises:
            UnknownMappingError: a group is not in the mappings.
            SiteError: the site's posts could not be read.
        """
        from cms_bridge.reports.harvest import harvest

        def read() -> list[GroupReport]:
            # harvest refuses a round other than 1 or 2 with a clear message.
            return harvest(self.cms, self.ledger, self.mappings, fiscal_year, cast(Literal[1, 2], round_number),
                           groups=groups, problems=problems, reporter_name=signer or self.config.report.signer,
                           reporter_position=position or self.config.report.position)

        reports = read()
        # Desk outcomes from before ledger step m011 that only the site could place (hand-made
        # posts) move to their items now that the round's items are known; then read once more.
        moved = 0
        for report in reports:
            left, _ = self.ledger.report_notes(group_key=report.group_key, fiscal_year=fiscal_year,
                                               round_number=round_number)
            if left:
                found = {report_item_key(item): item.ref for item in report.items if report_item_key(item) in left}
                moved += self.ledger.place_desk_outcomes(group_key=report.group_key, fiscal_year=fiscal_year,
                                                         round_number=round_number, items=found, actor=self.actor)
        return read() if moved else reports

    def write_report(self, fiscal_year: int, round_number: int, out_dir: Path | str, *,
                     groups: Iterable[str] | None = None, formats: Sequence[str] = ("docx",),
                     digits: Literal["thai", "arabic"] = "thai", problems: Iterable[str] = (),
                     office_name: str | None = None, signer: str | None = None,
                     position: str | None = None, progress: Callable[[str], None] | None = None) -> list[Path]:
        """Write the monitoring report of one round, one file per group and format.

        Args:
            fiscal_year: BE year, e.g. 2567.
            round_number: 1 (1 Oct-31 Mar) or 2 (1 Apr-30 Sep).
            out_dir: folder to write into (created if missing).
            groups: group keys or Thai names; None means every group plus the office-wide summary.
            formats: any of ``"docx"``, ``"xlsx"``, ``"csv"``, ``"json"``.
            digits: ``"thai"`` or ``"arabic"`` numbers and dates.
            problems: section 3 lines, the same for each report.
            office_name: the reports' second title line; default ``[office] name``.
            signer: who signs the reports and the summary; default ``[report] signer``.
            position: the signer's position; default ``[report] position``.
            progress: told each stage as it starts (reading the ledger and the site, which takes
                most of the time, then writing), for a person watching a terminal.

        Returns:
            The files written.

        Raises:
            UnknownMappingError: a group is not in the mappings.
            SiteError: the site's posts could not be read.
            ReportError: no Thai font for the summary chart.
        """
        from cms_bridge.reports.harvest import summarise
        from cms_bridge.reports.render import DEFAULT_OFFICE_NAME, write_report

        if progress:
            progress(f"reading the ledger and the site's posts of {fiscal_year} round {round_number}")
        reports = self.report(fiscal_year, round_number, groups=groups, problems=problems, signer=signer,
                              position=position)
        if progress:
            progress(f"writing {len(reports)} report(s)" + (" and the office summary" if groups is None else ""))
        summary = None
        if groups is None:
            summary = summarise(reports, signer_name=signer or self.config.report.signer,
                                signer_position=position or self.config.report.position)
        return write_report(reports, Path(out_dir), formats=formats, digits=digits,  # type: ignore[arg-type]
                            summary=summary, office_name=office_name or self.config.office.name or DEFAULT_OFFICE_NAME)

    def mappings_check(self, *, ita_years: Iterable[int] = ()) -> MappingsReport:
        """Compare the category paths the mappings want with the live site's categories.

        The ``[sync] archive_category``, when set, is checked too.

        Args:
            ita_years: BE years whose ITA item lists to include.

        Returns:
            Missing paths, near-duplicates, empty categories and unmapped categories holding
            posts (``report.ok`` is False when something needs fixing).

        Raises:
            UnknownMappingError: an ITA year has no item list.
            SiteError: the categories could not be read.
        """
        from cms_bridge.categories.mappings_check import check_mappings

        return check_mappings(self.cms, self.mappings, ita_years=list(ita_years), extra_paths=self._extra_paths())

    def mappings_apply(self, *, ita_years: Iterable[int] = ()) -> AppliedPaths:
        """Create every missing category the mappings (and the archive category) want.

        Args:
            ita_years: BE years whose ITA item lists to include.

        Returns:
            The leaf category of each wanted path, created or found (a list), with ``created``
            (every category made) and ``existing`` (leaves that were there).

        Raises:
            UnknownMappingError: an ITA year has no item list.
            SiteError: a category could not be read or created (the levels made before it stay).
        """
        from cms_bridge.categories.mappings_check import apply_mappings

        return apply_mappings(self.cms, self.mappings, ita_years=list(ita_years), extra_paths=self._extra_paths())

    def migrate_plan(self, plan_file: Path | str) -> list[Change]:
        """The exact changes a migration plan file makes on the site as it is now; nothing is changed.

        Args:
            plan_file: the plan (TOML, see docs/migrations.md).

        Returns:
            Every change, in the order apply would make them.

        Raises:
            PlanError: the plan file is invalid, or names categories the site does not have.
            SiteError: the site could not be read.
        """
        from cms_bridge.categories.plan import load_plan

        plan, _ = load_plan(plan_file)
        return self._migrations().plan(plan)

    def migrate_apply(self, plan_file: Path | str, *, actor: str | None = None,
                      progress: Progress | None = None) -> str:
        """Apply a migration plan file, journaled in the ledger; resumes a run that was cut off.

        Args:
            plan_file: the plan (TOML, see docs/migrations.md).
            actor: who runs it (default ``"cms-bridge migrate"``).
            progress: called with (done, total) as changes are made.

        Returns:
            The run id (for :meth:`migrate_rollback`).

        Raises:
            PlanError: the plan file is invalid, or names categories the site does not have.
            SiteError: a change could not be made (rerun to resume).
        """
        from cms_bridge.categories.plan import load_plan

        plan, plan_hash = load_plan(plan_file)
        return self._migrations(actor).apply(plan, plan_hash, plan_path=str(plan_file), progress=progress)

    def migrate_rollback(self, run_id: str, *, actor: str | None = None, progress: Progress | None = None,
                         force: bool = False) -> RollbackResult:
        """Undo a migration run, three-way: only what is still as the run left it (see docs/migrations.md).

        Args:
            run_id: the run, as :meth:`migrate_apply` returned it (see :meth:`migrate_runs`).
            actor: who rolls back (default ``"cms-bridge migrate"``).
            progress: called with (done, total) as changes are undone.
            force: also undo changes an editor has changed since (their edit is lost).

        Returns:
            How many changes were undone, and every conflict left as it is.

        Raises:
            LedgerError: no such run.
            SiteError: a change could not be undone (rerun to finish).
        """
        return self._migrations(actor).rollback(run_id, force=force, progress=progress)

    def migrate_runs(self) -> list[Run]:
        """The migration runs journaled in the ledger (the site is not contacted).

        Returns:
            Every run, with its status, start time and plan name.
        """
        from cms_bridge.categories.journal import list_runs

        return list_runs(self.ledger)

    def _extra_paths(self) -> dict[str, str]:
        archive = self.config.sync.archive_category
        return {archive: "[sync] archive_category"} if archive else {}

    def _migrations(self, actor: str | None = None) -> MigrationEngine:
        from cms_bridge.categories.engine import MigrationEngine

        return MigrationEngine(self.cms, self.ledger, self.mappings, actor=actor or "cms-bridge migrate")

    def _reconciler(self) -> Reconciler:
        return Reconciler(self.cms, self.ledger, self.mappings, settings=self.config.sync,
                          intake=self.config.intake, actor=self.actor,
                          connections=self.config.site.connections if self.config.site else 1)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        path = Path(str(self.config.sync.ledger) + ".lock")
        with path.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise SyncLockedError(f"another sync is running (pid {holder}); wait for it to finish") from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- the office desk (cms_bridge.desk): a request filed in the browser, endorsed, decided ---

    def keep_upload(self, path: Path | str) -> tuple[AttachmentInfo, list[Finding]]:
        """Keep an uploaded file in the file store, inspected and scanned as intake does.

        The file's own name (``Path(path).name``) is the name it is checked and reported under.

        Args:
            path: the uploaded file, named as the requester named it (made safe by the caller).

        Returns:
            The kept file's description and the ID guard's findings in it.

        Raises:
            AttachmentError: the file is too large, not an accepted type, or cannot be checked.
        """
        keeper = FileKeeper(self.ledger)
        path = Path(path)
        info = keeper.take_in(path, allowed_types=self.config.intake.allowed_types,
                              max_bytes=self.config.intake.max_attachment_mb * 1024 * 1024)
        return info, keeper.scan(info, path.name)

    def kept_file(self, sha256: str, name: str) -> tuple[AttachmentInfo, list[Finding]] | None:
        """A file kept with :meth:`keep_upload` (or intake) under *name*, with its findings.

        Returns:
            ``None`` when the store holds no such file.

        Raises:
            AttachmentError: the file can no longer be checked.
        """
        keeper = FileKeeper(self.ledger)
        info = keeper.describe(sha256, name)
        if info is None or not self.ledger.files.has(sha256):
            return None
        return info, keeper.scan(info, name)

    def submit_kept(self, data: Mapping[str, Any], files: Mapping[str, str], *, origin: Origin,
                    actor: str, new: bool = False) -> RecordOutcome:
        """Check and record a request whose attachments are already kept, by name and sha256.

        Exactly :meth:`submit`: the files are laid out under their names and go through the
        same keeper (nothing is read twice: the store and the scans are by digest).

        Args:
            data: the request's fields; its ``attachments`` name the keys of *files*.
            files: sha256 of each kept file, by its plain file name (no folder).
            origin: where the request came from (the desk names its user).
            actor: who files it, for the event trail.
            new: the request id must not be recorded yet (checked and recorded in one
                transaction, so two people filing at once never amend each other's request).

        Raises:
            IntakeError: with every problem, when the request is not valid.
            UsageError: a file name has a folder in it, or a digest is not in the store.
            RequestIdTakenError: *new* and the id is recorded already.
        """
        with tempfile.TemporaryDirectory(prefix="cms-bridge-submit-") as scratch:
            for name, sha256 in files.items():
                if Path(name).name != name or name in ("", ".", ".."):
                    raise UsageError(f"attachment name {name!r} must be a plain file name")
                if not self.ledger.files.has(sha256):
                    raise UsageError(f"{name}: no kept file {sha256[:12]}…; upload it again")
                shutil.copyfile(self.ledger.files.path_of(sha256), Path(scratch) / name)
            loaded = parse_request(data, base_dir=scratch, mappings=self.mappings, settings=self.config.intake,
                                   source=str(origin), keeper=FileKeeper(self.ledger))
            with self.ledger.transaction():
                if new and loaded.request.request_id in self.ledger.list_request_ids():
                    raise RequestIdTakenError(f"request id {loaded.request.request_id} is taken")
                return self.ledger.record_request(loaded.request, source=origin, actor=actor, files=_files(loaded))

    def endorse(self, request_id: str, *, name: str, position: str, actor: str) -> RecordOutcome:
        """The group director signs the request (ผู้อำนวยการกลุ่ม): a new version carrying the endorsement.

        The endorsement is part of the memo, so the committee approves the endorsed version;
        an amendment without it needs endorsing again.

        Raises:
            DecisionError: the request is already decided or endorsed, or the name is empty.
            LedgerError: unknown request.
        """
        request = self.ledger.get_request(request_id)
        if request.decision.status != "pending":
            raise DecisionError(f"{request_id}: already decided ({request.decision.status}); nothing to endorse")
        if request.endorsement is not None:
            raise DecisionError(f"{request_id}: already endorsed by {request.endorsement.name}")
        if not name.strip() or not position.strip():
            raise DecisionError(f"{request_id}: an endorsement needs the director's name and position")
        version = self.ledger.site_version(request_id).current_version
        files = self.ledger.files_of(request_id, version)
        today = self.clock().astimezone(OFFICE_TZ).date()
        data = request.model_dump(mode="json", exclude={"decision"})
        data["endorsement"] = {"name": name, "position": position, "date": today.isoformat()}
        try:
            endorsed = PublicationRequest.model_validate(data, context={"mappings": self.mappings})
        except ValidationError as exc:
            reasons = "; ".join(p.message for p in field_problems(exc, unknown="not part of a request"))
            raise DecisionError(f"{request_id}: cannot be endorsed: {reasons}") from None
        with self.ledger.transaction():
            outcome = self.ledger.record_request(endorsed, source=self.ledger.origin_of(request_id), actor=actor,
                                                 files=files)
            self.ledger.append_event("request.endorsed", actor=actor, request_id=request_id,
                                     after={"name": name, "position": position, "version": outcome.version_hash})
        return outcome

    def return_request(self, request_id: str, *, comment: str, actor: str) -> None:
        """The group director sends the request back to its clerk with a comment (nothing else changes).

        Raises:
            DecisionError: the comment is empty, or the request is decided or endorsed already.
            LedgerError: unknown request.
        """
        request = self.ledger.get_request(request_id)
        if not comment.strip():
            raise DecisionError(f"{request_id}: say what to change when returning a request")
        if request.endorsement is not None or request.decision.status != "pending":
            raise DecisionError(f"{request_id}: it was endorsed or decided already; it cannot be returned")
        version = self.ledger.site_version(request_id).current_version
        self.ledger.append_event("request.returned", actor=actor, request_id=request_id,
                                 after={"comment": comment.strip(), "version": version})

    def decide_endorsed(self, request_id: str, *, status: Literal["approved", "rejected"], by: str,
                        position: str | None = None, note: str | None = None, actor: str) -> None:
        """The committee's decision on an endorsed request, through :meth:`record_decision`.

        Raises:
            DecisionError: the group director has not endorsed the current version, a rejection
                gives no reason, or the decision is incomplete.
            LedgerError: unknown request.
        """
        request = self.ledger.get_request(request_id)
        if request.endorsement is None:
            raise DecisionError(say("decision.not_endorsed", id=request_id))
        if status == "rejected" and not (note or "").strip():
            raise DecisionError(say("decision.no_reason", id=request_id))
        self.record_decision(request_id, status=status, by=by, position=position, note=note, actor=actor)

    def filled_report(self, fiscal_year: int, round_number: int, group: str) -> GroupReport:
        """One group's report for a round with section 3 as its director wrote it on the desk.

        Each item's outcome is the report's own (:meth:`Ledger.set_outcome`, else the notes given
        to ``record``), so the desk, ``cms-bridge report`` and ``record --note`` show the same text.

        Args:
            fiscal_year: BE year, e.g. 2570.
            round_number: 1 or 2.
            group: the group's key or Thai name.

        Raises:
            UnknownMappingError: no such group.
            ReportError: the year or round is not plausible.
            SiteError: the site's posts could not be read.
        """
        key = self.mappings.group(group).key
        _, problems = self.ledger.report_notes(group_key=key, fiscal_year=fiscal_year, round_number=round_number)
        [report] = self.report(fiscal_year, round_number, groups=[key], problems=problems)
        return report

    def save_filled_report(self, fiscal_year: int, round_number: int, group: str, *,
                           outcomes: Mapping[str, str], problems: Sequence[str], actor: str) -> int:
        """Keep what a group director wrote into a round's report: items' outcomes and section 3.

        An outcome is set (:meth:`Ledger.set_outcome`) only where its text differs from what the
        report shows, so leaving a row as shown keeps the ``record`` notes it came from; a row
        emptied clears the desk's text (the notes show again). Items not in this group's round
        are ignored, so a forged form cannot reach another group's rows.

        Args:
            fiscal_year: BE year.
            round_number: 1 or 2.
            group: the group's key or Thai name.
            outcomes: text by item reference (``request:<id>``, ``post:<id>``, ``manual:<id>``).
            problems: section 3, one line each.
            actor: who wrote it.

        Returns:
            How many outcomes changed.

        Raises:
            UnknownMappingError: no such group.
            ReportError: the year or round is not plausible.
            SiteError: the site's posts could not be read.
        """
        report = self.filled_report(fiscal_year, round_number, group)
        changed = 0
        for item in report.items:
            given = outcomes.get(item.ref)
            if given is None or unicodedata.normalize("NFC", given).strip() == item.outcome:
                continue
            kind, _, value = item.ref.partition(":")
            named: dict[str, Any] = ({"request_id": value} if kind == "request" else
                                     {"post_id": int(value)} if kind == "post" else {"manual_id": int(value)})
            self.ledger.set_outcome(outcome=given, by=actor, **named)
            changed += 1
        self.ledger.save_report_notes(group_key=report.group_key, fiscal_year=fiscal_year, round_number=round_number,
                                      problems=problems, actor=actor)
        return changed

    def write_filled_report(self, fiscal_year: int, round_number: int, group: str, out_dir: Path | str, *,
                            formats: Sequence[str] = ("docx",), reporter_name: str | None = None,
                            reporter_position: str | None = None) -> list[Path]:
        """Write :meth:`filled_report` as ``cms-bridge report`` writes a group's report.

        Args:
            fiscal_year: BE year.
            round_number: 1 or 2.
            group: the group's key or Thai name.
            out_dir: folder to write into.
            formats: any of ``"docx"``, ``"xlsx"``, ``"csv"``, ``"json"``.
            reporter_name: who signs it (ผู้รายงาน).
            reporter_position: their position.

        Raises:
            ReportError: an unknown format, year or round.
            SiteError: the site's posts could not be read.
        """
        from cms_bridge.reports.render import write_report

        report = self.filled_report(fiscal_year, round_number, group).model_copy(
            update={"reporter_name": reporter_name, "reporter_position": reporter_position})
        return write_report([report], Path(out_dir), formats=formats)  # type: ignore[arg-type]


class _ReadOnly:
    """A read cache that is asked, never told (``status`` writes nothing)."""

    def __init__(self, cache: ReadFileCache) -> None:
        self.cache = cache

    def known(self, path: str) -> ReadFile | None:
        return self.cache.known(path)

    def read(self, entry: ReadFile) -> None:
        pass


def _files(loaded: LoadedRequest) -> dict[str, str]:
    """The sha256 of each kept attachment, by the path the request names it with."""
    return {path: info.sha256 for path, info in loaded.attachments.items()}


def report_item_key(item: ReportItem) -> str:
    """How the desk named a report row before ledger step m011: origin, day and post or title.

    Only to place the desk outcomes kept under these keys; items are named by ``ReportItem.ref`` now.
    """
    return f"{item.origin}|{item.published_on.isoformat()}|{item.url or item.title}"
