"""The reconciler and the Bridge on the in-memory site: lifecycle, schedules, amendments,
withdrawal policies, drift, adoption, failures, costs and the lock (tests/integration/test_sync.py
on the real WordPress, ported to FakeCms where the decision logic is what is tested)."""

from __future__ import annotations

import fcntl
import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cms_bridge.bridge import Bridge, SyncLockedError
from cms_bridge.config import Config
from cms_bridge.errors import ConfigError, LedgerError, SiteError
from cms_bridge.samples import png, request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms
from cms_bridge.wordpress.models import PostQuery

from .conftest import Clock

BKK = OFFICE_TZ
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=BKK)


def write_request(inbox: Path, rid: str, *, window: str = 'kind = "permanent"', kind: str = "other",
                  title: str | None = None, attachments: tuple[str, ...] = ("doc.pdf",), images: tuple[str, ...] = (),
                  pdf_text: str = "Document", approved_at: str | None = "2026-09-01T10:00:00+07:00",
                  group: str = "finance") -> Path:
    folder = inbox / rid
    folder.mkdir(parents=True, exist_ok=True)
    for name in attachments:
        (folder / name).write_bytes(text_pdf([f"{pdf_text} {name}"]))
    for name in images:
        (folder / name).write_bytes(png(40, 30))
    path = folder / "request.toml"
    path.write_text(request_toml(rid, title=title, group=group, kind=kind, window=window, attachments=attachments,
                                 images=images, approved_at=approved_at), encoding="utf-8")
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def site_clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def site(site_clock: Clock) -> FakeCms:
    return FakeCms(clock=site_clock)


def make_config(config: Config, tmp_path: Path, inbox: Path, **sync: object) -> Config:
    return config.model_copy(update={
        "intake": config.intake.model_copy(update={"inbox": inbox}),
        "sync": config.sync.model_copy(update={"ledger": tmp_path / "ledger.sqlite3", **sync}),
    })


@pytest.fixture
def bridge(config: Config, tmp_path: Path, inbox: Path, site: FakeCms):
    with Bridge(make_config(config, tmp_path, inbox), cms=site, clock=lambda: NOW) as b:
        yield b


def run(bridge: Bridge, as_of: datetime, site: FakeCms | None = None):
    """intake + sync at *as_of*, the site's clock at the same time (unless it is told otherwise)."""
    if site is not None:
        site.clock.now = as_of  # type: ignore[attr-defined]
    bridge.intake()
    return bridge.sync(as_of)


def kinds(report) -> list[tuple[str, str]]:
    return [(a.request_id, a.kind) for a in report.actions]


def post_of(site: FakeCms, key: str):
    return site.find_by_keys([key])[key]


def with_sync(bridge: Bridge, **changes: object) -> None:
    bridge.config = bridge.config.model_copy(update={"sync": bridge.config.sync.model_copy(update=changes)})


