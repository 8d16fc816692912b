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
