"""A hostile review of the publish gate and withdrawal, against the real WordPress.

What a visitor gets, with plain ``requests`` and no credentials, after a hostile clerk's
request went through the bridge. A passing test is a defence that holds; a test marked
``xfail(strict=True, reason="BREAK: ...")`` documents a hole still open (tests/unit/
test_hostile_gate.py has the in-memory attempts).
"""

from __future__ import annotations

import io
import struct
from datetime import datetime, timezone
from pathlib import Path

import requests
from PIL import Image
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.errors import GateRefusedError
from cms_bridge.ledger.keeper import FileKeeper
from cms_bridge.ledger.store import Ledger
from cms_bridge.publishing.gate import PublishGate
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.wordpress.models import PostInput

from .test_browser import browser
from .test_harvest import sql
from .test_sync import APPROVED_AT, BKK, bridge, days_from_today, inbox, kinds, run

__all__ = ["bridge", "browser", "inbox"]  # fixtures used by name below

ID = "1101700203450"  # made up; its checksum holds
HOSTILE = '<img src=x onerror="alert(1)">'
BY = "นางสมมุติ ตรวจดี"
NOW = APPROVED_AT.replace(month=10)


def _jpeg_with_iptc(headline: str, caption: str) -> bytes:
    """A JPEG carrying an IPTC headline and caption (what a camera or a photo editor writes),
    invisible in the picture itself."""
    picture = io.BytesIO()
    Image.new("RGB", (400, 300), (120, 160, 200)).save(picture, "JPEG")
    data = picture.getvalue()

    def dataset(number: int, value: str) -> bytes:
        raw = value.encode("utf-8")
        return b"\x1c\x02" + bytes([number]) + struct.pack(">H", len(raw)) + raw

    iptc = dataset(0, "\x00\x04") + dataset(105, headline) + dataset(120, caption)
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc + (b"\x00" if len(iptc) % 2 else b"")
    body = b"Photoshop 3.0\x00" + resource
    segment = b"\xff\xed" + struct.pack(">H", len(body) + 2) + body
    return data[:2] + segment + data[2:]


def _picture_request(inbox: Path, rid: str, picture: bytes, name: str = "photo.jpg") -> None:
    folder = inbox / rid
    folder.mkdir(parents=True)
    (folder / "doc.pdf").write_bytes(text_pdf(["Document"]))
    (folder / name).write_bytes(picture)
    # A person looked at the picture (as the gate asks for what the scan cannot read).
    (folder / "request.toml").write_text(request_toml(rid, group="finance", images=(name,)), encoding="utf-8")


def _visitor_media(bridge: Bridge, media_id: int) -> requests.Response:
    site = bridge.config.require_site()
    return requests.get(f"{site.url.rstrip('/')}/?rest_route=/wp/v2/media/{media_id}", timeout=30)


def test_a_pictures_hidden_metadata_does_not_reach_the_site(bridge: Bridge, inbox: Path) -> None:
    # An ID number in the metadata is found by the scan (the picture's own text is read too):
    # the request is held back, its number masked.
    _picture_request(inbox, "iptc-0", _jpeg_with_iptc("หัวเรื่อง", f"นักเรียน {ID}"))
    report = bridge.intake()
    assert kinds(bridge.sync(NOW)) == []
    assert any("metadata" in p.message and "1-1017-xxxxx-xx-0" in p.message for p in report.problems)
    # Markup alone passes the scan, but the media library shows the bridge's own title and
    # caption, never what the picture carries.
    _picture_request(inbox, "iptc-1", _jpeg_with_iptc(f"{HOSTILE} หัวเรื่อง", f"นักเรียน {HOSTILE}"))
    assert kinds(run(bridge, NOW)) == [("iptc-1", "create")]
    shown = []
    for record in bridge.ledger.media_for("iptc-1").values():
        answer = _visitor_media(bridge, record.media_id)
        assert answer.status_code == 200  # a visitor reads the media library's entry
        media = answer.json()
        shown += [media["title"]["rendered"], media["caption"]["rendered"], media["alt_text"]]
    assert not [text for text in shown if ID in text], "an ID number from the picture's metadata is public"
    # This site's filters drop onerror=, but the foreign <img> tag (any address) stays live.
    assert not [text for text in shown if "<img" in text], "markup from the picture's metadata is live"


def test_an_images_sub_sizes_are_gone_after_rejection(bridge: Bridge, inbox: Path) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 60)).save(picture, "PNG")
    _picture_request(inbox, "subs-1", picture.getvalue(), "photo.png")
    assert kinds(run(bridge, NOW)) == [("subs-1", "create")]
    [record] = [r for r in bridge.ledger.media_for("subs-1").values() if r.filename == "photo.png"]
    details = _visitor_media(bridge, record.media_id).json()["media_details"]
    urls = [record.url, *(size["source_url"] for size in details["sizes"].values())]
    assert len(urls) >= 3  # WordPress made its thumbnail and medium sizes
    assert all(requests.get(url, timeout=30).status_code == 200 for url in urls)
    bridge.record_decision("subs-1", status="rejected", by=BY, at=NOW)
    assert kinds(bridge.sync(NOW)) == [("subs-1", "withdraw")]
    assert {url: requests.get(url, timeout=30).status_code for url in urls} == dict.fromkeys(urls, 404)


