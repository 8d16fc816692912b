"""A hostile review of the publish gate and withdrawal, on the in-memory site.

Each test is one attempt by a hostile clerk, an office script using the Python API (``Bridge``,
``Ledger``) or a visitor of the public site to get around the promises of docs/security.md:
nothing unapproved is visible, a withdrawn file is gone, request text never runs, no ID number
is printed, one bad request does not stop the others. A passing test is a defence that holds;
a test marked ``xfail(strict=True, reason="BREAK: ...")`` documents a hole still open (remove
the mark when it is fixed).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.daemon import needs_attention
from cms_bridge.errors import GateRefusedError, LedgerError
from cms_bridge.intake.idguard import SCANNER_VERSION
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.ledger.keeper import FileKeeper
from cms_bridge.publishing.gate import PublishGate
from cms_bridge.samples import png, request_toml, text_pdf
from cms_bridge.tomlfile import read_toml
from cms_bridge.wordpress.fake import FakeCms, StoredPost
from cms_bridge.wordpress.models import PostInput

from .conftest import Clock
from .test_fake_sync import BKK, NOW, bridge, inbox, kinds, make_config, post_of, run, site, site_clock, write_request

__all__ = ["bridge", "inbox", "site", "site_clock"]  # fixtures used by name below

ID = "1101700203450"  # made up; its checksum holds
#: Another made-up valid number that masks the same way as ID (1-1017-xxxxx-xx-0).
ID_SAME_MASK = "1101700000010"
ACK = '\n[id_number_acknowledgement]\nby = "นายสมมุติ ใจกว้าง"\nreason = "ต้องแสดงตามระเบียบ"\n'
BY = "นางสมมุติ ตรวจดี"


@pytest.fixture(autouse=True)
def _pictures_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    # These attacks are on the hand check of files the scan cannot read; pictures are such files
    # where OCR is not installed (tests/unit/test_ocr.py covers pictures OCR reads).
    from cms_bridge.intake import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)


def _public(site: FakeCms, urls: list[str]) -> list[str]:
    """The URLs of *urls* a visitor can still download."""
    return [url for url in urls if site.public_file(url) is not None]


def _stored(site: FakeCms, key: str) -> StoredPost:
    """The post as the site's database holds it (title, content, excerpt)."""
    return site.posts[post_of(site, key).id]


def _all_text(bridge: Bridge, *reports: object) -> str:
    """Everything the bridge would print or keep about a pass: reports, status rows, events."""
    parts = [r.model_dump_json() for r in reports]  # type: ignore[attr-defined]
    parts += [row.model_dump_json() for row in bridge.status(NOW)]
    parts += [json.dumps([e.model_dump(mode="json") for e in bridge.ledger.events()], ensure_ascii=False)]
    return "\n".join(parts)


# -- unapproved or amended versions becoming visible ---------------------------------------------