def test_range_lifecycle_scheduled_published_withdrawn(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    start, end = datetime(2026, 11, 1, tzinfo=BKK), datetime(2026, 12, 1, tzinfo=BKK)
    write_request(inbox, "rng", window='kind = "range"\nstart = "2026-11-01"\nend = "2026-11-30"')
    # Approved, not open yet: nothing on the site, neither post nor file, until the opening.
    report = run(bridge, NOW, site)
    assert [(a.request_id, a.kind, a.detail, a.done) for a in report.actions] == [
        ("rng", "wait", "scheduled for 2026-11-01 00:00", False)]
    assert site.find_by_keys(["pr-rng"]) == {} and site.media == {}
    assert kinds(run(bridge, start - timedelta(seconds=1), site)) == [("rng", "wait")]
    assert site.find_by_keys(["pr-rng"]) == {} and site.media == {}
    # The pass at the opening creates and publishes it, dated at its start.
    assert kinds(run(bridge, start, site)) == [("rng", "create")]
    post = post_of(site, "pr-rng")
    assert post.status == "publish" and post.date == start
    assert [site.public_file(m.url) for m in site.media.values()] == [text_pdf(["Document doc.pdf"])]
    assert kinds(run(bridge, end - timedelta(seconds=1), site)) == []
    assert kinds(run(bridge, end, site)) == [("rng", "withdraw")]
    assert post_of(site, "pr-rng").status == "draft"  # kind "other": policy draft
    assert kinds(run(bridge, end + timedelta(days=1), site)) == []
    assert bridge.status(end + timedelta(days=1))[0].state == "withdrawn"


def test_scheduled_in_a_past_as_of_waits_with_nothing_on_the_site(bridge: Bridge, inbox: Path,
                                                                  site: FakeCms) -> None:
    # The site's clock is at NOW (1 Oct); --as-of is earlier, and so is the start.
    write_request(inbox, "old", window='kind = "range"\nstart = "2026-09-20"\nend = "2026-10-31"')
    assert kinds(run(bridge, datetime(2026, 9, 15, tzinfo=BKK))) == [("old", "wait")]
    assert site.find_by_keys(["pr-old"]) == {} and site.media == {}
    report = run(bridge, datetime(2026, 9, 21, tzinfo=BKK))
    assert [(a.kind, a.detail) for a in report.actions] == [("create", "published at 2026-09-20 00:00")]
    post = post_of(site, "pr-old")
    # Published, dated at its start (which the site's clock has passed).
    assert post.status == "publish" and post.date == datetime(2026, 9, 20, tzinfo=BKK)


def test_publish_date_never_ahead_of_the_site_clock(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    # The site's clock runs behind the bridge's: a post due now must not turn into "future".
    write_request(inbox, "lag", window='kind = "range"\nstart = "2026-10-01"\nend = "2026-10-31"')
    site.clock.now = NOW - timedelta(hours=12)  # type: ignore[attr-defined]  # 30 Sep 21:00, before the start
    assert kinds(run(bridge, NOW)) == [("lag", "create")]
    post = post_of(site, "pr-lag")
    assert post.status == "publish" and post.date == site.site_now()


def test_fiscal_year_ends_at_1_october_midnight_and_procurement_is_archived(bridge: Bridge, inbox: Path,
                                                                            site: FakeCms) -> None:
    write_request(inbox, "fy1", window='kind = "fiscal_year"\nfiscal_year = 2570', kind="procurement")
    run(bridge, datetime(2026, 10, 2, tzinfo=BKK), site)
    own = post_of(site, "pr-fy1").categories
    assert kinds(run(bridge, datetime(2027, 9, 30, 16, 59, 59, tzinfo=timezone.utc), site)) == []
    assert kinds(run(bridge, datetime(2027, 9, 30, 17, 0, tzinfo=timezone.utc), site)) == [("fy1", "withdraw")]
    post = post_of(site, "pr-fy1")
    archive = site.ensure_category_path(bridge.config.sync.archive_category)
    assert post.status == "publish" and post.categories == (archive.id,)
    assert kinds(run(bridge, datetime(2027, 10, 5, tzinfo=BKK), site)) == []
    assert own != (archive.id,) and bridge.status(datetime(2027, 10, 5, tzinfo=BKK))[0].state == "withdrawn"


def test_archive_without_an_archive_category_unpublishes_to_draft(config: Config, tmp_path: Path, inbox: Path,
                                                                  site: FakeCms) -> None:
    with Bridge(make_config(config, tmp_path, inbox, archive_category=""), cms=site, clock=lambda: NOW) as bridge:
        write_request(inbox, "arc", kind="procurement")
        run(bridge, NOW, site)
        bridge.record_decision("arc", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
        own = post_of(site, "pr-arc").categories
        assert kinds(run(bridge, NOW + timedelta(minutes=1), site)) == [("arc", "withdraw")]
        assert post_of(site, "pr-arc").status == "draft"
        # Approved again: published once more, with its own categories.
        bridge.record_decision("arc", status="approved", by="นายสมมุติ ใจกว้าง", at=NOW + timedelta(minutes=2))
        report = run(bridge, NOW + timedelta(minutes=3), site)
        assert "publish" in [a.kind for a in report.actions] and not report.failed
        post = post_of(site, "pr-arc")
        assert post.status == "publish" and post.categories == own


def test_second_pass_changes_nothing_and_costs_one_lookup(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    for n in range(3):
        write_request(inbox, f"pp{n}", pdf_text=f"Document {n}")
    first = run(bridge, NOW, site)
    assert sorted(kinds(first)) == [("pp0", "create"), ("pp1", "create"), ("pp2", "create")]
    assert site.batch_sizes == [3]  # the three posts in one batch
    # The three files in one upload multicall, named in one more; no upload one by one.
    assert (site.requests["upload_multicall"], site.requests["name_uploads"]) == (1, 1)
    assert site.requests.get("upload_media", 0) == 0 and len(site.media) == 3
    before = dict(site.requests)
    assert kinds(run(bridge, NOW, site)) == []
    assert {k: v - before.get(k, 0) for k, v in site.requests.items() if v != before.get(k, 0)} == {"find_by_keys": 1}


def test_amendment_stays_off_the_site_until_approved_then_uploads_only_the_changed_file(
        bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    path = write_request(inbox, "amd", attachments=("doc.pdf", "annex.pdf"))
    run(bridge, NOW, site)
    assert len(site.media) == 2
    old_doc = next(m for m in site.media.values() if m.filename == "doc.pdf")
    path.write_text(path.read_text(encoding="utf-8").replace("ประกาศ amd", "ประกาศ amd (แก้ไข)"), encoding="utf-8")
    (inbox / "amd" / "doc.pdf").write_bytes(text_pdf(["Document, corrected"]))
    # The file still carries the old [decision]: that approved the old version, not this one.
    assert kinds(run(bridge, NOW, site)) == []
    post = site.get_post(post_of(site, "pr-amd").id, with_content=True)
    assert post.title == "ประกาศ amd" and len(site.media) == 2
    assert bridge.status(NOW)[0].decision == "amended, awaiting approval"
    bridge.record_decision("amd", status="approved", by="นางสมมุติ อนุมัติ", at=NOW)
    report = run(bridge, NOW, site)
    assert [(a.kind, a.detail) for a in report.actions] == [
        ("update", "amended request"),
        ("remove_files", "take superseded file(s) off their public address: doc.pdf")]
    post = site.get_post(post_of(site, "pr-amd").id, with_content=True)
    assert post.title == "ประกาศ amd (แก้ไข)"
    assert site.files_sent == 3  # only the changed PDF was uploaded again
    # The superseded file is no longer served; the post links the new one and the annex.
    assert site.public_file(old_doc.url) is None and len(site.media) == 2
    assert old_doc.url not in post.content
    assert all(m.url in post.content for m in site.media.values())
    assert kinds(run(bridge, NOW, site)) == []


def test_a_replaced_or_removed_file_never_reaches_the_site(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "rep")
    run(bridge, NOW, site)
    approved = hashlib.sha256((inbox / "rep" / "doc.pdf").read_bytes()).hexdigest()
    replaced = text_pdf(["Replaced"])
    (inbox / "rep" / "doc.pdf").write_bytes(replaced)
    assert kinds(run(bridge, NOW, site)) == []
    assert bridge.status(NOW)[0].decision == "amended, awaiting approval"
    uploaded = {m.sha256 for m in site.media.values()}
    assert approved in uploaded and hashlib.sha256(replaced).hexdigest() not in uploaded
    write_request(inbox, "other")  # another request in the same pass still goes out
    (inbox / "rep" / "doc.pdf").unlink()
    report = run(bridge, NOW, site)
    assert kinds(report) == [("other", "create")]
    assert post_of(site, "pr-rep").status == "publish"  # the approved version stays, from the store


def test_revoked_approval_withdraws_and_records_events(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "rev")
    run(bridge, NOW, site)
    bridge.record_decision("rev", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
    assert kinds(run(bridge, NOW + timedelta(minutes=1), site)) == [("rev", "withdraw")]
    assert post_of(site, "pr-rev").status == "draft"
    events = [e.action for e in bridge.ledger.events("rev")]
    assert "decision.recorded" in events and "post.withdrawn" in events
    assert kinds(run(bridge, NOW + timedelta(minutes=2), site)) == []


def test_pending_and_never_published_is_not_looked_up(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "pen", approved_at=None)
    assert kinds(run(bridge, NOW, site)) == []
    assert "find_by_keys" not in site.requests  # nothing to look at on the site
    assert bridge.status(NOW)[0].state == "not on the site"


def test_drift_is_reported_once_and_left_alone_by_default(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "dri")
    run(bridge, NOW, site)
    post = post_of(site, "pr-dri")
    site.clock.now = NOW + timedelta(minutes=5)  # type: ignore[attr-defined]
    site.set_status(post.id, "draft")  # a person unpublishes it on the site
    report = run(bridge, NOW)
    assert kinds(report) == [("dri", "drift")] and "set to draft" in report.actions[0].detail
    assert site.get_post(post.id).status == "draft"
    assert "site.drift" in [e.action for e in bridge.ledger.events("dri")]
    assert kinds(run(bridge, NOW)) == []


def test_an_edit_on_the_site_is_drift_reported_once_or_restored(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "edt")
    run(bridge, NOW, site)
    post = post_of(site, "pr-edt")
    site.clock.now = NOW + timedelta(minutes=5)  # type: ignore[attr-defined]
    site.edit_post(post.id, title="แก้ไขโดยคน")
    report = run(bridge, NOW)
    assert kinds(report) == [("edt", "drift")] and "edited on the site" in report.actions[0].detail
    assert kinds(run(bridge, NOW)) == []
    assert site.get_post(post.id).title == "แก้ไขโดยคน"
    with_sync(bridge, on_drift="restore")
    assert kinds(run(bridge, NOW)) == [("edt", "update")]
    assert site.get_post(post.id).title == "ประกาศ edt"
    assert kinds(run(bridge, NOW)) == []


def test_drift_restored_when_configured(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "drx")
    run(bridge, NOW, site)
    post = post_of(site, "pr-drx")
    site.set_status(post.id, "trash")
    with_sync(bridge, on_drift="restore")
    assert [(a.kind, a.detail) for a in run(bridge, NOW).actions] == [
        ("publish", "restore: its post was set to trash on the site")]
    assert site.get_post(post.id).status == "publish" and site.get_post(post.id).slug == "pr-drx"


def test_a_deleted_post_is_drift_or_recreated(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "del")
    run(bridge, NOW, site)
    site.delete_post(post_of(site, "pr-del").id)
    assert [(a.kind, a.detail) for a in run(bridge, NOW).actions][0][1].startswith("its post was deleted")
    assert kinds(run(bridge, NOW)) == []  # reported once
    with_sync(bridge, on_drift="restore")
    assert kinds(run(bridge, NOW)) == [("del", "create")]
    assert post_of(site, "pr-del").status == "publish"


def test_lost_ledger_adopts_posts_instead_of_duplicating(config: Config, bridge: Bridge, inbox: Path,
                                                         site: FakeCms, tmp_path: Path) -> None:
    write_request(inbox, "lost")
    run(bridge, NOW, site)
    fresh = make_config(config, tmp_path / "other", inbox)
    (tmp_path / "other").mkdir()
    with Bridge(fresh, cms=site, clock=lambda: NOW) as again:
        report = run(again, NOW)
        assert [(a.kind, a.detail) for a in report.actions] == [("update", "adopt post found by key")]
        assert kinds(run(again, NOW)) == []
    assert site.count_posts(PostQuery(statuses=("publish", "draft", "trash"))) == 1
    assert len(site.media) == 1  # the upload was found by its slug, not made again


def test_a_taken_slug_fails_that_request_only(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    from cms_bridge.errors import ConflictError

    site.fail("write", ConflictError("the slug 'pr-tk1' is already used by another post on the site",
                                     code="slug_taken"), when=lambda post_id, post: post.key == "pr-tk1")
    write_request(inbox, "tk1")
    write_request(inbox, "tk2")
    report = run(bridge, NOW, site)
    failed = {a.request_id: a.error for a in report.failed}
    assert list(failed) == ["tk1"] and "already used" in (failed["tk1"] or "")
    assert post_of(site, "pr-tk2").status == "publish"
    assert "sync.failed" in [e.action for e in bridge.ledger.events("tk1")]


def test_failed_status_change_is_retried_next_pass(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "ret")
    run(bridge, NOW, site)
    bridge.record_decision("ret", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
    site.fail("set_status")
    report = run(bridge, NOW)
    assert [a.kind for a in report.failed] == ["withdraw"]
    assert post_of(site, "pr-ret").status == "publish"
    assert [a.done for a in run(bridge, NOW).actions] == [True]
    assert post_of(site, "pr-ret").status == "draft"


def test_parallel_uploads_a_failure_is_not_uploaded_again_in_the_same_pass(bridge: Bridge, inbox: Path,
                                                                           site: FakeCms) -> None:
    write_request(inbox, "par", attachments=("a.pdf", "b.pdf", "c.pdf"), images=("cover.png",))
    failing = (inbox / "par" / "b.pdf").read_bytes()  # uploads come from the store, named by digest
    site.fail("upload_media", when=lambda path, slug: path.read_bytes() == failing)
    report = run(bridge, NOW, site)
    assert [a.kind for a in report.failed] == ["create"]
    assert site.files_sent == 4 and len(site.media) == 3
    assert "pr-par" not in site.find_by_keys(["pr-par"])
    report = run(bridge, NOW, site)
    assert kinds(report) == [("par", "create")] and not report.failed
    post = post_of(site, "pr-par")
    assert len(site.media) == 4 and post.featured_media is not None
    assert site.media[post.featured_media].mime_type == "image/png"


def test_progress_is_reported_per_action(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "pg1")
    write_request(inbox, "pg2")
    seen: list[tuple[int, int]] = []
    bridge.intake()
    bridge.sync(NOW, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 2)]
    bridge.record_decision("pg1", status="rejected", by="x", at=NOW)
    bridge.record_decision("pg2", status="rejected", by="x", at=NOW)
    seen.clear()
    bridge.sync(NOW + timedelta(minutes=1), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]


def test_plan_changes_neither_site_nor_ledger(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "pln")
    report = bridge.plan(NOW)
    assert kinds(report) == [("pln", "create")] and report.dry_run
    assert site.posts == {} and site.media == {}
    assert bridge.ledger.list_request_ids() == []
    assert kinds(bridge.sync(NOW, dry_run=True)) == []  # nothing read in yet


def test_bridge_submit_manual_and_missing_inbox(config: Config, tmp_path: Path, site: FakeCms) -> None:
    folder = tmp_path / "req"
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(text_pdf(["x"]))
    import tomllib

    data = tomllib.loads(request_toml("sub", group="finance"))
    cfg = config.model_copy(update={"sync": config.sync.model_copy(update={"ledger": tmp_path / "l.sqlite3"})})
    with Bridge(cfg, cms=site, clock=lambda: NOW) as bridge:
        with pytest.raises(ConfigError, match="no \\[intake\\] inbox"):
            bridge.intake()
        with pytest.raises(LedgerError, match="cannot carry a decision"):
            bridge.submit(data, base_dir=folder)  # a script cannot approve its own request
        assert bridge.ledger.list_request_ids() == []
        bridge.submit({k: v for k, v in data.items() if k != "decision"}, base_dir=folder)
        assert kinds(bridge.sync(NOW)) == []
        bridge.record_decision("sub", status="approved", by="นางสมมุติ อนุมัติ", at=NOW)
        assert bridge.ledger.list_request_ids() == ["sub"]
        assert kinds(bridge.sync(NOW)) == [("sub", "create")]
        assert site.find_by_keys(["pr-sub"])["pr-sub"].status == "publish"
        manual = bridge.record_manual(group="finance", channel="board", title="ติดบอร์ด", published_on=NOW.date(),
                                      recorded_by="ครู")
        assert manual.group_key == "finance"
        row = bridge.status(NOW)[0]
        assert (row.request_id, row.state) == ("sub", "published") and row.url.endswith(f"?p={site.find_by_keys(['pr-sub'])['pr-sub'].id}")


def test_a_second_sync_is_refused_while_one_runs(bridge: Bridge) -> None:
    lock = Path(str(bridge.config.sync.ledger) + ".lock")
    with lock.open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242")
        held.flush()
        with pytest.raises(SyncLockedError, match="pid 4242"):
            bridge.sync(NOW)


def test_site_errors_on_lookup_propagate(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "err")
    site.fail("find_by_keys")
    with pytest.raises(SiteError):
        run(bridge, NOW, site)


def test_a_rejected_item_of_an_archived_kind_leaves_public_view_and_returns_when_approved(
        bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    # The archive policy keeps an *expired* item findable; a rejection must take it down.
    write_request(inbox, "rej", kind="procurement")
    run(bridge, NOW, site)
    own = post_of(site, "pr-rej").categories
    bridge.record_decision("rej", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
    assert kinds(run(bridge, NOW + timedelta(minutes=1), site)) == [("rej", "withdraw")]
    assert post_of(site, "pr-rej").status == "draft"
    assert kinds(run(bridge, NOW + timedelta(minutes=2), site)) == []
    bridge.record_decision("rej", status="approved", by="นายสมมุติ ใจกว้าง", at=NOW + timedelta(minutes=3))
    run(bridge, NOW + timedelta(minutes=4), site)
    post = post_of(site, "pr-rej")
    assert post.status == "publish" and post.categories == own


# -- a withdrawn or superseded file is no longer served ------------------------------------------


def served(site: FakeCms, rid: str) -> list[bytes]:
    """What a visitor downloads from the addresses the request's post links."""
    post = site.get_post(post_of(site, f"pr-{rid}").id, with_content=True)
    return [data for m in list(site.media.values()) if m.url in post.content
            if (data := site.public_file(m.url)) is not None]


def test_a_rejected_post_takes_its_files_down_and_a_reapproval_uploads_them_again_from_the_store(
        bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "gone", attachments=("doc.pdf", "annex.pdf"), images=("photo.png",))
    run(bridge, NOW, site)
    urls = [m.url for m in site.media.values()]
    approved = {m.sha256 for m in site.media.values()}
    assert len(urls) == 3 and all(site.public_file(u) for u in urls)
    bridge.record_decision("gone", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
    report = run(bridge, NOW + timedelta(minutes=1), site)
    assert kinds(report) == [("gone", "withdraw")] and "3 file(s)" in report.actions[0].detail
    assert post_of(site, "pr-gone").status == "draft"
    assert site.media == {} and not any(site.public_file(u) for u in urls)
    assert bridge.ledger.media_for("gone") == {}
    assert [e.action for e in bridge.ledger.events("gone")].count("media.deleted") == 3
    # The inbox copy is removed too: the store alone brings the approved bytes back.
    for name in ("doc.pdf", "annex.pdf", "photo.png"):
        (inbox / "gone" / name).unlink()
    bridge.record_decision("gone", status="approved", by="นายสมมุติ ใจกว้าง", at=NOW + timedelta(minutes=2))
    report = run(bridge, NOW + timedelta(minutes=3), site)
    assert [a.kind for a in report.actions] == ["update", "publish"], report.actions
    assert post_of(site, "pr-gone").status == "publish"
    assert {m.sha256 for m in site.media.values()} == approved
    assert len(served(site, "gone")) == 3


def test_files_already_off_view_are_taken_down_on_the_next_pass_when_a_delete_failed(
        bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "retry", attachments=("doc.pdf", "annex.pdf"))
    run(bridge, NOW, site)
    bridge.record_decision("retry", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
    site.fail("delete_media", when=lambda media_id: site.media[media_id].filename == "annex.pdf")
    report = run(bridge, NOW + timedelta(minutes=1), site)
    assert report.failed and post_of(site, "pr-retry").status == "draft"
    assert [m.filename for m in site.media.values()] == ["annex.pdf"]  # doc.pdf went before the failure
    report = run(bridge, NOW + timedelta(minutes=2), site)
    assert [(a.kind, a.detail) for a in report.actions] == [
        ("remove_files", "take withdrawn file(s) off their public address: annex.pdf")]
    assert site.media == {}
    assert kinds(run(bridge, NOW + timedelta(minutes=3), site)) == []


def test_an_expired_item_kept_in_the_archive_keeps_its_files(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "arch", window='kind = "fiscal_year"\nfiscal_year = 2570', kind="procurement")
    run(bridge, datetime(2026, 10, 2, tzinfo=BKK), site)
    assert kinds(run(bridge, datetime(2027, 10, 2, tzinfo=BKK), site)) == [("arch", "withdraw")]
    assert post_of(site, "pr-arch").status == "publish"  # in the archive category, still findable
    assert len(served(site, "arch")) == 1


def test_keep_withdrawn_files_leaves_them_served(config: Config, tmp_path: Path, inbox: Path,
                                                 site: FakeCms) -> None:
    with Bridge(make_config(config, tmp_path, inbox, keep_withdrawn_files=True), cms=site,
                clock=lambda: NOW) as bridge:
        write_request(inbox, "keep")
        run(bridge, NOW, site)
        url = next(iter(site.media.values())).url
        bridge.record_decision("keep", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
        assert kinds(run(bridge, NOW + timedelta(minutes=1), site)) == [("keep", "withdraw")]
        assert site.public_file(url) is not None and site.requests.get("delete_media", 0) == 0


def test_a_plan_shows_the_files_it_would_take_down_and_changes_nothing(bridge: Bridge, inbox: Path,
                                                                      site: FakeCms) -> None:
    write_request(inbox, "dry")
    run(bridge, NOW, site)
    bridge.record_decision("dry", status="rejected", by="นายสมมุติ ใจกว้าง", at=NOW)
    bridge.intake()
    report = bridge.plan(NOW + timedelta(minutes=1))
    assert [a.kind for a in report.actions] == ["withdraw"] and "1 file(s)" in report.actions[0].detail
    assert len(site.media) == 1 and site.requests.get("delete_media", 0) == 0


def test_bridge_posts_are_closed_to_comments_unless_the_office_opens_them(config: Config, tmp_path: Path,
                                                                        inbox: Path, site: FakeCms) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with Bridge(make_config(config, tmp_path / "a", inbox), cms=site, clock=lambda: NOW) as bridge:
        write_request(inbox, "cmt")
        run(bridge, NOW, site)
        assert site.posts[post_of(site, "pr-cmt").id].comments_open is False
    with Bridge(make_config(config, tmp_path / "b", inbox, comments_open=True), cms=FakeCms(clock=site.clock),
                clock=lambda: NOW) as bridge:
        run(bridge, NOW)
        assert bridge.cms.find_by_keys(["pr-cmt"])["pr-cmt"].comments_open is True


def test_a_groups_posts_carry_the_author_the_office_maps(config: Config, tmp_path: Path, inbox: Path,
                                                        site: FakeCms) -> None:
    from cms_bridge.mappings import load_mappings

    mappings = load_mappings()
    groups = dict(mappings.groups)
    groups["finance"] = groups["finance"].model_copy(update={"author": "editor"})
    groups["ict"] = groups["ict"].model_copy(update={"author": "nobody-here"})
    mapped = mappings.model_copy(update={"groups": groups})
    with Bridge(make_config(config, tmp_path, inbox), cms=site, mappings=mapped, clock=lambda: NOW) as bridge:
        write_request(inbox, "fin", group="finance")
        write_request(inbox, "ict1", group="ict")
        write_request(inbox, "ict2", group="ict")
        report = run(bridge, NOW, site)
    assert site.posts[post_of(site, "pr-fin").id].author == site.users["editor"]
    # An unknown login fails that group's requests with a message, looked up once; others go on.
    failed = {a.request_id: a.error for a in report.failed}
    assert set(failed) == {"ict1", "ict2"} and "'nobody-here' is not a user of the site" in failed["ict1"]
    assert site.requests["find_user_id"] == 2


@pytest.mark.parametrize("count", [1, 24, 25, 26, 60])
def test_uploads_go_in_ceil_n_over_25_requests(bridge: Bridge, inbox: Path, site: FakeCms, count: int) -> None:
    for n in range(count):
        write_request(inbox, f"mc{n}", pdf_text=f"Document {n}")
    report = run(bridge, NOW, site)
    assert not report.failed and len(site.media) == count and site.files_sent == count
    # One group per batch of 25 posts: its files in one multicall (a lone file in a plain
    # upload), then one multicall naming them, while the next group uploads.
    groups = [min(25, count - start) for start in range(0, count, 25)]
    assert site.requests.get("upload_multicall", 0) + site.requests.get("upload_media", 0) == -(-count // 25)
    assert site.requests.get("upload_media", 0) == sum(1 for g in groups if g == 1)
    assert site.requests.get("name_uploads", 0) == sum(1 for g in groups if g > 1)
    assert sorted(site.batch_sizes) == sorted(groups)  # groups overlap: in any order


def test_a_batch_that_fails_whole_fails_its_group_only_and_the_next_pass_converges(
        bridge: Bridge, inbox: Path, site: FakeCms, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(30):
        write_request(inbox, f"bf{n}", pdf_text=f"Document {n}")
    real = site.write_posts
    calls = []

    def first_times_out(items):  # type: ignore[no-untyped-def]
        calls.append(len(items))
        if len(calls) == 1:
            raise SiteError("no answer within 1 s", method="POST", url=site.base_url + "/wp-json/batch/v1")
        return real(items)

    monkeypatch.setattr(site, "write_posts", first_times_out)
    report = run(bridge, NOW, site)  # the pass is not cut short: the other group is written
    assert sorted(calls) == [5, 25] and len(report.failed) == calls[0]
    assert len(site.posts) == 30 - calls[0]
    again = run(bridge, NOW, site)
    assert not again.failed and len(site.posts) == 30 and len(site.media) == 30  # no upload repeated
    assert not run(bridge, NOW, site).actions


def test_a_published_fake_site_pickles_and_works_after_loading(
        config: Config, tmp_path: Path, site: FakeCms) -> None:
    import pickle

    write_request(tmp_path / "inbox", "pk-1")
    with Bridge(make_config(config, tmp_path, tmp_path / "inbox"), cms=site, clock=lambda: NOW) as bridge:
        assert kinds(run(bridge, NOW, site)) == [("pk-1", "create")]
    loaded: FakeCms = pickle.loads(pickle.dumps(site))
    assert post_of(loaded, "pr-pk-1").status == "publish"
    assert set(loaded.find_by_keys(["pr-pk-1"])) == {"pr-pk-1"}
