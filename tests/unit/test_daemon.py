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
    # The pass at start fails; the loop goes on, tries again a minute later (RETRY_FIRST), and
    # wakes exactly at the window boundary.
    assert bridge.calls == [T0, T0 + timedelta(minutes=1), boundary]
    assert waits[:8] == [60.0] * 7 + [30.0]  # never more than a minute, then just up to the boundary
    assert daemon.failures == 1 and daemon.passes == 3
    beat = json.loads(heartbeat.read_text(encoding="utf-8"))
    assert beat["pass"] == 3 and beat["ok"] is True and beat["at"] == boundary.isoformat()
    assert beat["next_retry"] is None


def test_failed_passes_are_retried_sooner_than_the_interval_backing_off_to_it() -> None:
    clock = Clock()
    bridge = FakeBridge(failures=set(range(1, 10)), boundary=None)

    def wait(seconds: float) -> bool:
        clock.now += timedelta(seconds=seconds)
        return len(bridge.calls) >= 6

    Daemon(bridge, interval_minutes=15, heartbeat=None, clock=clock, wait=wait).run(install_signal_handlers=False)
    gaps = [(b - a) / timedelta(minutes=1) for a, b in zip(bridge.calls, bridge.calls[1:], strict=False)]
    assert gaps == [1, 2, 4, 8, 15]  # doubling while the site keeps failing, never past the interval


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


# --- the heartbeat says what needs a person -----------------------------------------------------

def test_heartbeat_is_attention_while_requests_are_blocked_invalid_or_failed(tmp_path: Path) -> None:
    from cms_bridge.bridge import Bridge
    from cms_bridge.publishing.reconciler import Action, SyncReport
    from cms_bridge.samples import text_pdf

    from .test_bridge_methods import config_with_inbox
    from .test_intake import write_request

    class FailingSync(Bridge):
        def sync(self, as_of: datetime | None = None, **_: object) -> SyncReport:
            return SyncReport(as_of=as_of or self.clock(), dry_run=False, actions=[
                Action(request_id="2570-t-001", kind="create", detail="new", error="site down"),
                Action(request_id="2570-t-005", kind="publish", detail="window opens", done=True),
                Action(request_id="2570-t-006", kind="blocked", detail="held back by the publish gate",
                       error="photo.png: not checked for ID numbers")])

    config = config_with_inbox(tmp_path)
    inbox = tmp_path / "inbox"
    write_request(inbox / "good")
    # 1-1017-00203-45-0 is made up; its check digit is valid.
    write_request(inbox / "blocked", rid="2570-t-002",
                  attachment_bytes=text_pdf(["Citizen ID 1-1017-00203-45-0"]))
    write_request(inbox / "invalid", rid="2570-t-003", attachment="missing.pdf")
    heartbeat = tmp_path / "heartbeat"
    with FailingSync(config, clock=lambda: T0) as bridge:
        Daemon(bridge, interval_minutes=15, heartbeat=heartbeat, clock=bridge.clock).run_pass()
    beat = json.loads(heartbeat.read_text(encoding="utf-8"))
    assert beat["outcome"] == "attention" and beat["ok"] is False
    assert beat["actions"] == 1 and beat["failed"] == 2
    assert beat["needs_attention"] == {
        "blocked": {"count": 2, "files": [str(inbox / "blocked" / "request.toml")], "ids": ["2570-t-006"]},
        "invalid": {"count": 1, "files": [str(inbox / "invalid" / "request.toml")]},
        "failed": {"count": 1, "ids": ["2570-t-001"]},
    }
    assert "1101700203450" not in heartbeat.read_text(encoding="utf-8")


def test_heartbeat_is_ok_only_when_nothing_waits_and_error_when_the_pass_fails(tmp_path: Path) -> None:
    heartbeat = tmp_path / "heartbeat"
    bridge = FakeBridge(failures={2}, boundary=None)
    daemon = Daemon(bridge, interval_minutes=15, heartbeat=heartbeat, clock=Clock())
    daemon.run_pass()
    beat = json.loads(heartbeat.read_text(encoding="utf-8"))
    assert beat["outcome"] == "ok" and beat["ok"] is True
    assert {name: item["count"] for name, item in beat["needs_attention"].items()} == {
        "blocked": 0, "invalid": 0, "failed": 0}
    daemon.run_pass()
    beat = json.loads(heartbeat.read_text(encoding="utf-8"))
    assert beat["outcome"] == "error" and beat["ok"] is False and beat["error"] == "RuntimeError: site down"


#: The supervisor's check in docs/operations.md: the heartbeat is fresh and its outcome is ok.
SUPERVISOR_CHECK = ("find /run/cms-bridge/heartbeat -mmin -35 | grep -q . && "
                    "grep -q '\"outcome\": \"ok\"' /run/cms-bridge/heartbeat")


def test_the_documented_supervisor_check_tells_attention_and_error_from_ok(tmp_path: Path) -> None:
    import subprocess

    docs = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    assert SUPERVISOR_CHECK in docs
    heartbeat = tmp_path / "heartbeat"
    command = SUPERVISOR_CHECK.replace("/run/cms-bridge/heartbeat", str(heartbeat))

    def check_after(bridge: FakeBridge) -> int:
        Daemon(bridge, interval_minutes=15, heartbeat=heartbeat, clock=Clock()).run_pass()
        return subprocess.run(["sh", "-c", command], check=False).returncode

    assert check_after(FakeBridge(failures=set(), boundary=None)) == 0
    assert check_after(FakeBridge(failures={1}, boundary=None)) == 1

    class Waiting(FakeBridge):
        def sync(self, as_of=None):
            return FakeReport(failed=[type("A", (), {"request_id": "2570-t-001"})()])

    assert check_after(Waiting(failures=set(), boundary=None)) == 1


class SlowBridge(FakeBridge):
    """A pass that takes *seconds* of the injected clock."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        super().__init__(failures=set(), boundary=None)
        self.clock, self.seconds = clock, seconds

    def sync(self, as_of=None):
        report = super().sync(as_of)
        self.clock.now += timedelta(seconds=self.seconds)
        return report


def _run_until(daemon: Daemon, clock: Clock, passes: int) -> list[float]:
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock.now += timedelta(seconds=seconds)
        return daemon.passes >= passes

    daemon._wait = wait
    daemon.run(install_signal_handlers=False)
    return waits


def test_the_interval_is_counted_from_the_start_of_each_pass() -> None:
    clock = Clock()
    bridge = SlowBridge(clock, seconds=25)
    daemon = Daemon(bridge, interval_minutes=1, heartbeat=None, clock=clock)
    waits = _run_until(daemon, clock, passes=4)
    # A 25 s pass in a 60 s interval: the next starts 35 s after it ends, so passes start a
    # minute apart (counted from the end they would drift to 85 s apart).
    assert bridge.calls == [T0 + timedelta(seconds=60 * i) for i in range(4)]
    assert waits == [35.0] * 4


def test_a_pass_longer_than_the_interval_is_followed_at_once_not_overlapped() -> None:
    clock = Clock()
    bridge = SlowBridge(clock, seconds=90)
    daemon = Daemon(bridge, interval_minutes=1, heartbeat=None, clock=clock)
    waits = _run_until(daemon, clock, passes=3)
    assert bridge.calls == [T0, T0 + timedelta(seconds=90), T0 + timedelta(seconds=180)]
    assert waits == [0.0, 0.0, 0.0]
