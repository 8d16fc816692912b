"""The reconciler against the real WordPress: lifecycle, amendments, revocation, missed
schedules, drift, the lock, idempotency and request costs."""

from __future__ import annotations

import fcntl
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from cms_bridge.bridge import Bridge, SyncLockedError
from cms_bridge.config import Config
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import PostQuery

BKK = OFFICE_TZ
APPROVED_AT = datetime(2026, 9, 1, 10, 0, tzinfo=BKK)

def write_request(inbox: Path, rid: str, *, window: str, kind: str = "other", title: str | None = None,
                  attachment: str = "doc.pdf", pdf_text: str = "Document") -> Path:
    folder = inbox / rid
    folder.mkdir(parents=True, exist_ok=True)
    (folder / attachment).write_bytes(text_pdf([pdf_text]))
    path = folder / "request.toml"
    path.write_text(request_toml(rid, title=title, group="finance", kind=kind, window=window,
                                 attachments=[attachment]), encoding="utf-8")
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "inbox"


@pytest.fixture
def bridge(clean_site: Config, tmp_path: Path, inbox: Path):
    inbox.mkdir()
    config = clean_site.model_copy(update={
        "intake": clean_site.intake.model_copy(update={"inbox": inbox}),
        "sync": clean_site.sync.model_copy(update={"ledger": tmp_path / "ledger.sqlite3"}),
    })
    with Bridge(config) as b:
        yield b


@pytest.fixture
def site(clean_site: Config) -> RestAdapter:
    """An independent view of the site, to check what the bridge did."""
    return RestAdapter(HttpClient(clean_site))


def run(bridge: Bridge, as_of: datetime):
    bridge.intake()
    return bridge.sync(as_of)


def kinds(report) -> list[tuple[str, str]]:
    return [(a.request_id, a.kind) for a in report.actions]


def days_from_today(days: int) -> datetime:
    """00:00 Bangkok, *days* from today: the site schedules by its real clock, so a "future"
    post needs a start that is really in the future."""
    today = datetime.now(BKK).date()
    return datetime.combine(today + timedelta(days=days), datetime.min.time(), tzinfo=BKK)