def test_the_same_bytes_under_two_names_are_gone_after_rejection(bridge: Bridge, inbox: Path,
                                                                 clean_site: Config) -> None:
    folder = inbox / "twin-1"
    folder.mkdir(parents=True)
    pdf = text_pdf(["Document"])
    (folder / "doc.pdf").write_bytes(pdf)
    (folder / "copy.pdf").write_bytes(pdf)
    (folder / "request.toml").write_text(request_toml("twin-1", group="finance", attachments=("doc.pdf", "copy.pdf")),
                                         encoding="utf-8")
    assert kinds(run(bridge, NOW)) == [("twin-1", "create")]
    site = clean_site.require_site()
    listed = requests.get(f"{site.url.rstrip('/')}/?rest_route=/wp/v2/media", timeout=30).json()
    urls = [m["source_url"] for m in listed]
    assert urls and all(requests.get(url, timeout=30).status_code == 200 for url in urls)
    bridge.record_decision("twin-1", status="rejected", by=BY, at=NOW)
    bridge.sync(NOW)
    assert {url: requests.get(url, timeout=30).status_code for url in urls} == dict.fromkeys(urls, 404)


def test_a_scheduled_posts_files_are_not_public_before_it_opens(bridge: Bridge, inbox: Path,
                                                               clean_site: Config) -> None:
    # WordPress serves an upload, and lists it in /wp/v2/media, whatever its post's status: so
    # before the window opens nothing is uploaded and no post made; the pass at the opening does.
    start, end = days_from_today(30), days_from_today(59)
    folder = inbox / "early-1"
    folder.mkdir(parents=True)
    (folder / "doc.pdf").write_bytes(text_pdf(["exam results, not before the start"]))
    (folder / "request.toml").write_text(request_toml(
        "early-1", group="finance", window=f'kind = "range"\nstart = "{start.date()}"\nend = "{end.date()}"'),
        encoding="utf-8")
    assert kinds(run(bridge, datetime.now(BKK))) == [("early-1", "wait")]
    site = clean_site.require_site()
    base = site.url.rstrip("/")
    # Where WordPress would put the file if it were uploaded now (this month's folder).
    address = f"{base}/wp-content/uploads/{datetime.now(timezone.utc):%Y/%m}/doc.pdf"
    assert requests.get(address, timeout=30).status_code == 404
    assert requests.get(f"{base}/?rest_route=/wp/v2/posts&slug=pr-early-1", timeout=30).json() == []
    assert requests.get(f"{base}/?rest_route=/wp/v2/media", timeout=30).json() == []
    assert sql("SELECT COUNT(*) FROM wp_posts WHERE post_name LIKE 'pr-early-1%' "
               "OR post_type = 'attachment'") == [["0"]]  # not even a draft or an unlisted file
    assert bridge.ledger.media_for("early-1") == {}
    # The pass at the opening: the post and its file answer a visitor.
    assert kinds(run(bridge, start)) == [("early-1", "create")]
    [record] = bridge.ledger.media_for("early-1").values()
    assert record.url == address and requests.get(address, timeout=30).status_code == 200
    [post] = requests.get(f"{base}/?rest_route=/wp/v2/posts&slug=pr-early-1", timeout=30).json()
    assert requests.get(post["link"], timeout=30).status_code == 200
    listed = requests.get(f"{base}/?rest_route=/wp/v2/media", timeout=30).json()
    assert [m["source_url"] for m in listed] == [address]


def test_a_visitor_cannot_comment_on_a_bridge_post(bridge: Bridge, inbox: Path, clean_site: Config) -> None:
    folder = inbox / "cmt-1"
    folder.mkdir(parents=True)
    (folder / "doc.pdf").write_bytes(text_pdf(["Document"]))
    (folder / "request.toml").write_text(request_toml("cmt-1", group="finance"), encoding="utf-8")
    assert kinds(run(bridge, NOW)) == [("cmt-1", "create")]
    site = clean_site.require_site()
    base = site.url.rstrip("/")
    [post] = requests.get(f"{base}/?rest_route=/wp/v2/posts&slug=pr-cmt-1", timeout=30).json()
    assert post["comment_status"] == "closed" and post["ping_status"] == "closed"
    answer = requests.post(f"{base}/wp-comments-post.php", timeout=30, allow_redirects=False, data={
        "comment_post_ID": post["id"], "author": "ผู้เยี่ยมชม", "email": "visitor@example.com",
        "comment": "<script>alert(1)</script> [embed]https://evil.example[/embed]"})
    assert answer.status_code >= 400
    comments = requests.get(f"{base}/?rest_route=/wp/v2/comments&post={post['id']}", timeout=30).json()
    assert comments == []