def test_an_amended_title_and_file_stay_off_until_approved(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    path = write_request(inbox, "amd", title="ประกาศฉบับอนุมัติ")
    run(bridge, NOW, site)
    old_urls = [m.url for m in site.media.values()]
    text = path.read_text(encoding="utf-8").replace("ประกาศฉบับอนุมัติ", "ประกาศฉบับแก้ไข")
    path.write_text(text, encoding="utf-8")
    (path.parent / "doc.pdf").write_bytes(text_pdf(["replaced after approval"]))
    run(bridge, NOW + timedelta(hours=1), site)
    post = _stored(site, "pr-amd")
    assert "ฉบับอนุมัติ" in post.title and "ฉบับแก้ไข" not in post.title + post.excerpt + post.content
    assert [m.url for m in site.media.values()] == old_urls  # the new file was not uploaded
    assert bridge.status(NOW)[0].decision == "amended, awaiting approval"


def test_a_hand_check_with_a_dot_slash_names_the_same_file(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    # "./photo.png" is the same file as "photo.png": the check is of that file, nothing else.
    folder = inbox / "dot"
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(text_pdf(["Document"]))
    (folder / "photo.png").write_bytes(png(40, 30))
    (folder / "other.png").write_bytes(png(40, 30, grey=100))
    (folder / "request.toml").write_text(
        request_toml("dot", images=("photo.png", "other.png"), checked_by_hand=("./photo.png",)), encoding="utf-8")
    problems = run(bridge, NOW, site) and bridge.intake().problems
    assert [p.message for p in problems if "other.png" in p.message and "checked_by_hand" in p.message]
    assert [p.severity for p in problems if "photo.png" in p.message] == ["warning"]  # checked, and said so
    assert site.find_by_keys(["pr-dot"]) == {} and not site.media


def test_a_hand_check_in_another_case_does_not_lift_the_block(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    folder = inbox / "cas"
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(text_pdf(["Document"]))
    (folder / "photo.png").write_bytes(png(40, 30))
    (folder / "request.toml").write_text(
        request_toml("cas", images=("photo.png",), checked_by_hand=("Photo.png",)), encoding="utf-8")
    report = run(bridge, NOW, site)
    assert any("checked_by_hand names Photo.png" in p.message for p in bridge.intake().problems)
    assert site.find_by_keys(["pr-cas"]) == {} and not site.media and not report.actions


def test_a_hand_check_does_not_lift_an_id_number_found_in_the_same_file(bridge: Bridge, inbox: Path,
                                                                       site: FakeCms) -> None:
    write_request(inbox, "hid", pdf_text=f"student {ID}")
    path = inbox / "hid" / "request.toml"
    path.write_text(request_toml("hid", checked_by_hand=("doc.pdf",)), encoding="utf-8")
    run(bridge, NOW, site)
    assert site.find_by_keys(["pr-hid"]) == {} and not site.media


def test_a_hand_check_of_one_picture_does_not_cover_another(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    # ID numbers in the names are acknowledged (a roll of names is meant to be published), but
    # nobody looked at the second picture: it is a different file and must stay blocked.
    folder = inbox / "two"
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(text_pdf(["Document"]))
    first, second = f"card-{ID}.png", f"card-{ID_SAME_MASK}.png"
    (folder / first).write_bytes(png(40, 30))
    (folder / second).write_bytes(png(40, 30, grey=90))
    text = request_toml("two", images=(first, second), checked_by_hand=(first,)) + ACK
    (folder / "request.toml").write_text(text, encoding="utf-8")
    problems = bridge.intake().problems
    # Held back at intake, naming the picture nobody looked at (its name masked).
    errors = [p for p in problems if p.severity == "error"]
    assert [p.field for p in errors] == ["checked_by_hand"] and "card-1-1017-xxxxx-xx-0.png" in errors[0].message
    assert [a.kind for a in bridge.sync(NOW).actions] in ([], ["blocked"])
    assert site.find_by_keys(["pr-two"]) == {}


def test_a_forged_scan_row_cannot_publish_a_file_with_an_id_number(bridge: Bridge, inbox: Path,
                                                                   site: FakeCms) -> None:
    write_request(inbox, "scn", pdf_text=f"student {ID}")
    run(bridge, NOW, site)
    assert site.find_by_keys(["pr-scn"]) == {}  # blocked at intake: the defence before the script
    # The script keeps the file itself, records the request with the file's bytes and writes a
    # clean scan for those bytes into the ledger.
    keeper = FileKeeper(bridge.ledger)
    info = keeper.take_in(inbox / "scn" / "doc.pdf", allowed_types={"pdf"}, max_bytes=10_000_000)
    with bridge.ledger.transaction():
        bridge.ledger.connection.execute(
            "UPDATE file_scans SET findings = '[]' WHERE sha256 = ? AND scanner_version = ?",
            (info.sha256, str(SCANNER_VERSION)))
    request = PublicationRequest.model_validate(read_toml(inbox / "scn" / "request.toml"),
                                                context={"mappings": bridge.mappings})
    bridge.ledger.record_request(request, source="script", actor="script", files={"doc.pdf": info.sha256})
    bridge.sync(NOW)
    assert site.find_by_keys(["pr-scn"]) == {}
    assert not any(ID.encode() in m.data for m in site.media.values())


def test_a_crash_writing_the_approved_amendment_never_shows_it_half(bridge: Bridge, inbox: Path,
                                                                    site: FakeCms) -> None:
    # A ``future`` post an older version left: taken down to a draft, its files deleted, on the first pass.
    path = write_request(inbox, "crs", window='kind = "range"\nstart = "2026-11-01"\nend = "2026-11-30"')
    run(bridge, datetime(2026, 11, 2, tzinfo=BKK), site)
    site.clock.now = NOW  # type: ignore[attr-defined]
    site.set_status(post_of(site, "pr-crs").id, "future", date=datetime(2026, 11, 1, tzinfo=BKK))
    assert kinds(bridge.sync(NOW)) == [("crs", "withdraw"), ("crs", "wait")]
    assert post_of(site, "pr-crs").status == "draft" and site.media == {}
    (path.parent / "doc.pdf").write_bytes(text_pdf(["the amended file"]))
    bridge.intake()
    bridge.record_decision("crs", status="approved", by=BY, at=NOW + timedelta(hours=1))
    site.fail("write")
    later = NOW + timedelta(days=40)  # inside the window: the post should be published now
    site.clock.now = later  # type: ignore[attr-defined]
    report = bridge.sync(later)
    assert {a.kind: bool(a.error) for a in report.actions} == {"update": True, "publish": True}
    assert post_of(site, "pr-crs").status == "draft"  # the older version was never made visible
    report = bridge.sync(later)
    assert not report.failed and post_of(site, "pr-crs").status == "publish"
    assert [m.data for m in site.media.values()] == [text_pdf(["the amended file"])]


# -- withdrawn files still downloadable -------------------------------------------------------


def test_a_failed_delete_at_rejection_is_retried_until_the_file_is_gone(bridge: Bridge, inbox: Path,
                                                                       site: FakeCms) -> None:
    write_request(inbox, "del")
    run(bridge, NOW, site)
    urls = [m.url for m in site.media.values()]
    bridge.record_decision("del", status="rejected", by=BY, at=NOW)
    site.fail("delete_media")
    report = bridge.sync(NOW)
    assert [(a.kind, bool(a.error)) for a in report.actions] == [("withdraw", True)]
    assert post_of(site, "pr-del").status == "draft"  # off public view already
    assert _public(site, urls) == urls
    assert kinds(bridge.sync(NOW)) == [("del", "remove_files")]
    assert _public(site, urls) == [] and kinds(bridge.sync(NOW)) == []


def test_reapproval_then_rejection_again_takes_the_reuploaded_file_down(bridge: Bridge, inbox: Path,
                                                                        site: FakeCms) -> None:
    write_request(inbox, "rer")
    run(bridge, NOW, site)
    seen: list[str] = []
    for step in range(2):
        seen += [m.url for m in site.media.values()]
        # Decided before the pass's time, so the re-approval's post is due at once.
        bridge.record_decision("rer", status="rejected", by=BY, at=NOW - timedelta(minutes=9 - 2 * step))
        bridge.sync(NOW)
        assert _public(site, seen) == [] and post_of(site, "pr-rer").status == "draft"
        bridge.record_decision("rer", status="approved", by=BY, at=NOW - timedelta(minutes=8 - 2 * step))
        bridge.sync(NOW)
        assert post_of(site, "pr-rer").status == "publish" and len(site.media) == 1
    bridge.record_decision("rer", status="rejected", by=BY, at=NOW - timedelta(minutes=1))
    bridge.sync(NOW)
    assert _public(site, seen + [m.url for m in site.media.values()]) == [] and not site.media


def test_a_file_shared_by_two_requests_stays_for_the_one_still_approved(bridge: Bridge, inbox: Path,
                                                                        site: FakeCms) -> None:
    write_request(inbox, "sha")
    write_request(inbox, "shb")
    (inbox / "shb" / "doc.pdf").write_bytes((inbox / "sha" / "doc.pdf").read_bytes())
    run(bridge, NOW, site)
    a, b = (next(iter(bridge.ledger.media_for(r).values())).url for r in ("sha", "shb"))
    bridge.record_decision("sha", status="rejected", by=BY, at=NOW)
    bridge.sync(NOW)
    assert _public(site, [a, b]) == [b]


def test_the_same_bytes_under_two_names_leave_no_file_behind_after_rejection(bridge: Bridge, inbox: Path,
                                                                              site: FakeCms) -> None:
    write_request(inbox, "dup", attachments=("doc.pdf", "copy.pdf"))
    (inbox / "dup" / "copy.pdf").write_bytes((inbox / "dup" / "doc.pdf").read_bytes())
    run(bridge, NOW, site)
    urls = [m.url for m in site.media.values()]
    bridge.record_decision("dup", status="rejected", by=BY, at=NOW)
    bridge.sync(NOW)
    assert post_of(site, "pr-dup").status == "draft"
    assert _public(site, urls) == []


def test_a_superseded_file_goes_only_once_its_replacement_is_approved(bridge: Bridge, inbox: Path,
                                                                      site: FakeCms) -> None:
    path = write_request(inbox, "sup")
    run(bridge, NOW, site)
    [old] = [m.url for m in site.media.values()]
    (path.parent / "doc.pdf").write_bytes(text_pdf(["version two"]))
    run(bridge, NOW, site)
    assert _public(site, [old]) == [old] and len(site.media) == 1  # still the approved version's
    bridge.record_decision("sup", status="approved", by=BY, at=NOW + timedelta(hours=1))
    bridge.sync(NOW + timedelta(hours=1))
    assert _public(site, [old]) == [] and [m.data for m in site.media.values()] == [text_pdf(["version two"])]


# -- request text running as markup --------------------------------------------------------------


def _gate(bridge: Bridge) -> PublishGate:
    return PublishGate(FileKeeper(bridge.ledger))


URL = "https://fake.example/wp-content/uploads/2026/10/doc.pdf"
FOREIGN = [
    "<script>alert(1)</script>",
    '<p onclick="alert(1)">x</p>',
    '<p/onclick="alert(1)">x</p>',
    '<a href="javascript:alert(1)">x</a>',
    f'<a href="{URL}" onmouseover="alert(1)">x</a>',
    '<img src="https://evil.example/x.png" alt="">',
    "<!-- wp:html --><script>alert(1)</script><!-- /wp:html -->",
    "<!-- wp:paragraph --!><script>alert(1)</script><!-- -->",
    "<!--><script>alert(1)</script>-->",
    # A browser ends "<!-->" and "<!--->" at once (the rest is markup); this parser reads on.
    '<!--> wp:file {"id":1,"x":"<img src=x onerror=alert(1)>"} -->',
    '<!---> wp:paragraph <img src=x onerror=alert(1)> -->',
    "<!-- wp:paragraph -- ><img src=x onerror=alert(1)> -->",
    '<!-- wp:file {"id":1,"href":"' + URL + '","displayPreview":true,"href":"https://evil.example/x"} -->',
    '<!-- wp:image {"id":true} -->',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<!-- wp:file {"id":1,"href":"https://evil.example/x.pdf","displayPreview":true} -->',
    '<!-- wp:file {"id":1,"href":"' + URL + '","displayPreview":true,"className":"x"} -->',
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?php echo 1; ?>",
    "[embed]https://evil.example/[/embed]",
    f'<a href="{URL}" class="x[audio src=y]">x</a>',
    f'<object class="wp-block-file__embed" data="{URL}" type="text/html"></object>',
    "<svg><script>alert(1)</script></svg>",
    "<style>body{display:none}</style>",
    "<iframe src=\"https://evil.example\"></iframe>",
]


@pytest.mark.parametrize("markup", FOREIGN)
def test_foreign_markup_in_the_body_is_refused(bridge: Bridge, markup: str) -> None:
    post = PostInput(key="pr-x", title="t", content=f"<!-- wp:paragraph -->\n<p>ok</p>\n<!-- /wp:paragraph -->"
                                                     f"\n\n{markup}", excerpt="e", status="publish")
    with pytest.raises(GateRefusedError):
        _gate(bridge).inert("x", post, urls={URL})


def test_a_tag_the_checker_reads_as_text_is_refused(bridge: Bridge) -> None:
    # The HTML tokenizer turns the NUL into U+FFFD inside the tag name: an unknown element that
    # keeps onfocus (fired by autofocus). Python's parser sees the text "<p" and "\x00 ...>".
    post = PostInput(key="pr-x", title="t", excerpt="e", status="publish",
                     content='<p\x00 autofocus tabindex="1" onfocus="alert(1)">x</p>')
    with pytest.raises(GateRefusedError):
        _gate(bridge).inert("x", post, urls={URL})


@pytest.mark.parametrize("place", ["title", "excerpt", "media"])
@pytest.mark.parametrize("text", ["<b>x</b>", "[embed]", "a]b"])
def test_raw_markup_in_plain_text_places_is_refused(bridge: Bridge, place: str, text: str) -> None:
    post = PostInput(key="pr-x", title=text if place == "title" else "t",
                     excerpt=text if place == "excerpt" else "e", content="", status="publish")
    with pytest.raises(GateRefusedError):
        _gate(bridge).inert("x", post, [text if place == "media" else None])


HOSTILE = ("<script>alert(1)</script> <img src=x onerror=alert(1)> [embed]https://evil.example[/embed] "
           "--!> <!-- x --> &amp; &lt;b&gt; \" ' {\"a\":1}")


def test_hostile_text_in_every_field_is_written_inert_and_passes_the_gate(bridge: Bridge, inbox: Path,
                                                                          site: FakeCms) -> None:
    # Thai text, quotes, ampersands and markup in the title, purpose, body, source, a file's
    # title and its name: the bridge's own output is published (no false refusal) and inert.
    folder = inbox / "hos"
    folder.mkdir()
    name = "ประกาศ \"ผล\" & คะแนน 100%.pdf"
    (folder / name).write_bytes(text_pdf(["Document"]))
    text = request_toml("hos", attachments=(name,))
    text = text.replace('title = "ประกาศ hos"', f"title = '''ประกาศผลสอบ {HOSTILE}'''")
    text = text.replace('purpose = "ทดสอบการเผยแพร่"',
                        f"purpose = '''เพื่อทราบ {HOSTILE}'''\nbody = '''ย่อหน้า ๑ {HOSTILE}\n\nย่อหน้า ๒'''\n"
                        f"source = '''https://example.go.th/a%20b?x=1&y=[2] {HOSTILE}'''")
    text = text.replace(f'path = "{name}"', f"path = '''{name}'''\ntitle = '''ไฟล์ {HOSTILE}'''")
    (folder / "request.toml").write_text(text, encoding="utf-8")
    report = run(bridge, NOW, site)
    assert not report.failed and kinds(report) == [("hos", "create")]
    post = _stored(site, "pr-hos")
    [media] = site.media.values()
    for markup in (post.title, post.excerpt, media.title):
        assert not any(c in markup for c in "<>[]"), markup
    for live in ("<script", "<img src=x", "[embed]", "--!>", "<!-- x"):
        assert live not in post.content
    assert "ผลสอบ" in post.title and "ย่อหน้า ๒" in post.content


def test_a_site_on_a_thai_domain_can_publish_a_pdf(config: Config, tmp_path: Path, inbox: Path,
                                                   site_clock: Clock) -> None:
    # โรงเรียนตัวอย่าง.ไทย as WordPress stores it: punycode, "--" in every media URL.
    thai_site = FakeCms(clock=site_clock, base_url="https://xn--12cl1ck0bl6hdu9iyb9bp.xn--o3cw4h")
    write_request(inbox, "idn")
    with Bridge(make_config(config, tmp_path, inbox), cms=thai_site, clock=lambda: NOW) as b:
        report = run(b, NOW)
    assert not report.failed
    assert post_of(thai_site, "pr-idn").status == "publish"


# -- ID numbers in output ---------------------------------------------------------------------------


def test_an_id_number_in_a_request_id_or_folder_is_masked_in_a_daemon_pass(bridge: Bridge, inbox: Path,
                                                                           site: FakeCms) -> None:
    write_request(inbox, f"st-{ID}")
    folder = inbox / f"folder {ID}"
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(text_pdf(["Document"]))
    (folder / "request.toml").write_text(request_toml("fld", attachments=(f"scan {ID}.pdf",)), encoding="utf-8")
    report = bridge.daemon_pass(NOW)
    assert report.intake_problems
    assert ID not in _all_text(bridge, report)
    assert not site.media and not site.posts


def test_an_id_number_in_a_request_recorded_by_a_script_is_masked_in_every_output(bridge: Bridge, inbox: Path,
                                                                                  site: FakeCms) -> None:
    folder = inbox.parent / "script"
    folder.mkdir()
    text = request_toml(f"st-{ID}", attachments=(f"scan-{ID}.pdf",))
    (folder / "request.toml").write_text(text, encoding="utf-8")
    request = PublicationRequest.model_validate(read_toml(folder / "request.toml"),
                                                context={"mappings": bridge.mappings})
    # The ledger refuses it, as intake would, with the number masked in the refusal.
    with pytest.raises(LedgerError, match="not recorded unless a person acknowledges it") as refused:
        bridge.ledger.record_request(request, source=str(folder / "request.toml"), actor="script")
    assert ID not in str(refused.value) and "1-1017-xxxxx-xx-0" in str(refused.value)
    report = bridge.sync(NOW)
    assert report.actions == [] and bridge.ledger.list_request_ids() == []
    assert ID not in _all_text(bridge, report) + json.dumps(needs_attention(report), ensure_ascii=False)


# -- one bad request stopping the others -------------------------------------------------------------


def test_a_poisoned_request_does_not_stop_the_others(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "gd1")
    write_request(inbox, "bad")
    run(bridge, NOW, site)
    # The store loses one request's file, and a script records a request with no kept file.
    sha = next(iter(bridge.ledger.media_for("bad")))
    bridge.ledger.files.path_of(sha).unlink()
    bridge.ledger.forget_media("bad", sha, actor="script")
    folder = inbox.parent / "script"
    folder.mkdir()
    (folder / "request.toml").write_text(request_toml("scr"), encoding="utf-8")
    request = PublicationRequest.model_validate(read_toml(folder / "request.toml"),
                                                context={"mappings": bridge.mappings})
    bridge.ledger.record_request(request, source="script", actor="script", files={"doc.pdf": "0" * 64})
    write_request(inbox, "gd2")
    bridge.record_decision("gd1", status="rejected", by=BY, at=NOW)
    report = bridge.daemon_pass(NOW)
    by_id = {a.request_id: a.kind for a in report.actions}
    assert by_id["gd2"] == "create" and by_id["gd1"] == "withdraw"
    assert by_id["scr"] == "blocked"
    assert post_of(site, "pr-gd2").status == "publish" and post_of(site, "pr-gd1").status == "draft"
    assert {row.request_id for row in bridge.status(NOW)} >= {"gd1", "gd2", "bad", "scr"}
    assert bridge.plan(NOW).actions is not None


# -- withdrawal under the archive policy and revocation ------------------------------------------

EXPIRED = datetime(2027, 10, 5, tzinfo=BKK)  # after fiscal year 2570 (ends 30 Sep 2027)


def test_an_archived_item_rejected_later_leaves_public_view_with_its_files(bridge: Bridge, inbox: Path,
                                                                           site: FakeCms) -> None:
    write_request(inbox, "arj", window='kind = "fiscal_year"\nfiscal_year = 2570', kind="procurement")
    run(bridge, NOW, site)
    urls = [m.url for m in site.media.values()]
    assert kinds(run(bridge, EXPIRED, site)) == [("arj", "withdraw")]
    assert post_of(site, "pr-arj").status == "publish" and _public(site, urls) == urls  # archived, by policy
    bridge.record_decision("arj", status="rejected", by=BY, at=EXPIRED)
    assert kinds(bridge.sync(EXPIRED)) == [("arj", "withdraw")]
    assert post_of(site, "pr-arj").status == "draft" and _public(site, urls) == []


def test_a_revoked_approval_takes_the_post_and_its_files_down(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "rev", images=("photo.png",))
    run(bridge, NOW, site)
    urls = [m.url for m in site.media.values()]
    assert len(urls) == 2
    bridge.record_decision("rev", status="pending", by=BY)
    bridge.sync(NOW)
    assert post_of(site, "pr-rev").status == "draft" and _public(site, urls) == []


def test_an_amendment_approved_after_archival_takes_the_superseded_file_down(bridge: Bridge, inbox: Path,
                                                                            site: FakeCms) -> None:
    path = write_request(inbox, "ara", window='kind = "fiscal_year"\nfiscal_year = 2570', kind="procurement")
    run(bridge, NOW, site)
    [old] = [m.url for m in site.media.values()]
    run(bridge, EXPIRED, site)
    # The office finds a mistake in the archived file and the committee approves a corrected one.
    (path.parent / "doc.pdf").write_bytes(text_pdf(["corrected"]))
    bridge.intake()
    bridge.record_decision("ara", status="approved", by=BY, at=EXPIRED)
    bridge.sync(EXPIRED)
    assert post_of(site, "pr-ara").status == "publish"  # still archived, by policy
    assert _public(site, [old]) == []


# -- ID numbers written with other separators ---------------------------------------------------------

_FOUND = ["/", "_", "\u2014", "\u2013", "\u3000", "\uff0d", "\u2011", "\u200b", "\u00ad", "\u2009", "\u202f"]
# Once missed, now found: the minus sign, middle dot, bullet, comma and bar.
_MISSED = {"\u2212": "minus sign", "\u00b7": "middle dot", "\u2022": "bullet", ",": "comma", "|": "bar"}


@pytest.mark.parametrize("sep", [*_FOUND, *_MISSED])
def test_an_id_number_written_with_other_separators_is_held_back(bridge: Bridge, inbox: Path, site: FakeCms,
                                                                 sep: str) -> None:
    number = sep.join(("1", "1017", "00203", "45", "0"))
    write_request(inbox, "sep", title=f"ประกาศรายชื่อ เลขประจำตัว {number}")
    report = run(bridge, NOW, site)
    assert site.find_by_keys(["pr-sep"]) == {} and not report.actions


# -- crashes and later findings ------------------------------------------------------------------------


def test_an_upload_the_ledger_missed_is_taken_down_at_rejection(bridge: Bridge, inbox: Path, site: FakeCms,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write_request(inbox, "lost")
    bridge.intake()

    def disk_full(*args: object, **kwargs: object) -> None:
        raise LedgerError("cannot write the ledger: No space left on device")

    monkeypatch.setattr(bridge.ledger, "save_media", disk_full)
    report = bridge.sync(NOW)
    # Uploaded, then not recorded: the upload is taken back at once, so none is left unknown.
    assert report.failed and site.requests["upload_media"] == 1 and len(site.media) == 0
    monkeypatch.undo()
    bridge.record_decision("lost", status="rejected", by=BY, at=NOW)
    bridge.sync(NOW)
    assert _public(site, [m.url for m in site.media.values()]) == []


def test_a_live_file_later_found_to_carry_an_id_number_is_taken_down(bridge: Bridge, inbox: Path,
                                                                     site: FakeCms) -> None:
    write_request(inbox, "late")
    run(bridge, NOW, site)
    [url] = [m.url for m in site.media.values()]
    # What the next scanner version finds in the same bytes (e.g. a part it learned to read).
    [sha] = bridge.ledger.media_for("late")
    found = [{"kind": "id_number", "page": 1, "part": "annotation", "masked": "1-1017-xxxxx-xx-0"}]
    with bridge.ledger.transaction():
        bridge.ledger.connection.execute("UPDATE file_scans SET findings = ? WHERE sha256 = ?",
                                         (json.dumps(found), sha))
    report = bridge.sync(NOW)
    assert [a.kind for a in report.actions] == ["blocked", "withdraw"]
    assert post_of(site, "pr-late").status == "draft" and _public(site, [url]) == []
    # Reported on every pass until the version changes; nothing more to take down.
    assert [a.kind for a in bridge.sync(NOW).actions] == ["blocked"]


# -- one bad request stopping the others, continued ---------------------------------------------------


def test_a_group_removed_from_the_mappings_stops_only_its_own_requests(config: Config, tmp_path: Path,
                                                                        inbox: Path, site: FakeCms) -> None:
    settings = make_config(config, tmp_path, inbox)
    with Bridge(settings, cms=site, clock=lambda: NOW) as first:
        write_request(inbox, "gone", group="finance")
        write_request(inbox, "kept", group="ict")
        run(first, NOW, site)
        groups = {key: g for key, g in first.mappings.groups.items() if key != "finance"}
        fewer = first.mappings.model_copy(update={"groups": groups})
    (inbox / "gone" / "request.toml").unlink()  # the group's folder is gone from the inbox too
    write_request(inbox, "new", group="ict")
    with Bridge(settings, cms=site, mappings=fewer, clock=lambda: NOW) as bridge:
        bridge.record_decision("kept", status="rejected", by=BY, at=NOW)
        report = bridge.daemon_pass(NOW)
        by_id = {a.request_id: a.kind for a in report.actions}
        assert by_id.get("new") == "create" and by_id.get("kept") == "withdraw"
        assert {row.request_id for row in bridge.status(NOW)} == {"gone", "kept", "new"}
        assert post_of(site, "pr-gone").status == "publish"  # what was approved stays as it is


def test_a_published_requests_folder_removed_from_the_inbox_changes_nothing(bridge: Bridge, inbox: Path,
                                                                            site: FakeCms) -> None:
    write_request(inbox, "rmv")
    run(bridge, NOW, site)
    for item in (inbox / "rmv").iterdir():
        item.unlink()
    (inbox / "rmv").rmdir()
    write_request(inbox, "nxt")
    report = bridge.daemon_pass(NOW)
    assert kinds(report) == [("nxt", "create")] and not report.failed
    assert post_of(site, "pr-rmv").status == "publish" and all(site.public_file(m.url) for m in site.media.values())


def test_a_file_planted_on_the_site_under_the_expected_slug_is_not_published(bridge: Bridge, inbox: Path,
                                                                            site: FakeCms, tmp_path: Path) -> None:
    write_request(inbox, "plt")
    approved = (inbox / "plt" / "doc.pdf").read_bytes()
    bridge.intake()
    # A site author (upload rights only) plants another file where the bridge will look after a crash.
    sha = next(iter(bridge.ledger.files_of("plt", bridge.ledger.site_version("plt").version_hash).values()))
    planted = tmp_path / "planted.pdf"
    planted.write_bytes(text_pdf([f"not approved {ID}"]))
    site.upload_media(planted, filename="doc.pdf", slug=f"pr-plt-{sha[:12]}", mime_type="application/pdf")
    bridge.sync(NOW)
    linked = [m for m in site.media.values() if m.url in site.posts[post_of(site, "pr-plt").id].content]
    assert [m.data for m in linked] == [approved]


def test_an_attachment_linked_to_a_file_outside_its_folder_is_refused(bridge: Bridge, inbox: Path, site: FakeCms,
                                                                      tmp_path: Path) -> None:
    # A symbolic link to a file elsewhere (another office's folder, the ledger's store).
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes(text_pdf([f"private {ID}"]))
    write_request(inbox, "lnk")
    (inbox / "lnk" / "doc.pdf").unlink()
    (inbox / "lnk" / "doc.pdf").symlink_to(outside)
    report = bridge.intake()
    assert [p for p in report.problems if "outside the request folder" in p.message]
    assert ID not in " ".join(p.message for p in report.problems)
    bridge.sync(NOW)
    assert not site.media and not site.posts