def test_range_lifecycle_scheduled_published_withdrawn(bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    start, last_day = days_from_today(30), days_from_today(59)
    write_request(inbox, "rng", window=f'kind = "range"\nstart = "{start.date()}"\nend = "{last_day.date()}"')
    key = "pr-rng"
    # Not open yet: nothing on the site, neither post nor file (WordPress would serve the files
    # of a "future" post at once).
    assert kinds(run(bridge, datetime.now(BKK))) == [("rng", "wait")]
    assert site.find_by_keys([key]) == {} and site.find_media(["pr-rng"]) == {}
    assert kinds(run(bridge, start - timedelta(seconds=1))) == [("rng", "wait")]
    assert bridge.ledger.media_for("rng") == {}
    # The pass at the opening creates and publishes it (WP-Cron is off on the test site, as on a
    # quiet real one: nothing publishes it but the bridge).
    assert kinds(run(bridge, start + timedelta(seconds=1))) == [("rng", "create")]
    assert site.find_by_keys([key])[key].status == "publish"
    url = next(iter(bridge.ledger.media_for("rng").values())).url
    assert requests.get(url, timeout=30).status_code == 200
    # The end day is included: still published at its 23:59:59, withdrawn at the next 00:00.
    end = last_day + timedelta(days=1)
    assert kinds(run(bridge, end - timedelta(seconds=1))) == []
    assert kinds(run(bridge, end)) == [("rng", "withdraw")]
    assert site.find_by_keys([key])[key].status == "draft"  # kind "other": policy draft
    assert requests.get(url, timeout=30).status_code == 404  # the expired item's file is gone too
    assert kinds(run(bridge, end + timedelta(days=1))) == []
    assert bridge.status(end + timedelta(days=1))[0].state == "withdrawn"


def test_scheduled_in_a_past_as_of_waits_with_nothing_on_the_site(bridge: Bridge, inbox: Path,
                                                                  site: RestAdapter) -> None:
    write_request(inbox, "old", window='kind = "range"\nstart = "2026-10-01"\nend = "2026-10-31"')
    assert kinds(run(bridge, datetime(2026, 9, 15, tzinfo=BKK))) == [("old", "wait")]
    assert site.find_by_keys(["pr-old"]) == {}
    assert kinds(run(bridge, datetime(2026, 10, 1, tzinfo=BKK))) == [("old", "create")]
    assert site.find_by_keys(["pr-old"])["pr-old"].status == "publish"


def left_by_an_older_version(bridge: Bridge, site: RestAdapter, rid: str, start: datetime) -> int:
    """What a version before the embargo left for a request opening at *start* (still ahead of
    the site's clock): a "future" post with its file uploaded at once, recorded as scheduled.
    Returns the post id."""
    run(bridge, start)  # the post and its file as the bridge writes them; then set back to waiting
    post = site.set_status(site.find_by_keys([f"pr-{rid}"])[f"pr-{rid}"].id, "future", date=start)
    bridge.ledger.save_publication(rid, post_id=post.id, post_key=f"pr-{rid}", state="scheduled",
                                   published_version=bridge.ledger.site_version(rid).version_hash, url=post.link,
                                   actor="cms-bridge sync", action="post.scheduled", site_modified=post.modified)
    assert post.status == "future"
    return post.id


def test_a_future_post_left_by_an_older_version_is_taken_down_then_published_at_the_opening(
        bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    start = days_from_today(7)
    write_request(inbox, "mig", window=f'kind = "range"\nstart = "{start.date()}"\nend = "{days_from_today(60).date()}"')
    post_id = left_by_an_older_version(bridge, site, "mig", start)
    [old] = [m.url for m in bridge.ledger.media_for("mig").values()]
    assert requests.get(old, timeout=30).status_code == 200  # the hole: served before the window
    # The first pass: a draft with no file.
    assert kinds(run(bridge, datetime.now(BKK))) == [("mig", "withdraw"), ("mig", "wait")]
    assert site.get_post(post_id).status == "draft"
    assert requests.get(old, timeout=30).status_code == 404 and bridge.ledger.media_for("mig") == {}
    base = bridge.config.require_site().url.rstrip("/")
    assert requests.get(f"{base}/?rest_route=/wp/v2/media", timeout=30).json() == []
    # The pass at the opening publishes the same post, its file uploaded again from the store.
    report = run(bridge, start + timedelta(hours=8))
    assert [(a.kind, a.detail) for a in report.actions] == [("update", "upload again: doc.pdf"),
                                                             ("publish", "was draft")]
    post = site.get_post(post_id)
    assert post.status == "publish" and requests.get(post.link, timeout=30).status_code == 200
    [new] = [m.url for m in bridge.ledger.media_for("mig").values()]
    assert requests.get(new, timeout=30).status_code == 200


def test_fiscal_year_ends_at_1_october_midnight_bangkok(bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    write_request(inbox, "fy1", window='kind = "fiscal_year"\nfiscal_year = 2570', kind="procurement")
    run(bridge, datetime(2026, 10, 2, tzinfo=BKK))
    assert kinds(run(bridge, datetime(2027, 9, 30, 16, 59, 59, tzinfo=timezone.utc))) == []
    # 1 Oct 2027 00:00 in Bangkok is 30 Sep 17:00 UTC.
    assert kinds(run(bridge, datetime(2027, 9, 30, 17, 0, tzinfo=timezone.utc))) == [("fy1", "withdraw")]
    post = site.find_by_keys(["pr-fy1"])["pr-fy1"]
    archive = site.ensure_category_path(bridge.config.sync.archive_category)
    assert post.status == "publish" and post.categories == (archive.id,)  # procurement: archived
    assert kinds(run(bridge, datetime(2027, 10, 5, tzinfo=BKK))) == []


def test_second_pass_changes_nothing_and_costs_one_request(bridge: Bridge, inbox: Path) -> None:
    for n in range(3):
        write_request(inbox, f"pp{n}", window='kind = "permanent"', pdf_text=f"Document {n}")
    now = datetime(2026, 10, 1, tzinfo=BKK)
    first = run(bridge, now)
    assert sorted(kinds(first)) == [("pp0", "create"), ("pp1", "create"), ("pp2", "create")]
    http = bridge.cms.http  # type: ignore[attr-defined]
    before = http.requests_sent
    assert kinds(run(bridge, now)) == []
    assert http.requests_sent - before == 1  # one lookup of all keys, nothing else


def test_amendment_updates_the_post_and_uploads_only_the_changed_file(bridge: Bridge, inbox: Path,
                                                                       site: RestAdapter) -> None:
    path = write_request(inbox, "amd", window='kind = "permanent"')
    (inbox / "amd" / "annex.pdf").write_bytes(text_pdf(["Annex"]))
    path.write_text(path.read_text(encoding="utf-8") + '\n[[attachments]]\npath = "annex.pdf"\n', encoding="utf-8")
    now = datetime(2026, 10, 1, tzinfo=BKK)
    run(bridge, now)
    media_before = site.http.request("GET", site._url("/wp/v2/media"), params={"per_page": 1}).headers["X-WP-Total"]
    assert media_before == "2"
    old_doc = next(m.url for m in bridge.ledger.media_for("amd").values() if m.filename == "doc.pdf")
    assert requests.get(old_doc, timeout=30).status_code == 200
    path.write_text(path.read_text(encoding="utf-8").replace("ประกาศ amd", "ประกาศ amd (แก้ไข)"), encoding="utf-8")
    (inbox / "amd" / "doc.pdf").write_bytes(text_pdf(["Document, corrected"]))
    assert kinds(run(bridge, now)) == []  # the amendment waits for its own approval
    assert site.get_post(site.find_by_keys(["pr-amd"])["pr-amd"].id).title == "ประกาศ amd"
    bridge.record_decision("amd", status="approved", by="นางสมมุติ อนุมัติ", at=now)
    assert kinds(run(bridge, now)) == [("amd", "update"), ("amd", "remove_files")]
    post = site.get_post(site.find_by_keys(["pr-amd"])["pr-amd"].id, with_content=True)
    assert post.title == "ประกาศ amd (แก้ไข)"
    # Only the changed PDF was uploaded again, and the superseded one is gone from its address.
    assert len(bridge.ledger.media_for("amd")) == 2
    media_after = site.http.request("GET", site._url("/wp/v2/media"), params={"per_page": 1}).headers["X-WP-Total"]
    assert media_after == "2"
    assert requests.get(old_doc, timeout=30).status_code == 404 and old_doc not in post.content
    for media in bridge.ledger.media_for("amd").values():
        assert media.url in post.content and requests.get(media.url, timeout=30).status_code == 200
    assert kinds(run(bridge, now)) == []


def test_revoked_approval_withdraws(bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    write_request(inbox, "rev", window='kind = "permanent"')
    now = datetime(2026, 10, 1, tzinfo=BKK)
    run(bridge, now)
    url = next(iter(bridge.ledger.media_for("rev").values())).url
    assert requests.get(url, timeout=30).status_code == 200
    bridge.record_decision("rev", status="rejected", by="นายสมมุติ ใจกว้าง", at=now)
    assert kinds(run(bridge, now + timedelta(minutes=1))) == [("rev", "withdraw")]
    post = site.find_by_keys(["pr-rev"])["pr-rev"]
    assert post.status == "draft"
    # The attachment is no longer downloadable by a visitor (or a search engine).
    assert requests.get(url, timeout=30).status_code == 404
    assert requests.get(post.link, timeout=30).status_code == 404
    events = [e.action for e in bridge.ledger.events("rev")]
    assert "decision.recorded" in events and "post.withdrawn" in events and "media.deleted" in events
    # Approved again: the file comes back from the store at a new address the post links.
    (inbox / "rev" / "doc.pdf").unlink()
    bridge.record_decision("rev", status="approved", by="นายสมมุติ ใจกว้าง", at=now + timedelta(minutes=2))
    assert kinds(run(bridge, now + timedelta(minutes=3))) == [("rev", "update"), ("rev", "publish")]
    again = site.get_post(post.id, with_content=True)
    new_url = next(iter(bridge.ledger.media_for("rev").values())).url
    assert again.status == "publish" and new_url in again.content
    assert requests.get(new_url, timeout=30).status_code == 200


def test_missed_schedule_is_published_by_the_bridge(bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    # A "future" post an older version left, whose time passed with nothing publishing it.
    start = days_from_today(7)
    write_request(inbox, "mis", window=f'kind = "range"\nstart = "{start.date()}"\nend = "{days_from_today(60).date()}"')
    post_id = left_by_an_older_version(bridge, site, "mis", start)
    report = run(bridge, start + timedelta(hours=8))
    assert [(a.kind, a.detail) for a in report.actions] == [("publish", "missed schedule")]
    assert site.get_post(post_id).status == "publish"


def test_drift_is_reported_and_left_alone_by_default(bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    write_request(inbox, "dri", window='kind = "permanent"')
    now = datetime(2026, 10, 1, tzinfo=BKK)
    run(bridge, now)
    post = site.find_by_keys(["pr-dri"])["pr-dri"]
    site.set_status(post.id, "draft")  # a person unpublishes it on the site
    report = run(bridge, now)
    assert kinds(report) == [("dri", "drift")] and "set to draft" in report.actions[0].detail
    assert site.get_post(post.id).status == "draft"
    assert "site.drift" in [e.action for e in bridge.ledger.events("dri")]
    assert kinds(run(bridge, now)) == []  # reported once, not on every pass


def test_an_edit_on_the_site_is_drift_reported_once_or_restored(bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    write_request(inbox, "edt", window='kind = "permanent"')
    now = datetime(2026, 10, 1, tzinfo=BKK)
    run(bridge, now)
    post = site.find_by_keys(["pr-edt"])["pr-edt"]
    site.http.request("POST", site._url(f"/wp/v2/posts/{post.id}"), json={"title": "แก้ไขโดยคน"})
    report = run(bridge, now)
    assert kinds(report) == [("edt", "drift")] and "edited on the site" in report.actions[0].detail
    assert kinds(run(bridge, now)) == []
    assert site.get_post(post.id).title == "แก้ไขโดยคน"
    bridge.config = bridge.config.model_copy(update={"sync": bridge.config.sync.model_copy(update={"on_drift": "restore"})})
    assert kinds(run(bridge, now)) == [("edt", "update")]
    assert site.get_post(post.id).title == "ประกาศ edt"
    assert kinds(run(bridge, now)) == []


def test_drift_restored_when_configured(bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    write_request(inbox, "drx", window='kind = "permanent"')
    now = datetime(2026, 10, 1, tzinfo=BKK)
    run(bridge, now)
    post = site.find_by_keys(["pr-drx"])["pr-drx"]
    site.set_status(post.id, "trash")
    bridge.config = bridge.config.model_copy(update={"sync": bridge.config.sync.model_copy(update={"on_drift": "restore"})})
    run(bridge, now)
    assert site.get_post(post.id).status == "publish"


def test_lost_ledger_adopts_posts_instead_of_duplicating(bridge: Bridge, inbox: Path, site: RestAdapter,
                                                         tmp_path: Path) -> None:
    write_request(inbox, "lost", window='kind = "permanent"')
    now = datetime(2026, 10, 1, tzinfo=BKK)
    run(bridge, now)
    fresh_config = bridge.config.model_copy(update={"sync": bridge.config.sync.model_copy(
        update={"ledger": tmp_path / "new-ledger.sqlite3"})})
    with Bridge(fresh_config) as fresh:
        assert kinds(run(fresh, now)) == [("lost", "update")]
        assert kinds(run(fresh, now)) == []
    assert site.count_posts(PostQuery(statuses=("publish", "draft", "trash"), search="ประกาศ lost")) == 1
    media = site.http.request("GET", site._url("/wp/v2/media"), params={"per_page": 1}).headers["X-WP-Total"]
    assert media == "1"


def test_a_second_sync_is_refused_while_one_runs(bridge: Bridge, inbox: Path) -> None:
    lock = Path(str(bridge.config.sync.ledger) + ".lock")
    with lock.open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242")
        held.flush()
        with pytest.raises(SyncLockedError, match="another sync is running"):
            bridge.sync(datetime(2026, 10, 1, tzinfo=BKK))


def test_a_deleted_request_folder_does_not_stop_the_others(bridge: Bridge, inbox: Path, site: RestAdapter) -> None:
    import shutil

    start = days_from_today(-10)
    last_day = days_from_today(-1)
    write_request(inbox, "gone", window='kind = "permanent"', pdf_text="first")
    write_request(inbox, "due", window=f'kind = "range"\nstart = "{start.date()}"\nend = "{last_day.date()}"')
    now = datetime.now(BKK)
    assert sorted(kinds(run(bridge, start + timedelta(hours=1)))) == [("due", "create"), ("gone", "create")]
    # Someone deletes a published request's folder; another request's window closes; a new one arrives.
    shutil.rmtree(inbox / "gone")
    write_request(inbox, "new", window='kind = "permanent"')
    report = run(bridge, now)
    by_id = {a.request_id: a for a in report.actions}
    assert by_id["due"].kind == "withdraw" and by_id["due"].done
    assert by_id["new"].kind == "create" and by_id["new"].done
    assert site.find_by_keys(["pr-due"])["pr-due"].status == "draft"
    assert site.find_by_keys(["pr-new"])["pr-new"].status == "publish"
    # The request whose folder is gone is either left as it is or reported, never a crash.
    if "gone" in by_id:
        assert by_id["gone"].error and "Traceback" not in by_id["gone"].error
    assert site.find_by_keys(["pr-gone"])["pr-gone"].status == "publish"
