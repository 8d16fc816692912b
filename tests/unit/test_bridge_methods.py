"""The Bridge methods behind validate, migrate and the daemon, without a real site."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import responses

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config, load_config
from cms_bridge.daemon import Daemon
from cms_bridge.ledger.store import Ledger
from cms_bridge.publishing.reconciler import SyncReport
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.rest import RestAdapter

from .conftest import PASSWORD, SITE
from .test_intake import write_request

ROOT = f"{SITE}/wp-json/"
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def config_with_inbox(tmp_path: Path) -> Config:
    path = tmp_path / "cms-bridge.toml"
    path.write_text(f'[site]\nurl = "{SITE}"\nusername = "bridge"\n\n[intake]\ninbox = "inbox"\n\n'
                    '[sync]\nledger = "ledger.sqlite3"\n', encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    return load_config(path, environ={"CMS_BRIDGE_SITE_APP_PASSWORD": PASSWORD})


def test_validate_reports_without_recording_anything(tmp_path: Path, config: Config) -> None:
    write_request(tmp_path / "in" / "a")
    write_request(tmp_path / "in" / "b", attachment="missing.pdf", rid="2570-t-009")
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    with Bridge(config, ledger=ledger) as bridge:
        report = bridge.validate([tmp_path / "in"])
        assert [r.request.request_id for r in report.requests] == ["2570-t-001"]
        assert not report.ok and [p.severity for p in report.problems] == ["error"]
        assert bridge.ledger.list_request_ids() == []


def test_validate_needs_no_ledger(tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_request(tmp_path / "a")
    with Bridge(config) as bridge:
        assert bridge.validate([tmp_path / "a"]).ok
    assert not (tmp_path / "cms-bridge.sqlite3").exists()


PLAN = """
name = "tidy the news tree"

[[steps]]
action = "create_tree"
paths = ["ข่าว / ข่าวใหม่"]

[[steps]]
action = "rename"
category = "ข่าว / ข่าวเก่า"
to = "ข่าวย้อนหลัง"
"""


def test_migrate_plan_lists_the_changes_and_changes_nothing(http_mock: responses.RequestsMock, tmp_path: Path,
                                                            config: Config) -> None:
    http_mock.get(f"{ROOT}wp/v2/categories", json=[
        {"id": 2, "name": "ข่าว", "parent": 0, "slug": "news", "count": 0},
        {"id": 3, "name": "ข่าวเก่า", "parent": 2, "slug": "old", "count": 4},
    ], headers={"X-WP-Total": "2", "X-WP-TotalPages": "1"})
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    site = RestAdapter(HttpClient(config, sleep=lambda s: None), rest_root=ROOT)
    with Bridge(config, cms=site, ledger=Ledger(tmp_path / "ledger.sqlite3")) as bridge:
        changes = bridge.migrate_plan(plan)
        assert [(c.kind, c.target) for c in changes] == [("create_term", None), ("update_term", 3)]
        assert changes[0].after["name"] == "ข่าวใหม่"
        assert changes[1].after == {"name": "ข่าวย้อนหลัง", "parent": 2}
        assert bridge.migrate_runs() == []
    assert all(call.request.method == "GET" for call in http_mock.calls)


def test_migrate_runs_does_not_contact_the_site(tmp_path: Path, config: Config) -> None:
    # No HTTP is registered: any request to the site would fail the test.
    with Bridge(config, ledger=Ledger(tmp_path / "ledger.sqlite3")) as bridge:
        assert bridge.migrate_runs() == []


class OfflineBridge(Bridge):
    """A real bridge (inbox, ledger, status) whose sync only notes what the ledger holds."""

    seen: list[list[str]]

    def sync(self, as_of: datetime | None = None, **_: object) -> SyncReport:
        self.seen.append(self.ledger.list_request_ids())
        return SyncReport(as_of=as_of or self.clock(), dry_run=False, actions=[])


def test_each_daemon_pass_re_reads_the_inbox(tmp_path: Path) -> None:
    config = config_with_inbox(tmp_path)
    bridge = OfflineBridge(config, clock=lambda: T0)
    bridge.seen = []
    write_request(tmp_path / "inbox" / "a")
    with bridge:
        daemon = Daemon(bridge, interval_minutes=15, heartbeat=None, clock=bridge.clock)
        daemon.run_pass()
        write_request(tmp_path / "inbox" / "b", rid="2570-t-002")  # arrives while the daemon runs
        daemon.run_pass()
    assert bridge.seen == [["2570-t-001"], ["2570-t-001", "2570-t-002"]]
    assert daemon.failures == 0 and daemon.passes == 2


def test_daemon_pass_without_an_inbox_only_syncs(tmp_path: Path, config: Config) -> None:
    bridge = OfflineBridge(config, ledger=Ledger(tmp_path / "ledger.sqlite3"), clock=lambda: T0)
    bridge.seen = []
    with bridge:
        report = bridge.daemon_pass(T0)
    assert report.as_of == T0 and bridge.seen == [[]]


def test_mappings_check_and_apply_include_the_archive_category(tmp_path: Path, config: Config) -> None:
    from .test_mappings_check import MemorySite

    site = MemorySite()
    with Bridge(config, cms=site, ledger=Ledger(tmp_path / "ledger.sqlite3")) as bridge:
        report = bridge.mappings_check()
        archive = [m for m in report.missing if "[sync] archive_category" in m.wanted_by]
        assert [m.path for m in archive] == [config.sync.archive_category] and not report.ok
        created = bridge.mappings_apply()
        assert config.sync.archive_category in {c.name for c in created}
        assert not bridge.mappings_check().missing