def test_hostile_file_names_and_titles_publish_and_stay_inert(bridge: Bridge, inbox: Path,
                                                              clean_site: Config) -> None:
    # Thai names with quotes, '&', '%', brackets and '--': the gate must not refuse the bridge's
    # own output for what WordPress makes of them, and nothing of them may run.
    folder = inbox / "names-1"
    folder.mkdir(parents=True)
    pdf, image = 'ผลสอบ "รอบ 1" & คะแนน 100% [ม.3] -- ฉบับจริง.pdf', "รูป กิจกรรม's <b>.png"
    (folder / pdf).write_bytes(text_pdf(["Document"]))
    picture = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(picture, "PNG")
    (folder / image).write_bytes(picture.getvalue())
    text = request_toml("names-1", group="finance", attachments=("a.pdf",), images=("b.png",))
    text = text.replace('path = "a.pdf"', f"path = '''{pdf}'''\ntitle = '''ไฟล์ {HOSTILE} [audio src=x]'''")
    text = text.replace('path = "b.png"', f"path = '''{image}'''\ntitle = '''ภาพ {HOSTILE} --!>'''", 1)
    text = text.replace('path = "b.png"', f"path = '''{image}'''")  # the hand check of the picture
    (folder / "request.toml").write_text(text, encoding="utf-8")
    report = run(bridge, NOW)
    assert kinds(report) == [("names-1", "create")] and not report.failed, report.failed
    base = clean_site.require_site().url.rstrip("/")
    [post] = requests.get(f"{base}/?rest_route=/wp/v2/posts&slug=pr-names-1", timeout=30).json()
    media = requests.get(f"{base}/?rest_route=/wp/v2/media", timeout=30).json()
    assert len(media) == 2 and all(requests.get(m["source_url"], timeout=30).status_code == 200 for m in media)
    for rendered in (post["content"]["rendered"], *(m["title"]["rendered"] for m in media)):
        for live in ("<img src=x", "<img src=\"x\"", "onerror=\"", "<audio", "<b>", "--!>"):
            assert live not in rendered, (live, rendered)


def test_what_the_body_check_passes_runs_nothing_in_a_browser(browser: WebDriver, tmp_path: Path) -> None:
    body = '<p\x00 autofocus tabindex="1" onfocus="document.title=\'RAN\'">x</p>'
    post = PostInput(key="pr-x", title="t", excerpt="e", status="publish", content=body)
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        try:
            PublishGate(FileKeeper(ledger)).inert("x", post)
        except GateRefusedError:
            return  # refused: the defence holds
    page = tmp_path / "page.html"
    page.write_bytes(b"<!doctype html><html><head><title>quiet</title></head><body>" + body.encode() + b"</body></html>")
    browser.get(page.as_uri())
    WebDriverWait(browser, 5).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert browser.title == "quiet"


def test_a_rejected_post_is_gone_everywhere_a_visitor_looks(bridge: Bridge, inbox: Path, clean_site: Config) -> None:
    folder = inbox / "gone-1"
    folder.mkdir(parents=True)
    (folder / "doc.pdf").write_bytes(text_pdf(["Document"]))
    (folder / "request.toml").write_text(request_toml("gone-1", group="finance", title="ประกาศลับเฉพาะ"),
                                         encoding="utf-8")
    assert kinds(run(bridge, NOW)) == [("gone-1", "create")]
    base = clean_site.require_site().url.rstrip("/")
    [post] = requests.get(f"{base}/?rest_route=/wp/v2/posts&slug=pr-gone-1", timeout=30).json()
    [record] = bridge.ledger.media_for("gone-1").values()
    places = {"permalink": f"{base}/?p={post['id']}", "slug": f"{base}/?name=pr-gone-1",
              "feed": f"{base}/?feed=rss2", "search": f"{base}/?s=ลับเฉพาะ",
              "rest search": f"{base}/?rest_route=/wp/v2/search&search=ลับเฉพาะ",
              "attachment page": f"{base}/?attachment_id={record.media_id}"}
    assert "ลับเฉพาะ" in requests.get(places["feed"], timeout=30).text  # visible while approved
    bridge.record_decision("gone-1", status="rejected", by=BY, at=NOW)
    assert kinds(bridge.sync(NOW)) == [("gone-1", "withdraw")]
    for place, url in places.items():
        answer = requests.get(url, timeout=30)
        # The whole title (a search page echoes the words searched for).
        assert "ประกาศลับเฉพาะ" not in answer.text and record.url not in answer.text.replace("\\/", "/"), place
    assert requests.get(f"{base}/?rest_route=/wp/v2/posts/{post['id']}", timeout=30).status_code in (401, 403, 404)
    assert requests.get(record.url, timeout=30).status_code == 404
