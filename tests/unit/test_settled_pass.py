"""An idle pass: the ledger read set-wise, settled requests neither built nor planned, nothing
written; anything a plan reads that changes brings its request back (ledger/settled.py).
Counted (SQL statements, site requests, requests planned), never timed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

import cms_bridge.ledger.settled as settled_module
import cms_bridge.publishing.reconciler as reconciler_module
from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.ledger.schema import payload_digest
from cms_bridge.wordpress.fake import FakeCms

from .conftest import Clock
from .test_fake_sync import BKK, NOW, kinds, make_config, post_of, run, write_request

N = 6
WRITES = ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    for i in range(N):
        write_request(folder, f"st-{i}", pdf_text=f"Document {i}")
    write_request(folder, "st-end", window='kind = "range"\nstart = "2026-09-20"\nend = "2026-10-31"')
    write_request(folder, "st-pending", approved_at=None)
    return folder


@pytest.fixture
def site() -> FakeCms:
    return FakeCms(clock=Clock(NOW))


def _planned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    planned: list[str] = []
    original = reconciler_module.Reconciler._plan_one

    def counting(self, ctx, as_of):  # type: ignore[no-untyped-def]
        planned.append(ctx.request.request_id)
        return original(self, ctx, as_of)

    monkeypatch.setattr(reconciler_module.Reconciler, "_plan_one", counting)
    return planned


def _trace(bridge: Bridge) -> list[str]:
    statements: list[str] = []
    bridge.ledger.connection.set_trace_callback(statements.append)
    return statements


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def _published(config: Config, tmp_path: Path, inbox: Path, site: FakeCms) -> Bridge:
    bridge = Bridge(make_config(config, tmp_path, inbox, upload_workers=1), cms=site, clock=lambda: NOW)
    assert len(run(bridge, NOW, site).actions) == N + 1  # published (the pending one waits)
    assert kinds(bridge.daemon_pass(NOW)) == []  # planned in full once more, found settled, kept
    return bridge


def test_an_idle_pass_plans_nothing_reads_set_wise_writes_nothing_and_asks_the_site_once(
        config: Config, tmp_path: Path, inbox: Path, site: FakeCms, monkeypatch: pytest.MonkeyPatch) -> None:
    with _published(config, tmp_path, inbox, site):
        pass
    planned = _planned(monkeypatch)
    # A restart: what was settled is in the ledger.
    with Bridge(make_config(config, tmp_path, inbox, upload_workers=1), cms=site, clock=lambda: NOW) as bridge:
        statements = _trace(bridge)
        before = site.requests_sent
        report = bridge.daemon_pass(NOW)
        assert report.actions == [] and planned == []
        assert _writes(statements) == []
        # Whatever N: the inbox cache (2) and the ledger's marks (1), the pass's rows (7) -- not
        # twenty statements a request.
        assert len(statements) <= 10
        assert site.requests_sent - before == 1  # one key lookup: ceil(N/100)
        statements.clear()
        rows = bridge.status(NOW)
        assert {r.request_id: r.state for r in rows}["st-0"] == "published" and len(rows) == N + 2
        assert _writes(statements) == [] and len(statements) <= 10
        assert report.next_change == datetime(2026, 11, 1, tzinfo=BKK)  # st-end's window closes


def test_a_settled_request_comes_back_when_its_post_is_edited_on_the_site(
        config: Config, tmp_path: Path, inbox: Path, site: FakeCms, monkeypatch: pytest.MonkeyPatch) -> None:
    with _published(config, tmp_path, inbox, site) as bridge:
        planned = _planned(monkeypatch)
        site.clock.now = NOW + timedelta(minutes=5)  # type: ignore[attr-defined]
        site.set_status(post_of(site, "pr-st-2").id, "draft")
        assert kinds(bridge.daemon_pass(NOW)) == [("st-2", "drift")] and planned == ["st-2"]


def test_a_payload_edited_in_the_ledger_is_refused_by_the_gate_though_it_was_settled(
        config: Config, tmp_path: Path, inbox: Path, site: FakeCms) -> None:
    with _published(config, tmp_path, inbox, site) as bridge:
        db = bridge.ledger.connection
        # A script that writes the ledger itself (the append-only trigger dropped first).
        db.execute("DROP TRIGGER request_versions_no_update")
        db.execute("UPDATE request_versions SET payload = json_set(payload, '$.title', 'แก้ในฐานข้อมูล')"
                   " WHERE request_id = 'st-3'")
        db.commit()
        report = bridge.sync(NOW)
        assert kinds(report) == [("st-3", "blocked"), ("st-3", "withdraw")]
        assert "another version" in (report.actions[0].error or "")


def test_each_version_keeps_its_payload_digest_and_a_payload_without_one_is_hashed_itself(
        config: Config, tmp_path: Path, inbox: Path, site: FakeCms, monkeypatch: pytest.MonkeyPatch) -> None:
    with _published(config, tmp_path, inbox, site) as bridge:
        db = bridge.ledger.connection
        rows = db.execute("SELECT payload, payload_sha256 FROM request_versions").fetchall()
        assert rows and all(digest == payload_digest(payload) for payload, digest in rows)
        planned = _planned(monkeypatch)
        # A payload edited by hand clears its digest (m012's trigger), even to the same title.
        db.execute("DROP TRIGGER request_versions_no_update")
        db.execute("UPDATE request_versions SET payload = payload WHERE request_id = 'st-1'")
        db.commit()
        assert db.execute("SELECT payload_sha256 FROM request_versions WHERE request_id = 'st-1'"
                          ).fetchone()[0] is None
        assert kinds(bridge.sync(NOW)) == [] and planned == ["st-1"]  # planned again, found settled
        planned.clear()
        assert kinds(bridge.sync(NOW)) == [] and planned == []  # settled on the payload itself
        # A digest changed by hand is a change too.
        db.execute("UPDATE request_versions SET payload_sha256 = 'x' WHERE request_id = 'st-2'")
        db.commit()
        assert kinds(bridge.sync(NOW)) == [] and planned == ["st-2"]


def test_m012_fills_in_the_digests_of_versions_recorded_before_it(
        config: Config, tmp_path: Path, inbox: Path, site: FakeCms) -> None:
    with _published(config, tmp_path, inbox, site) as bridge:
        path = bridge.ledger.path
        db = bridge.ledger.connection
        db.execute("DROP TRIGGER request_versions_payload_digest")
        db.execute("DROP TRIGGER request_versions_no_update")
        db.execute("ALTER TABLE request_versions DROP COLUMN payload_sha256")
        db.execute("DELETE FROM migrations WHERE name = 'm012_version_digests'")
        db.commit()
    with Bridge(make_config(config, tmp_path, inbox, upload_workers=1), cms=site, clock=lambda: NOW) as bridge:
        db = bridge.ledger.connection
        rows = db.execute("SELECT payload, payload_sha256 FROM request_versions").fetchall()
        assert rows and all(digest == payload_digest(payload) for payload, digest in rows)
        assert bridge.ledger.path == path
        assert kinds(bridge.daemon_pass(NOW)) == []


def test_a_file_gone_from_the_store_or_a_new_scanner_brings_requests_back(
        config: Config, tmp_path: Path, inbox: Path, site: FakeCms, monkeypatch: pytest.MonkeyPatch) -> None:
    with _published(config, tmp_path, inbox, site) as bridge:
        planned = _planned(monkeypatch)
        sha = bridge.ledger.site_version("st-4").files["doc.pdf"]
        bridge.ledger.files.path_of(sha).unlink()
        report = bridge.sync(NOW)
        assert kinds(report) == [("st-4", "blocked")] and planned == ["st-4"]
        planned.clear()
        monkeypatch.setattr(settled_module, "SCANNER_VERSION", "a newer scanner")
        bridge.sync(NOW)
        assert sorted(planned) == sorted([f"st-{i}" for i in range(N)] + ["st-end"])


def test_a_window_boundary_ends_the_settled_answer(
        config: Config, tmp_path: Path, inbox: Path, site: FakeCms, monkeypatch: pytest.MonkeyPatch) -> None:
    with _published(config, tmp_path, inbox, site) as bridge:
        planned = _planned(monkeypatch)
        later = datetime(2026, 11, 1, 0, 0, tzinfo=BKK)
        site.clock.now = later  # type: ignore[attr-defined]
        assert kinds(bridge.sync(later)) == [("st-end", "withdraw")] and planned == ["st-end"]
        planned.clear()
        # Asked about a time before the one it was settled at, a request is planned again.
        bridge.sync(NOW - timedelta(hours=1), dry_run=True)
        assert "st-0" in planned


def test_a_decision_or_setting_changed_since_brings_the_request_back(
        config: Config, tmp_path: Path, inbox: Path, site: FakeCms, monkeypatch: pytest.MonkeyPatch) -> None:
    with _published(config, tmp_path, inbox, site) as bridge:
        planned = _planned(monkeypatch)
        bridge.record_decision("st-5", status="rejected", by="นายสมมุติ ใจกว้าง", note="ไม่อนุญาต")
        assert kinds(bridge.sync(NOW)) == [("st-5", "withdraw")] and planned == ["st-5"]
        planned.clear()
        bridge.config = bridge.config.model_copy(update={"sync": bridge.config.sync.model_copy(
            update={"on_drift": "restore"})})
        bridge.sync(NOW)
        assert len(planned) == N + 1  # every published request, and the withdrawn one
