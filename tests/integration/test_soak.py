"""Soak: syncs through a proxy that fails 10% of requests, until every request is where it
belongs; then every approved request is published exactly once and the ledger equals the site."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config, load_config
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import ALL_STATUSES, PostQuery

from .fault_proxy import FaultProxy

REQUESTS, AMENDED, REJECTED = 450, 300, 150
NOW = datetime(2026, 10, 1, tzinfo=OFFICE_TZ)


@pytest.fixture
def proxy(clean_site: Config):
    running = FaultProxy(clean_site.require_site().url, fault_rate=0.10, seed=2567, slow_seconds=1.2).start()
    yield running
    running.stop()


def converge(bridge: Bridge, passes: int = 40) -> int:
    """Sync until a pass has nothing to do and nothing failed; return the passes it took."""
    for n in range(1, passes + 1):
        try:
            report = bridge.sync(NOW)
        except Exception:  # noqa: BLE001 - a pass may die on a fault before its first action
            continue
        if not report.actions and not report.failed:
            return n
    raise AssertionError(f"not converged after {passes} passes")


def test_soak_through_10_percent_faults(clean_site: Config, proxy: FaultProxy, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for i in range(REQUESTS):
        folder = inbox / f"soak-{i:03d}"
        folder.mkdir(parents=True)
        (folder / "doc.pdf").write_bytes(text_pdf([f"Soak document {i}"]))
        (folder / "request.toml").write_text(request_toml(f"soak-{i:03d}"), encoding="utf-8")
    site = clean_site.require_site()
    config_file = tmp_path / "cms-bridge.toml"
    config_file.write_text(
        f'[site]\nurl = "{proxy.url}"\nusername = "{site.username}"\napp_password_file = "{site.app_password_file}"\n'
        f"timeout_seconds = 1.0\n[retry]\nattempts = 3\ninitial_backoff_seconds = 0.01\nmax_backoff_seconds = 0.05\n"
        f'[intake]\ninbox = "{inbox}"\n[sync]\nledger = "{tmp_path / "ledger.sqlite3"}"\n', encoding="utf-8")
    config = load_config(config_file, environ={})
    with Bridge(config) as bridge:
        bridge.intake()
        converge(bridge)
        # Amend half (a new file each), reject a third, then converge again through the faults.
        for i in range(AMENDED):
            (inbox / f"soak-{i:03d}" / "doc.pdf").write_bytes(text_pdf([f"Soak document {i}, amended"]))
        bridge.intake()  # each amendment is a new version, published once approved
        for i in range(AMENDED):
            bridge.record_decision(f"soak-{i:03d}", status="approved", by="นางสมมุติ อนุมัติ", at=NOW)
        for i in range(REQUESTS - REJECTED, REQUESTS):
            bridge.record_decision(f"soak-{i:03d}", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
        converge(bridge)
        operations = proxy.forwarded + sum(proxy.injected.values())
        assert operations >= 1000, operations
        assert set(proxy.injected) >= {"503_burst", "429", "reset", "slow", "truncated", "html_page"}

        direct = RestAdapter(HttpClient(clean_site))
        posts = [p for p in direct.iter_posts(PostQuery(statuses=ALL_STATUSES)) if p.key]
        by_key = {p.key: p for p in posts}
        assert len(posts) == len(by_key) == REQUESTS  # exactly one post per request
        for i in range(REQUESTS):
            post = by_key[f"pr-soak-{i:03d}"]
            assert post.status == ("publish" if i < REQUESTS - REJECTED else "draft"), (i, post.status)
        for publication in bridge.ledger.publications():
            post = by_key[publication.post_key]
            assert publication.post_id == post.id
            assert publication.state == {"publish": "published", "draft": "withdrawn"}[post.status]
        amended = direct.get_post(by_key["pr-soak-000"].id, with_content=True)
        media = bridge.ledger.media_for("soak-000")
        current = hashlib.sha256((inbox / "soak-000" / "doc.pdf").read_bytes()).hexdigest()
        # Shows the new file; the superseded one is gone from the site.
        assert list(media) == [current] and media[current].url in (amended.content or "")
        total_media = int(direct.http.request("GET", direct._url("/wp/v2/media"), params={"per_page": 1})
                          .headers["X-WP-Total"])
        # No upload duplicated or lost: one file per request still published (a rejected one's
        # and a superseded one are taken down).
        assert total_media == REQUESTS - REJECTED
