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
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel

from cms_bridge.config import Config, load_config
from cms_bridge.publishing.desired import desired_state
from cms_bridge.errors import ConfigError, SyncLockedError
from cms_bridge.intake.inbox import IntakeReport, load_requests, parse_request
from cms_bridge.ledger.store import Ledger, ManualPublication, RecordOutcome
from cms_bridge.mappings import Mappings, load_mappings
from cms_bridge.intake.request import Decision
from cms_bridge.publishing.reconciler import Reconciler, SyncReport
from cms_bridge.wordpress import connect
from cms_bridge.wordpress.protocol import Cms

Clock = Callable[[], datetime]


class RequestStatus(BaseModel):
    """One line of ``cms-bridge status``."""

    request_id: str
    title: str
    decision: str
    desired: str
    state: str
    url: str | None
    next_change: datetime | None


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

    def intake(self, paths: Iterable[Path | str] | None = None) -> IntakeReport:
        """Read request files into the ledger; invalid ones are reported and left out.

        Args:
            paths: folders/files/exports (default: ``[intake] inbox``).

        Raises:
            ConfigError: no paths and no inbox configured.
        """
        if paths is None:
            if self.config.intake.inbox is None:
                raise ConfigError("no [intake] inbox configured and no path given")
            paths = [self.config.intake.inbox]
        report = load_requests(paths, mappings=self.mappings, settings=self.config.intake)
        for loaded in report.requests:
            self.ledger.record_request(loaded.request, source=loaded.source.split(", row ")[0], actor=self.actor)
        return report

    def submit(self, data: Mapping[str, Any], *, base_dir: Path | str, actor: str | None = None) -> RecordOutcome:
        """Check a request built in code and record it (new, amended or unchanged).

        Raises:
            IntakeError: with every problem, when the request is not valid.
        """
        loaded = parse_request(data, base_dir=base_dir, mappings=self.mappings, settings=self.config.intake)
        return self.ledger.record_request(loaded.request, source=str(Path(base_dir)) + os.sep,
                                          actor=actor or self.actor)

    def record_decision(self, request_id: str, *, status: Literal["approved", "rejected", "pending"], by: str,
                        at: datetime | None = None, position: str | None = None, note: str | None = None,
                        actor: str | None = None) -> None:
        """Record the committee's decision on a request (approval needs who; the time defaults to now)."""
        decision = Decision(status=status, by=by, position=position, note=note,
                            at=None if status == "pending" else (at or self.clock()))
        self.ledger.record_decision(request_id, decision, actor=actor or self.actor)

    def plan(self, as_of: datetime | None = None, *, paths: Iterable[Path | str] | None = None) -> SyncReport:
        """What ``intake`` + ``sync`` would do at *as_of* (default now); nothing is changed.

        Args:
            as_of: the time to plan for.
            paths: request files to include as if read in (default: the inbox, if configured).
        """
        scratch = Bridge(self.config, cms=self.cms, ledger=self.ledger.scratch_copy(), mappings=self.mappings,
                         clock=self.clock, actor=self.actor)
        try:
            if paths is not None or self.config.intake.inbox is not None:
                scratch.intake(paths)
            return scratch._reconciler().run(as_of or self.clock(), dry_run=True)
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
        report.requests_sent = getattr(getattr(self.cms, "http", None), "requests_sent", 0)
        return report

    def record_manual(self, *, group: str, channel: Literal["social", "board", "website"], title: str,
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

    def status(self, as_of: datetime | None = None) -> list[RequestStatus]:
        """Each request: decision, what it should be now, what was last done, its URL, next change."""
        moment = as_of or self.clock()
        rows = []
        for request_id in self.ledger.list_request_ids():
            request = self.ledger.get_request(request_id)
            want = desired_state(request, moment)
            publication = self.ledger.get_publication(request_id)
            rows.append(RequestStatus(
                request_id=request_id, title=request.title, decision=request.decision.status,
                desired=want.state, state=publication.state if publication else "not on the site",
                url=publication.url if publication else None, next_change=want.next_change))
        return rows

    def _reconciler(self) -> Reconciler:
        return Reconciler(self.cms, self.ledger, self.mappings, settings=self.config.sync,
                          intake=self.config.intake, actor=self.actor)

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
