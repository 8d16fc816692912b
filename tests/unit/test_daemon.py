"""The daemon loop with a fake clock and a fake wait: no sleeping, no patched datetime."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cms_bridge.daemon import Daemon

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


@dataclass
class FakeReport:
    actions: list = field(default_factory=list)
    failed: list = field(default_factory=list)


@dataclass
class Row:
    next_change: datetime | None


class FakeBridge:
    def __init__(self, failures: set[int], boundary: datetime | None) -> None:
        self.calls: list[datetime] = []
        self.failures = failures
        self.boundary = boundary

    def sync(self, as_of=None):
        self.calls.append(as_of)
        if len(self.calls) in self.failures:
            raise RuntimeError("site down")
        return FakeReport()

    def status(self, as_of=None):
        return [Row(self.boundary), Row(None)]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_failures_do_not_stop_the_loop_and_boundaries_wake_it(tmp_path: Path) -> None:
    clock = Clock()
    boundary = T0 + timedelta(minutes=7, seconds=30)
    bridge = FakeBridge(failures={1}, boundary=boundary)
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock.now += timedelta(seconds=seconds)
        return clock.now >= boundary + timedelta(minutes=2)  # then asked to stop

    heartbeat = tmp_path / "heartbeat"
    daemon = Daemon(bridge, interval_minutes=15, heartbeat=heartbeat, clock=clock, wait=wait)
    daemon.run(install_signal_handlers=False)
    # The pass at start fails; the loop goes on and wakes exactly at the window boundary.
    assert bridge.calls == [T0, boundary]
    assert waits[:8] == [60.0] * 7 + [30.0]  # never more than a minute, then just up to the boundary
    assert daemon.failures == 1 and daemon.passes == 2
    beat = json.loads(heartbeat.read_text(encoding="utf-8"))
    assert beat["pass"] == 2 and beat["ok"] is True and beat["at"] == boundary.isoformat()


def test_waits_never_exceed_a_minute_and_stop_is_prompt() -> None:
    clock = Clock()
    bridge = FakeBridge(failures=set(), boundary=None)
    waits: list[float] = []
    daemon = Daemon(bridge, interval_minutes=15, heartbeat=None, clock=clock,
                    wait=lambda s: waits.append(s) or True)
    daemon.run(install_signal_handlers=False)
    assert waits == [60.0] and bridge.calls == [T0]


def test_stop_request_ends_the_loop() -> None:
    clock = Clock()
    daemon = Daemon(FakeBridge(failures=set(), boundary=None), interval_minutes=5, heartbeat=None, clock=clock)
    daemon.stop()
    daemon.run(install_signal_handlers=False)
    assert daemon.passes == 1


def test_a_second_daemon_on_the_same_ledger_stops_at_once_and_the_lock_is_freed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import pytest

    from cms_bridge.errors import DaemonAlreadyRunningError

    lock = tmp_path / "ledger.sqlite3.daemon.lock"
    clock = Clock()
    second_bridge = FakeBridge(failures=set(), boundary=None)
    outcome: list[str] = []

    def wait_while_a_second_one_starts(_: float) -> bool:
        # A second daemon in another process, started while the first one runs.
        code = ("import sys; from pathlib import Path; from datetime import datetime, timezone\n"
                "from cms_bridge.daemon import Daemon\n"
                "from cms_bridge.errors import DaemonAlreadyRunningError\n"
                "d = Daemon(object(), interval_minutes=1, heartbeat=None, lock=Path(sys.argv[1]),\n"
                "           clock=lambda: datetime.now(timezone.utc))\n"
                "try:\n    d.run(install_signal_handlers=False)\n"
                "except DaemonAlreadyRunningError as exc:\n    print(exc); sys.exit(3)\n")
        done = subprocess.run([sys.executable, "-c", code, str(lock)], capture_output=True, text=True, timeout=60)
        outcome.append(f"{done.returncode}:{done.stdout}")
        second = Daemon(second_bridge, interval_minutes=1, heartbeat=None, clock=clock, lock=lock)
        with pytest.raises(DaemonAlreadyRunningError, match=f"pid {os.getpid()}"):
            second.run(install_signal_handlers=False)
        return True

    first = Daemon(FakeBridge(failures=set(), boundary=None), interval_minutes=5, heartbeat=None, clock=clock,
                   wait=wait_while_a_second_one_starts, lock=lock)
    first.run(install_signal_handlers=False)
    assert outcome[0].startswith("3:another cms-bridge daemon is already running")
    assert second_bridge.calls == []  # the refused daemon never synced
    # Once the first has stopped, a new one starts.
    again = Daemon(FakeBridge(failures=set(), boundary=None), interval_minutes=5, heartbeat=None, clock=clock,
                   wait=lambda s: True, lock=lock)
    again.run(install_signal_handlers=False)
    assert again.passes == 1
