"""kill -9 at varied points of a sync, then rerun: exactly one post per request, no orphaned or
duplicated upload, nothing lost, and the ledger agrees with the site."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.samples import png, request_toml, text_pdf
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import ALL_STATUSES, PostQuery

from ..conftest import ROOT
from .conftest import run_script

KILLS = 20


def make_inbox(inbox: Path) -> int:
    """Five approved, open requests with seven files between them; returns the file count."""
    files = 0
    for n in range(5):
        folder = inbox / f"crash-{n}"
        folder.mkdir(parents=True)
        (folder / "doc.pdf").write_bytes(text_pdf([f"Document {n}", "page 2"]))
        if n % 2 == 0:
            (folder / "photo.png").write_bytes(png(8, 8, 40 * n))
            files += 1
        files += 1
        (folder / "request.toml").write_text(request_toml(
            f"crash-{n}", title=f"ประกาศทดสอบ {n}", kind="procurement" if n % 2 else "other",
            images=["photo.png"] if n % 2 == 0 else []), encoding="utf-8")
    return files


def write_config(site: Config, folder: Path, inbox: Path) -> Path:
    assert site.site is not None
    path = folder / "cms-bridge.toml"
    path.write_text(f"""
[site]
url = "{site.site.url}"
username = "{site.site.username}"
app_password_file = "{site.site.app_password_file}"
[intake]
inbox = "{inbox}"
[sync]
ledger = "{folder / 'ledger.sqlite3'}"
""", encoding="utf-8")
    return path


def count_requests_of_a_full_sync(config_file: Path) -> int:
    with Bridge.from_config(config_file) as bridge:
        bridge.intake()
        report = bridge.sync()
        assert not report.failed
        return bridge.cms.http.requests_sent  # type: ignore[attr-defined]


def test_kill_9_at_varied_points_then_rerun_converges(clean_site: Config, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    files = make_inbox(inbox)
    probe = tmp_path / "probe"
    probe.mkdir()
    total = count_requests_of_a_full_sync(write_config(clean_site, probe, inbox))
    assert total > KILLS // 2, "the run must be long enough to be cut at many points"
    site = RestAdapter(HttpClient(clean_site))
    for attempt in range(KILLS):
        assert run_script("reset").returncode == 0
        folder = tmp_path / f"run-{attempt}"
        folder.mkdir()
        config = write_config(clean_site, folder, inbox)
        kill_at = 1 + (attempt * (total - 1)) // (KILLS - 1)  # spread from the first to the last request
        mode = "after" if attempt % 2 == 0 else "before"
        killed = subprocess.run([sys.executable, "-m", "tests.integration.crash_driver", str(kill_at), mode,
                                 "--config", str(config), "sync"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert killed.returncode == -signal.SIGKILL, (kill_at, mode, killed.stderr[-2000:])
        with Bridge.from_config(config) as bridge:
            bridge.intake()
            first = bridge.sync()
            assert not first.failed, [a.error for a in first.failed]
            assert bridge.sync().actions == [], f"not converged after a kill at request {kill_at} ({mode})"
            posts = list(site.iter_posts(PostQuery(statuses=ALL_STATUSES)))
            bridge_posts = [p for p in posts if p.key]
            assert sorted(p.key for p in bridge_posts) == [f"pr-crash-{n}" for n in range(5)], (kill_at, mode)
            assert all(p.status == "publish" for p in bridge_posts)
            ledger = {pub.request_id: pub.post_id for pub in bridge.ledger.publications()}
            assert ledger == {p.key.removeprefix("pr-"): p.id for p in bridge_posts}  # type: ignore[union-attr]
            media = site.http.request("GET", site._url("/wp/v2/media"), params={"per_page": 1}).headers["X-WP-Total"]
            assert int(media) == files, f"orphaned or duplicated uploads after a kill at {kill_at} ({mode})"


def test_kill_9_while_an_older_future_post_is_taken_down_then_rerun_converges(clean_site: Config,
                                                                               tmp_path: Path) -> None:
    # A "future" post an older version left, with two files public before the window: the first
    # pass makes it a draft and deletes the files. Cut at every request of that pass, the next
    # pass finishes it: a draft, no file on the site or in the ledger, nothing left to do.
    from .test_sync import days_from_today, left_by_an_older_version

    start = days_from_today(7)
    inbox = tmp_path / "inbox"
    (inbox / "emb-0").mkdir(parents=True)
    for name in ("doc.pdf", "annex.pdf"):
        (inbox / "emb-0" / name).write_bytes(text_pdf([f"Exam results {name}"]))
    (inbox / "emb-0" / "request.toml").write_text(request_toml(
        "emb-0", attachments=["doc.pdf", "annex.pdf"],
        window=f'kind = "range"\nstart = "{start.date()}"\nend = "{days_from_today(30).date()}"'), encoding="utf-8")
    site = RestAdapter(HttpClient(clean_site))

    def older_version(folder: Path) -> Path:
        assert run_script("reset").returncode == 0
        folder.mkdir()
        config = write_config(clean_site, folder, inbox)
        with Bridge.from_config(config) as bridge:
            left_by_an_older_version(bridge, site, "emb-0", start)
        return config

    with Bridge.from_config(older_version(tmp_path / "probe")) as bridge:
        sent = bridge.cms.http.requests_sent  # type: ignore[attr-defined]
        assert [a.kind for a in bridge.sync().actions] == ["withdraw", "wait"]
        total = bridge.cms.http.requests_sent - sent  # type: ignore[attr-defined]
    assert total >= 3, "the pass must be cut at its status change and at each file"
    for kill_at in range(1, total + 1):
        for mode in ("after", "before") if kill_at > 1 else ("after",):
            config = older_version(tmp_path / f"run-{kill_at}-{mode}")
            killed = subprocess.run([sys.executable, "-m", "tests.integration.crash_driver", str(kill_at), mode,
                                     "--config", str(config), "sync"], cwd=ROOT, capture_output=True, text=True,
                                    timeout=120)
            assert killed.returncode == -signal.SIGKILL, (kill_at, mode, killed.stderr[-2000:])
            with Bridge.from_config(config) as bridge:
                first = bridge.sync()
                assert not first.failed, [a.error for a in first.failed]
                assert [a.kind for a in bridge.sync().actions] == ["wait"], (kill_at, mode)
                assert site.find_by_keys(["pr-emb-0"])["pr-emb-0"].status == "draft"
                assert bridge.ledger.media_for("emb-0") == {}
                media = site.http.request("GET", site._url("/wp/v2/media"), params={"per_page": 1})
                assert media.headers["X-WP-Total"] == "0", f"a file left on the site after a kill at {kill_at} ({mode})"
