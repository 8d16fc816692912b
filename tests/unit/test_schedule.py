"""Before its window opens a request has nothing on the site; the pass at the opening publishes it.

WordPress serves an upload at its address, and lists it in the media library, whatever its
post's status, so a ``future`` post cannot keep its files private. These tests drive the
reconciler and the daemon on the in-memory site with an injected clock (no sleeping): nothing
is uploaded and no post made before the opening, a ``future`` post an older version left is
taken down on the first pass, and amendments, withdrawals and crashes before the opening hold.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.daemon import Daemon, needs_attention
from cms_bridge.samples import text_pdf
from cms_bridge.wordpress.fake import FakeCms

from .conftest import Clock
from .test_fake_sync import (BKK, NOW, bridge, inbox, kinds, make_config, post_of, run, site, site_clock,
                             write_request)

__all__ = ["bridge", "inbox", "site", "site_clock"]  # fixtures, used by name

BY = "นางสมมุติ อนุมัติ"
START = datetime(2026, 11, 1, tzinfo=BKK)
RANGE = 'kind = "range"\nstart = "2026-11-01"\nend = "2026-12-31"'


def public(site: FakeCms) -> list[bytes]:
    """Every file a visitor can download from the site."""
    return [data for m in list(site.media.values()) if (data := site.public_file(m.url)) is not None]


def left_by_an_older_version(bridge: Bridge, site: FakeCms, rid: str) -> int:
    """What a version before this fix left for a request scheduled to open at START: a
    ``future`` post with its files uploaded at once, recorded as scheduled. Returns the post id."""
    run(bridge, START, site)  # post and files as the bridge writes them, then set back to waiting
    site.clock.now = NOW  # type: ignore[attr-defined]
    post = site.set_status(post_of(site, f"pr-{rid}").id, "future", date=START)
    version = bridge.ledger.site_version(rid).version_hash
    bridge.ledger.save_publication(rid, post_id=post.id, post_key=f"pr-{rid}", state="scheduled",
                                   published_version=version, url=post.link, actor="cms-bridge sync",
                                   action="post.scheduled", site_modified=post.modified)
    assert post.status == "future" and public(site)
    return post.id


def test_nothing_is_uploaded_or_posted_before_the_opening(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "emb", attachments=("doc.pdf", "annex.pdf"), images=("photo.png",))
    path = inbox / "emb" / "request.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('kind = "permanent"', RANGE), encoding="utf-8")
    plan = (bridge.intake(), bridge.plan(NOW))[1]
    assert [(a.kind, a.detail) for a in plan.actions] == [("wait", "scheduled for 2026-11-01 00:00")]
    report = run(bridge, NOW, site)
    assert kinds(report) == [("emb", "wait")] and not report.failed
    assert site.posts == {} and site.media == {} and "upload_media" not in site.requests
    assert bridge.ledger.media_for("emb") == {} and bridge.ledger.get_publication("emb") is None
    [row] = bridge.status(NOW)
    assert (row.desired, row.state, row.next_change) == ("scheduled", "not on the site", START)
    # The pass at the opening: the post and all three files, published at once.
    assert kinds(run(bridge, START, site)) == [("emb", "create")]
    assert post_of(site, "pr-emb").status == "publish" and len(public(site)) == 3


def test_a_future_post_left_by_an_older_version_is_taken_down_on_the_first_pass(
        bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "old", window=RANGE)
    post_id = left_by_an_older_version(bridge, site, "old")
    report = run(bridge, NOW, site)
    assert [(a.kind, a.done) for a in report.actions] == [("withdraw", True), ("wait", False)]
    assert site.get_post(post_id).status == "draft" and public(site) == []
    assert bridge.ledger.media_for("old") == {}
    assert kinds(run(bridge, NOW + timedelta(days=1), site)) == [("old", "wait")]  # converged
    # At the opening the same post is published, its files uploaded again from the store.
    report = run(bridge, START, site)
    assert [(a.kind, a.detail) for a in report.actions] == [("update", "upload again: doc.pdf"),
                                                             ("publish", "was draft")]
    post = site.get_post(post_id)
    assert post.status == "publish" and post.date == START
    assert public(site) == [text_pdf(["Document doc.pdf"])]


def test_a_missed_schedule_left_by_an_older_version_is_published(bridge: Bridge, inbox: Path,
                                                                  site: FakeCms) -> None:
    write_request(inbox, "mis", window=RANGE)
    post_id = left_by_an_older_version(bridge, site, "mis")
    # Both clocks pass the date, and nothing on the site published it (no WP-Cron).
    later = START + timedelta(hours=8)
    report = run(bridge, later, site)
    assert [(a.kind, a.detail) for a in report.actions] == [("publish", "missed schedule")]
    assert site.get_post(post_id).status == "publish" and site.get_post(post_id).date == START


def test_taking_an_older_future_post_down_survives_a_failure_between_its_files(
        bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "cut", window=RANGE, attachments=("doc.pdf", "annex.pdf"))
    post_id = left_by_an_older_version(bridge, site, "cut")
    site.fail("delete_media", when=lambda media_id: media_id == max(site.media))  # the second file
    report = run(bridge, NOW, site)
    assert [(a.kind, bool(a.error)) for a in report.actions] == [("withdraw", True), ("wait", False)]
    assert site.get_post(post_id).status == "draft" and len(public(site)) == 1
    report = run(bridge, NOW, site)
    assert [(a.kind, a.detail) for a in report.actions] == [
        ("remove_files", "take scheduled file(s) off their public address: annex.pdf"),
        ("wait", "scheduled for 2026-11-01 00:00")]
    assert not report.failed and public(site) == [] and bridge.ledger.media_for("cut") == {}


def test_an_amendment_approved_before_the_opening_is_what_opens(bridge: Bridge, inbox: Path,
                                                                site: FakeCms) -> None:
    path = write_request(inbox, "amd", window=RANGE)
    run(bridge, NOW, site)
    (path.parent / "doc.pdf").write_bytes(text_pdf(["the amended file"]))
    path.write_text(path.read_text(encoding="utf-8").replace("2026-11-01", "2026-11-15"), encoding="utf-8")
    assert kinds(run(bridge, NOW, site)) == [("amd", "wait")]  # the amendment waits for its approval
    bridge.record_decision("amd", status="approved", by=BY, at=NOW + timedelta(hours=1))
    assert kinds(run(bridge, START, site)) == [("amd", "wait")]  # the old opening is gone
    assert site.posts == {} and site.media == {}
    assert kinds(run(bridge, datetime(2026, 11, 15, tzinfo=BKK), site)) == [("amd", "create")]
    assert public(site) == [text_pdf(["the amended file"])]


def test_an_amendment_moving_a_published_window_later_takes_it_down_until_then(
        bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    path = write_request(inbox, "mov", window='kind = "range"\nstart = "2026-09-01"\nend = "2026-12-31"')
    run(bridge, NOW, site)
    post_id = post_of(site, "pr-mov").id
    assert site.get_post(post_id).status == "publish" and public(site)
    path.write_text(path.read_text(encoding="utf-8").replace('start = "2026-09-01"', 'start = "2026-11-01"'), encoding="utf-8")
    assert kinds(run(bridge, NOW, site)) == []
    assert site.get_post(post_id).status == "publish"  # the approved version stays until the amendment is
    bridge.record_decision("mov", status="approved", by=BY, at=NOW + timedelta(hours=1))
    report = run(bridge, NOW + timedelta(hours=2), site)
    assert kinds(report) == [("mov", "withdraw"), ("mov", "wait")]
    assert site.get_post(post_id).status == "draft" and public(site) == []
    report = run(bridge, START, site)
    assert [(a.kind, a.detail) for a in report.actions] == [("update", "amended request"), ("publish", "was draft")]
    assert site.get_post(post_id).status == "publish" and len(public(site)) == 1


def test_a_rejection_before_the_opening_leaves_nothing_to_publish(bridge: Bridge, inbox: Path,
                                                                  site: FakeCms) -> None:
    write_request(inbox, "rej", window=RANGE)
    run(bridge, NOW, site)
    bridge.record_decision("rej", status="rejected", by=BY, at=NOW + timedelta(hours=1))
    assert kinds(run(bridge, NOW + timedelta(hours=2), site)) == []
    assert kinds(run(bridge, START, site)) == []
    assert site.posts == {} and site.media == {}


def test_what_the_gate_refuses_is_reported_before_the_opening(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "edt", window=RANGE)
    bridge.intake()
    db = bridge.ledger.connection
    db.execute("DROP TRIGGER request_versions_no_update")
    row = db.execute("SELECT version_hash, payload FROM request_versions WHERE request_id = 'edt'").fetchone()
    db.execute("UPDATE request_versions SET payload = ? WHERE version_hash = ?",
               (row["payload"].replace("ประกาศ edt", "UNAPPROVED"), row["version_hash"]))
    report = bridge.sync(NOW)
    [action] = report.actions
    assert action.kind == "blocked" and "approval is of another version" in (action.error or "")
    assert needs_attention(report)["blocked"]["ids"] == ["edt"]  # a person has until the opening
    assert site.posts == {} and site.media == {}


def test_the_daemon_wakes_at_the_opening_and_publishes_then(config: Config, tmp_path: Path, inbox: Path,
                                                            site: FakeCms, site_clock: Clock) -> None:
    opening = NOW + timedelta(minutes=7, seconds=30)  # approved for a time before the hourly pass
    write_request(inbox, "dmn", approved_at=opening.isoformat())
    beats: list[dict[str, object]] = []
    heartbeat = tmp_path / "heartbeat"

    def wait(seconds: float) -> bool:
        beats.append({**json.loads(heartbeat.read_text(encoding="utf-8")), "posts": len(site.posts)})
        site_clock.now += timedelta(seconds=seconds)  # the daemon's clock and the site's
        return site_clock.now > opening  # asked to stop once the opening has passed

    with Bridge(make_config(config, tmp_path, inbox), cms=site, clock=site_clock) as b:
        daemon = Daemon(b, interval_minutes=60, heartbeat=heartbeat, clock=site_clock, wait=wait)
        daemon.run(install_signal_handlers=False)
        assert daemon.passes == 2  # at start, and exactly at the opening
        assert beats[0]["next_opening"] == beats[0]["next_boundary"] == opening.isoformat()
        assert beats[0]["pass"] == 1 and beats[0]["posts"] == 0 and len(beats) > 1
        post = post_of(site, "pr-dmn")
        assert post.status == "publish" and post.date == opening and len(public(site)) == 1
        final = json.loads(heartbeat.read_text(encoding="utf-8"))
        assert final["pass"] == 2 and final["at"] == opening.isoformat() and final["next_opening"] is None
