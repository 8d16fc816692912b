"""``cms-bridge daemon``: sync every N minutes and at each window boundary, for months on end.

The loop runs a pass every N minutes, counted from the start of the pass before (a pass that
takes 25 s of a 60 s interval is followed by the next one 35 s after it ends, not 60 s), and
wakes at the next window boundary (00:00 Bangkok, or an approval time); it isolates failures (a
failing pass is logged and the loop goes on), touches a heartbeat file a supervisor can check,
and stops cleanly on SIGTERM/SIGINT. Because each pass reconciles state rather than replaying events, the first
pass after downtime catches up on everything that fell due meanwhile. Time comes from an
injected clock and waiting from an injected sleep, so tests drive it without patching datetime.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from cms_bridge.errors import DaemonAlreadyRunningError

log = logging.getLogger("cms_bridge.daemon")

#: Longest single wait, so a clock change or a stop request is noticed within a minute.
MAX_WAIT = timedelta(seconds=60)
#: After a pass that failed (the site down, one write refused), the next try comes this soon,
#: doubling while passes keep failing, never later than the interval: a request whose opening
#: fell on a failed pass is published minutes late, not an interval late, and a site that is
#: down is not hammered.
RETRY_FIRST = timedelta(minutes=1)
#: How intake says a request is blocked for an unacknowledged national ID number: the field of
#: the problem, and words of its message (a malformed acknowledgement table is merely invalid).
#: Intake problems that hold a valid request back (an unacknowledged ID number, a file nobody
#: checked by hand), as inbox.py words them.
_BLOCKING_FIELDS, _BLOCKED_WORDS = ("id_number_acknowledgement", "checked_by_hand"), "publishing it is blocked"


class _Syncable(Protocol):
    def sync(self, as_of: datetime | None = None) -> Any: ...
    def status(self, as_of: datetime | None = None) -> list[Any]: ...


def needs_attention(report: Any) -> dict[str, dict[str, Any]]:
    """What a pass's report leaves for a person: blocked, invalid and failed requests.

    ``blocked``: requests held back for their content -- at intake, a national ID number
    nobody acknowledged or a file nobody checked by hand (``files``: by file, and row of an
    export); at the publish gate (``ids``: by request id, the reasons in the pass's actions);
    ``invalid``: request files or rows intake refused (by file and row); ``failed``: requests
    whose action failed or could not be planned this pass (by request id). Each has a
    ``count``; the heartbeat's outcome is ``ok`` only when all three are 0.

    Args:
        report: a :class:`~cms_bridge.publishing.reconciler.SyncReport` (``intake_problems`` is
            read when it has it).
    """
    blocked: list[str] = []
    invalid: list[str] = []
    for problem in getattr(report, "intake_problems", None) or []:
        if problem.severity != "error":
            continue
        where = problem.file + (f", row {problem.row}" if problem.row is not None else "")
        is_blocked = problem.field in _BLOCKING_FIELDS and _BLOCKED_WORDS in problem.message
        bucket = blocked if is_blocked else invalid
        if where not in bucket:
            bucket.append(where)
    invalid = [where for where in invalid if where not in blocked]
    held = list(dict.fromkeys(a.request_id for a in report.actions if a.kind == "blocked"))
    failed = list(dict.fromkeys(a.request_id for a in report.failed if a.kind != "blocked"))
    return {"blocked": {"count": len(blocked) + len(held), "files": blocked, "ids": held},
            "invalid": {"count": len(invalid), "files": invalid},
            "failed": {"count": len(failed), "ids": failed}}


def _summary(attention: dict[str, dict[str, Any]]) -> str:
    return ", ".join(f"{item['count']} {name} ({', '.join([*item.get('files', []), *item.get('ids', [])])})"
                     for name, item in attention.items() if item["count"])


class Daemon:
    """The loop around the bridge.

    Each pass calls the bridge's ``daemon_pass`` (a :class:`~cms_bridge.bridge.Bridge` re-reads
    its inbox there, so request files dropped in while the daemon runs are picked up), or its
    ``sync`` when it has none.

    Args:
        bridge: what syncs (a :class:`~cms_bridge.bridge.Bridge`).
        interval_minutes: minutes between periodic passes.
        heartbeat: a file rewritten after every pass, or None: the time, the ``outcome``
            (``ok``; ``attention`` when a request is blocked, invalid or failed, listed under
            ``needs_attention``; ``error`` when the pass itself failed), the next boundary and
            the next opening (``next_opening``: when a scheduled request is published).
        clock: the current time, aware.
        wait: waits up to the given seconds, returning early (True) when asked to stop.
        lock: a file locked while the daemon runs, so a second daemon on the same ledger stops
            at once instead of racing the first (two would publish and withdraw the same posts).
    """

    def __init__(self, bridge: _Syncable, *, interval_minutes: int, heartbeat: Path | None,
                 clock: Callable[[], datetime], wait: Callable[[float], bool] | None = None,
                 lock: Path | None = None) -> None:
        self.bridge = bridge
        self.heartbeat = heartbeat
        self.lock = lock
        self._lock_fd: int | None = None
        self.clock = clock
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self.interval = timedelta(minutes=interval_minutes)
        #: When the next periodic pass is due: one interval after the start of the last pass.
        self.next_periodic: datetime | None = None
        self.next_boundary: datetime | None = None
        #: The next time a scheduled request opens: the daemon's pass then publishes it.
        self.next_opening: datetime | None = None
        #: When a failed pass is tried again (None after a pass that did all it planned).
        self.next_retry: datetime | None = None
        self._retry_delay: timedelta | None = None
        self.passes = 0
        self.failures = 0

    def stop(self, *_: object) -> None:
        """Ask the loop to finish after the current pass (also the SIGTERM/SIGINT handler)."""
        log.info("stop requested")
        self._stop.set()

    def run_pass(self) -> None:
        """One pass (inbox re-read, then sync); failures are logged and counted, never raised."""
        now = self.clock()
        # From the start: the interval is the time between passes, whatever a pass costs. A
        # pass longer than the interval is followed at once by the next (never two at a time).
        self.next_periodic = now + self.interval
        self.passes += 1
        outcome: dict[str, Any] = {"at": now.isoformat(), "pass": self.passes}
        report: Any = None
        one_pass = getattr(self.bridge, "daemon_pass", None) or self.bridge.sync
        try:
            report = one_pass(as_of=now)
            done = [a for a in report.actions if a.done]
            attention = needs_attention(report)
            waiting = any(item["count"] for item in attention.values())
            outcome.update(outcome="attention" if waiting else "ok", ok=not waiting, actions=len(done),
                           failed=len(report.failed), needs_attention=attention)
            log.info("pass %d: %d action(s), %d failed", self.passes, len(done), len(report.failed),
                     extra={"actions": [a.model_dump(mode="json") for a in report.actions]})
            if waiting:
                log.warning("pass %d: needs a person: %s", self.passes, _summary(attention),
                            extra={"needs_attention": attention})
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure
            self.failures += 1
            outcome.update(outcome="error", ok=False, error=f"{type(exc).__name__}: {exc}")
            log.exception("pass %d failed", self.passes)
        # The pass's report says when the next boundary and opening are; asking status costs a
        # second read of the ledger.
        if report is not None and hasattr(report, "next_change"):
            self.next_boundary, self.next_opening = report.next_change, getattr(report, "next_opening", None)
        else:
            self.next_boundary, self.next_opening = self._next_changes(now)
        outcome["next_boundary"] = self.next_boundary.isoformat() if self.next_boundary else None
        outcome["next_opening"] = self.next_opening.isoformat() if self.next_opening else None
        if report is None or report.failed:
            delay = RETRY_FIRST if self._retry_delay is None else self._retry_delay * 2
            self._retry_delay = min(delay, self.interval)
            self.next_retry = now + self._retry_delay
        else:
            self._retry_delay = self.next_retry = None
        outcome["next_retry"] = self.next_retry.isoformat() if self.next_retry else None
        self._beat(outcome)

    def run(self, *, install_signal_handlers: bool = True) -> None:
        """Run until stopped: a pass at once (catching up), then periodic and boundary passes.

        Raises:
            DaemonAlreadyRunningError: another daemon holds the lock file.
        """
        self._take_lock()
        try:
            self._run(install_signal_handlers)
        finally:
            self._release_lock()

    def _take_lock(self) -> None:
        if self.lock is None:
            return
        self.lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise DaemonAlreadyRunningError(
                f"another cms-bridge daemon is already running on this ledger (pid {holder}; lock "
                f"{self.lock}); stop it first, or give this one another [sync] ledger") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _release_lock(self) -> None:
        # The lock dies with the process too (flock), so a killed daemon never blocks the next one.
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _run(self, install_signal_handlers: bool) -> None:
        if install_signal_handlers:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        log.info("daemon started")
        self.run_pass()
        while not self._stop.is_set():
            if self._wait(self._seconds_to_wait()):
                break
            self.tick()
        log.info("daemon stopped after %d pass(es), %d failed", self.passes, self.failures)

    def tick(self) -> None:
        """Run what is due now: a boundary pass, a retry of a failed one, or the periodic one (one
        pass serves all)."""
        now = self.clock()
        if any(due is not None and now >= due for due in (self.next_boundary, self.next_periodic, self.next_retry)):
            self.run_pass()

    def _seconds_to_wait(self) -> float:
        waits = [MAX_WAIT.total_seconds()]
        now = self.clock()
        for due in (self.next_periodic, self.next_boundary, self.next_retry):
            if due is not None:
                waits.append((due - now).total_seconds())
        return max(0.0, min(waits))

    def _next_changes(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The next window boundary of any request, and the next opening: the earliest time a
        scheduled request (which has nothing on the site until then) is to be published."""
        try:
            rows = [row for row in self.bridge.status(as_of=now) if row.next_change and row.next_change > now]
        except Exception:  # noqa: BLE001 - a broken ledger read must not stop the loop either
            log.exception("cannot compute the next window boundary")
            return None, None
        openings = [row.next_change for row in rows if getattr(row, "desired", None) == "scheduled"]
        return min((row.next_change for row in rows), default=None), min(openings, default=None)

    def _beat(self, outcome: dict[str, Any]) -> None:
        if self.heartbeat is None:
            return
        try:
            tmp = self.heartbeat.with_suffix(self.heartbeat.suffix + ".tmp")
            tmp.write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.heartbeat)  # atomic: a supervisor never reads half a file
        except OSError:
            log.exception("cannot write the heartbeat %s", self.heartbeat)
