"""The office desk through Django's test client: the story, and each role held to its own steps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.errors import DecisionError
from cms_bridge.desk.forms import safe_name

from .desk_support import (
    ID_MASKED,
    ID_NUMBER,
    LOGIN_FAILURES,
    MAX_UPLOAD_MB,
    PASSWORD,
    clean_pdf,
    form_data,
    id_pdf,
    setup_desk,
)

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="alert(1)">[gallery]'


@pytest.fixture
def desk(tmp_path: Path) -> Config:
    config = setup_desk(tmp_path)
    from cms_bridge.desk.users import add_user

    people = [
        ("clerk1", "clerk", "ict", "นางสาวทดลอง ใจดี", "นักวิชาการคอมพิวเตอร์"),
        ("clerk2", "clerk", "finance", "นายสมมุติ รักงาน", "นักวิชาการเงินและบัญชี"),
        ("director1", "group_director", "ict", "นายตัวอย่าง มั่นคง", "ผู้อำนวยการกลุ่ม"),
        ("director2", "group_director", "finance", "นางตัวอย่าง ยั่งยืน", "ผู้อำนวยการกลุ่ม"),
        ("chair", "committee", None, "นายประธาน สมมุติ", "รองผู้อำนวยการ"),
        ("pr1", "pr", None, "นางสาวข่าวดี สมมุติ", "เจ้าหน้าที่ประชาสัมพันธ์"),
        ("admin1", "ict_admin", None, "นายดูแล ระบบ", "นักวิชาการคอมพิวเตอร์"),
    ]
    for username, role, group, name, position in people:
        add_user(config, username, role=role, group=group, full_name=name, position=position, password=PASSWORD)
    return config


def login(username: str, **kwargs: Any) -> Client:
    """A client signed in through the login form (so axes and the session rotation take part)."""
    client = Client(**kwargs)
    page = client.get("/login/")
    response = client.post("/login/", {"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": page.cookies["csrftoken"].value})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def file_request(client: Client, pdf: bytes | None = None, **overrides: Any) -> str:
    """File a valid request with one clean PDF; return its id."""
    client.get("/requests/new/")
    response = client.post("/requests/new/", {**form_data(**overrides),
                                              "attachments": upload("ตาราง.pdf", pdf or clean_pdf())})
    assert response.status_code == 302, response.content.decode()[:3000]
    return str(response["Location"]).rstrip("/").rsplit("/", 1)[-1]


def test_a_request_goes_from_the_clerk_through_the_director_and_committee_to_pr(desk: Config) -> None:
    clerk = login("clerk1")
    assert clerk.get("/requests/new/").status_code == 200
    found = clerk.post("/requests/new/", {**form_data(), "attachments": upload("รายชื่อ.pdf", id_pdf())})
    page = found.content.decode()
    assert found.status_code == 400
    # The finding is shown beside the attachments, with its page and masked value, never the number.
    attachments = page.split('id="field-attachments"', 1)[1].split("</div>", 1)[0]
    assert "รายชื่อ.pdf, page 2" in attachments and ID_MASKED in attachments
    assert ID_NUMBER not in page
    # Replace the file: remove the staged one, upload a clean one.
    filed = clerk.post("/requests/new/", {**form_data(), "remove": "รายชื่อ.pdf",
                                          "attachments": upload("ตาราง.pdf", clean_pdf())})
    assert filed.status_code == 302
    request_id = filed["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert request_id.endswith("-ict-001")

    director = login("director1")
    assert request_id in director.get("/").content.decode().split('id="waiting"', 1)[1]
    assert director.post(f"/requests/{request_id}/endorse/", {"action": "endorse"}).status_code == 302

    chair = login("chair")
    assert request_id in chair.get("/").content.decode().split('id="waiting"', 1)[1]
    assert chair.post(f"/requests/{request_id}/decide/", {"decision": "approved"}).status_code == 302

    pr = login("pr1")
    assert request_id in pr.get("/").content.decode().split('id="waiting"', 1)[1]
    assert pr.post(f"/requests/{request_id}/record/", {"channel": "board", "published_on": "๒ ธันวาคม ๒๕๖๙",
                                                       "link": "บอร์ดหน้าสำนักงาน", "title": "ประกาศตารางสอบ"}
                   ).status_code == 302
    assert "nothing-waiting" in pr.get("/").content.decode()

    with Bridge(desk) as bridge:
        request = bridge.ledger.get_request(request_id)
        record = bridge.ledger.current_record(request_id)
        [manual] = bridge.ledger.manual_publications()
        actions = [(e.action, e.actor) for e in bridge.ledger.events(request_id)]
    # Thai digits and dates as typed.
    assert request.request_date.isoformat() == "2026-09-01" and request.file_count == 1
    assert request.window.kind == "fiscal_year" and request.window.fiscal_year == 2570
    assert request.endorsement is not None and request.endorsement.name == "นายตัวอย่าง มั่นคง"
    assert record is not None and record.channel == "ledger" and record.decision.by == "นายประธาน สมมุติ"
    assert record.version_hash == bridge_version(desk, request_id)
    assert (manual.channel, manual.request_id, manual.published_on.isoformat()) == ("board", request_id, "2026-12-02")
    assert ("request.added", "desk:clerk1") in actions
    assert ("request.endorsed", "desk:director1") in actions
    assert ("decision.recorded", "desk:chair") in actions
    assert ("manual_publication.recorded", "นางสาวข่าวดี สมมุติ") in actions
    history = pr.get(f"/requests/{request_id}/").content.decode().split('id="history"', 1)[1]
    assert "desk:director1" in history and "desk:chair" in history


def bridge_version(config: Config, request_id: str) -> str:
    with Bridge(config) as bridge:
        return bridge.ledger.site_version(request_id).current_version


def test_every_problem_is_shown_beside_its_field_at_once(desk: Config) -> None:
    clerk = login("clerk1")
    clerk.get("/requests/new/")
    response = clerk.post("/requests/new/", form_data(title="", request_date="๓๑ กุมภาพันธ์ ๒๕๖๙", purpose="",
                                                      window_kind="range", window_start="", window_end="",
                                                      file_count="๒"))
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("title", "request_date", "purpose", "window_start"):
        box = page.split(f'id="field-{field}"', 1)[1].split("</div>", 1)[0]
        assert 'class="error"' in box, field
    with Bridge(desk) as bridge:
        assert bridge.ledger.list_request_ids() == []


def test_the_director_can_return_a_request_with_a_comment_and_the_clerk_sees_it(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    director = login("director1")
    director.post(f"/requests/{request_id}/endorse/", {"action": "return", "comment": "แก้ชื่อเรื่อง"})
    home = login("clerk1").get("/").content.decode()
    assert "แก้ชื่อเรื่อง" in home and "ส่งกลับให้แก้ไข" in home
    # Returned, so the committee cannot decide it.
    assert login("chair").post(f"/requests/{request_id}/decide/", {"decision": "approved"}).status_code == 403


@pytest.mark.parametrize(("who", "path", "data"), [
    ("clerk1", "endorse", {"action": "endorse"}),
    ("clerk1", "decide", {"decision": "approved"}),
    ("director1", "decide", {"decision": "approved"}),
    ("director2", "endorse", {"action": "endorse"}),  # another group's director
    ("chair", "endorse", {"action": "endorse"}),
    ("chair", "decide", {"decision": "approved"}),  # not endorsed yet
    ("pr1", "decide", {"decision": "approved"}),
    ("pr1", "record", {"channel": "board", "published_on": "2026-12-02", "title": "x"}),  # not approved
    ("admin1", "endorse", {"action": "endorse"}),
    ("admin1", "decide", {"decision": "approved"}),
])
def test_each_role_is_refused_what_it_may_not_do_by_direct_post(desk: Config, who: str, path: str,
                                                                 data: dict[str, str]) -> None:
    request_id = file_request(login("clerk1"))
    before = events(desk, request_id)
    response = login(who).post(f"/requests/{request_id}/{path}/", data)
    assert response.status_code == 403 and 'id="forbidden"' in response.content.decode()
    assert events(desk, request_id) == before


def events(config: Config, request_id: str) -> list[str]:
    with Bridge(config) as bridge:
        return [e.action for e in bridge.ledger.events(request_id)]


@pytest.mark.parametrize("who", ["director1", "chair", "pr1", "admin1", "clerk2"])
def test_only_a_clerk_files_requests_and_only_for_their_own_group(desk: Config, who: str) -> None:
    client = login(who)
    response = client.post("/requests/new/", {**form_data(), "attachments": upload("a.pdf", clean_pdf())})
    with Bridge(desk) as bridge:
        ids = bridge.ledger.list_request_ids()
        groups = {bridge.ledger.get_request(i).group for i in ids}
    if who == "clerk2":  # a clerk files for their own group, whatever the form says
        assert response.status_code == 302 and groups == {"finance"}
    else:
        assert response.status_code == 403 and ids == []


def test_another_groups_people_cannot_see_a_request(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    assert login("clerk2").get(f"/requests/{request_id}/").status_code == 403
    assert login("director2").get(f"/requests/{request_id}/").status_code == 403
    assert login("chair").get(f"/requests/{request_id}/").status_code == 200
    assert request_id not in login("clerk2").get("/").content.decode()


def test_the_library_refuses_a_decision_before_the_director_endorsed(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    with Bridge(desk) as bridge, pytest.raises(DecisionError, match="not endorsed"):
        bridge.decide_endorsed(request_id, status="approved", by="นายประธาน สมมุติ", actor="test")


def test_a_rejection_needs_a_reason(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    login("director1").post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    chair = login("chair")
    chair.post(f"/requests/{request_id}/decide/", {"decision": "rejected", "note": ""})
    assert "decision.recorded" not in events(desk, request_id)
    chair.post(f"/requests/{request_id}/decide/", {"decision": "rejected", "note": "ข้อมูลไม่ครบ"})
    with Bridge(desk) as bridge:
        decision = bridge.ledger.current_decision(request_id)
    assert decision is not None and (decision.status, decision.note) == ("rejected", "ข้อมูลไม่ครบ")


# --- security -------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused(desk: Config) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "clerk1", "password": PASSWORD}).status_code == 403
    clerk = login("clerk1", enforce_csrf_checks=True)
    assert clerk.post("/requests/new/", form_data()).status_code == 403


def test_the_session_id_changes_at_login(desk: Config) -> None:
    client = Client()
    client.get("/login/")
    client.session.save()
    client.cookies["sessionid"] = client.session.session_key or ""
    before = client.cookies["sessionid"].value
    response = client.post("/login/", {"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert before and after and after != before


def test_logins_are_throttled_after_repeated_failures(desk: Config) -> None:
    client = Client()
    for _ in range(LOGIN_FAILURES - 1):
        assert client.post("/login/", {"username": "clerk1", "password": "wrong-password"}).status_code == 200
    assert client.post("/login/", {"username": "clerk1", "password": "wrong-password"}).status_code == 429
    locked = client.post("/login/", {"username": "clerk1", "password": PASSWORD})
    assert locked.status_code == 429 and 'id="locked"' in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_oversized_upload_is_refused_and_nothing_is_kept(desk: Config) -> None:
    clerk = login("clerk1")
    clerk.get("/requests/new/")
    big = clean_pdf() + b"0" * (MAX_UPLOAD_MB * 1024 * 1024)
    response = clerk.post("/requests/new/", {**form_data(), "attachments": upload("big.pdf", big)})
    assert response.status_code == 413
    with Bridge(desk) as bridge:
        assert bridge.ledger.list_request_ids() == []
        assert not any(bridge.ledger.files.root.rglob("*")) if bridge.ledger.files.root.exists() else True


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd.pdf", "passwd.pdf"), ("..\\..\\win.pdf", "win.pdf"), ("a\x00b.pdf", "ab.pdf"),
    ("..", "file"), ("/", "file"), (".hidden.pdf", "hidden.pdf"), ("ข่าว\u0301.pdf", "ข่าว\u0301.pdf"),
])
def test_an_uploaded_file_name_becomes_a_plain_name(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe


def test_a_file_name_with_path_tricks_is_stored_under_a_plain_name(desk: Config, tmp_path: Path) -> None:
    clerk = login("clerk1")
    clerk.get("/requests/new/")
    response = clerk.post("/requests/new/", {**form_data(),
                                             "attachments": upload("../../../escape\x00d.pdf", clean_pdf())})
    assert response.status_code == 302
    request_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    with Bridge(desk) as bridge:
        request = bridge.ledger.get_request(request_id)
    [attachment] = request.attachments
    assert "/" not in attachment.path and "\x00" not in attachment.path and attachment.path.endswith(".pdf")
    assert not (tmp_path.parent / "escape.pdf").exists() and not Path("/escaped.pdf").exists()


def test_html_in_every_text_field_is_shown_inert_on_the_desk(desk: Config) -> None:
    fields = ("document_number", "requester_name", "requester_position", "title", "purpose", "body", "source")
    request_id = file_request(login("clerk1"), **{f: f"ข้อความ {HOSTILE}" for f in fields})
    for who in ("clerk1", "director1", "chair"):
        page = login(who).get(f"/requests/{request_id}/").content.decode()
        assert "<script>window.__pwned" not in page and "<img src=x" not in page
        assert page.count("&lt;script&gt;window.__pwned=1&lt;/script&gt;") >= len(fields) - 1  # name shown once
    home = login("clerk1").get("/").content.decode()
    assert "<script>window.__pwned" not in home and "&lt;script&gt;" in home


def approve_through_the_desk(request_id: str) -> None:
    login("director1").post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    login("chair").post(f"/requests/{request_id}/decide/", {"decision": "approved"})


def test_what_is_live_per_group_published_expiring_and_blocked_with_the_reason(desk: Config) -> None:
    from datetime import datetime, timedelta

    from cms_bridge.thaidate import OFFICE_TZ, format_thai_date
    from cms_bridge.wordpress.fake import FakeCms

    clerk = login("clerk1")
    today = datetime.now(OFFICE_TZ).date()
    permanent = file_request(clerk, window_kind="permanent", title="ประกาศถาวร")
    expiring = file_request(clerk, window_kind="range", window_start=format_thai_date(today),
                            window_end=format_thai_date(today + timedelta(days=10)), title="ประกาศสิบวัน")
    blocked = file_request(clerk, clean_pdf("A file lost from the store"), window_kind="permanent",
                           title="ประกาศที่ไฟล์หาย")
    opens = today + timedelta(days=5)
    later = file_request(clerk, window_kind="range", window_start=format_thai_date(opens),
                         window_end=format_thai_date(opens + timedelta(days=10)), title="ประกาศล่วงหน้า")
    waiting = file_request(login("clerk2"), window_kind="permanent", title="ยังไม่อนุมัติ")
    for request_id in (permanent, expiring, blocked, later):
        approve_through_the_desk(request_id)
    site = FakeCms()
    with Bridge(desk, cms=site) as bridge:
        # The blocked request's file is lost from the store: the publish gate holds it back.
        sha256 = next(iter(bridge.ledger.files_of(blocked, bridge.ledger.site_version(blocked).version_hash).values()))
        bridge.ledger.files.path_of(sha256).unlink()
        bridge.sync()
        urls = {r.request_id: r.url for r in bridge.status()}
    assert urls[permanent] and urls[expiring] and not urls[blocked] and not urls[later]
    assert not any(m.url for m in site.media.values() if later in m.slug)
    page = login("director1").get("/live/").content.decode()
    published = page.split('class="list live-published"', 1)[1].split("</ul>", 1)[0]
    assert permanent in published and expiring in published and f'href="{urls[permanent]}"' in published
    soon = page.split('class="list live-expiring"', 1)[1].split("</ul>", 1)[0]
    assert expiring in soon and permanent not in soon
    # Approved for a window not open yet: listed as scheduled, with its opening, not on the site.
    scheduled = page.split('class="list live-scheduled"', 1)[1].split("</ul>", 1)[0]
    assert later in scheduled and format_thai_date(opens) in scheduled and later not in published
    held = page.split('class="list live-blocked"', 1)[1].split("</ul>", 1)[0]
    assert blocked in held and "comment" in held
    # A group's director sees only the group's requests.
    assert waiting not in page and "กลุ่มบริหารการเงิน" not in page


def test_a_file_is_downloaded_from_the_store_by_those_who_may_see_the_request(desk: Config) -> None:
    pdf = clean_pdf("The timetable itself")
    request_id = file_request(login("clerk1"), pdf)
    got = login("director1").get(f"/requests/{request_id}/files/ตาราง.pdf")
    assert got.status_code == 200 and b"".join(got.streaming_content) == pdf  # type: ignore[attr-defined]
    assert got["Content-Type"] == "application/pdf" and got["Content-Disposition"].startswith("attachment")
    assert got["X-Content-Type-Options"] == "nosniff"
    assert login("director2").get(f"/requests/{request_id}/files/ตาราง.pdf").status_code == 403
    assert login("chair").get(f"/requests/{request_id}/files/..%2Fledger.sqlite3").status_code == 404
    assert login("chair").get(f"/requests/{request_id}/files/other.pdf").status_code == 404


def test_a_returned_request_is_changed_by_its_clerk_and_waits_for_the_director_again(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    director = login("director1")
    director.post(f"/requests/{request_id}/endorse/", {"action": "return", "comment": "แก้ชื่อเรื่อง"})
    assert 'id="nothing-waiting"' in director.get("/").content.decode()
    clerk = login("clerk1")
    form = clerk.get(f"/requests/{request_id}/edit/").content.decode()
    assert 'value="ประกาศตารางสอบ"' in form and "ตาราง.pdf" in form  # the fields and the kept file
    changed = clerk.post(f"/requests/{request_id}/edit/", form_data(title="ประกาศตารางสอบ ภาคเรียนที่ ๒"))
    assert changed.status_code == 302
    with Bridge(desk) as bridge:
        request = bridge.ledger.get_request(request_id)
        assert request.title == "ประกาศตารางสอบ ภาคเรียนที่ ๒" and [a.path for a in request.attachments] == ["ตาราง.pdf"]
        assert len(bridge.ledger.versions(request_id)) == 2
    assert request_id in director.get("/").content.decode().split('id="waiting"', 1)[1]
    # Another group's clerk may not change it; nobody may once it is endorsed.
    assert login("clerk2").post(f"/requests/{request_id}/edit/", form_data(title="x")).status_code == 403
    director.post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    assert clerk.post(f"/requests/{request_id}/edit/", form_data(title="y")).status_code == 403
    assert login("director1").post(f"/requests/{request_id}/edit/", form_data(title="z")).status_code == 403


def test_a_new_request_never_takes_the_id_of_one_filed_meanwhile(desk: Config) -> None:
    from cms_bridge.errors import RequestIdTakenError
    from cms_bridge.intake.origin import Origin

    first = file_request(login("clerk1"))
    with Bridge(desk) as bridge:
        [(name, sha256)] = bridge.ledger.files_of(first, bridge.ledger.site_version(first).current_version).items()
        from cms_bridge.desk.forms import request_data

        data = request_data({"title": "อีกเรื่อง", "request_date": "2026-09-01", "purpose": "ทดสอบ", "kind": "other",
                             "channels": ["website"], "requester_name": "ก ข", "requester_position": "ค"},
                            request_id=first, group="ict", files=[name])
        with pytest.raises(RequestIdTakenError):
            bridge.submit_kept(data, {name: sha256}, origin=Origin.of_folder("desk/x"), actor="test", new=True)
        assert bridge.ledger.get_request(first).title == "ประกาศตารางสอบ"
    # The desk takes the next number instead.
    assert file_request(login("clerk1")) != first


def memo_lines(client: Client, request_id: str) -> list[str]:
    import io

    from docx import Document

    response = client.get(f"/requests/{request_id}/memo.docx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="memo-{request_id}.docx"'
    return [p.text for p in Document(io.BytesIO(response.content)).paragraphs]


def test_the_memo_downloads_as_a_word_document_filled_in_and_ticked(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    before = memo_lines(login("clerk1"), request_id)
    assert before[0] == "บันทึกข้อความ"
    assert "ที่ ศธ ๐๔๒๔๑/๑๒๓    วันที่ ๑ กันยายน ๒๕๖๙" in before
    assert any(line.endswith("เรื่อง ประกาศตารางสอบ") for line in before)
    assert "☑ เว็บไซต์    ☐ สื่อสังคมออนไลน์    ☑ บอร์ด/ป้ายประชาสัมพันธ์" in before
    assert "☑ เผยแพร่แบบมีกำหนดระยะเวลา ตลอดปีงบประมาณ ๒๕๗๐" in before
    assert "(นางสาวทดลอง ใจดี)" in before and "☐ อนุญาตให้เผยแพร่" in before
    assert "(นายตัวอย่าง มั่นคง)" not in before
    approve_through_the_desk(request_id)
    after = memo_lines(login("chair"), request_id)
    assert "(นายตัวอย่าง มั่นคง)" in after and "☑ อนุญาตให้เผยแพร่" in after and "(นายประธาน สมมุติ)" in after
    assert login("clerk2").get(f"/requests/{request_id}/memo.docx").status_code == 403


def test_the_memo_downloads_as_a_pdf_on_a4_with_its_signatures_kept_together(desk: Config, tmp_path: Path) -> None:
    import subprocess
    import unicodedata

    request_id = file_request(login("clerk1"))
    response = login("clerk1").get(f"/requests/{request_id}/memo.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="memo-{request_id}.pdf"'
    pdf = tmp_path / "memo.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info and re.search(r"^Pages:\s+[12]$", info, re.M), info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout

    def letters(value: str) -> str:  # pdftotext moves Thai marks and adds spaces: compare letters
        return "".join(ch for ch in unicodedata.normalize("NFC", value)
                       if not ch.isspace() and unicodedata.category(ch) != "Mn")

    for expected in ("บันทึกข้อความ", "ประกาศตารางสอบ", "(นางสาวทดลอง ใจดี)"):
        assert letters(expected) in letters(text), expected
    # The closing line, the requester's and director's signatures and the order share a page.
    last = letters(text.rstrip("\f").split("\f")[-1])
    for together in ("จึงเรียนมาเพื่อโปรดพิจารณา", "(นางสาวทดลอง ใจดี)", "คำสั่ง", "อนุญาตให้เผยแพร่"):
        assert letters(together) in last, together
    assert login("clerk2").get(f"/requests/{request_id}/memo.pdf").status_code == 403


def _with_addresses() -> None:
    from django.contrib.auth.models import User

    for user in User.objects.all():
        user.email = f"{user.username}@example-office.go.th"
        user.save()


def test_the_next_person_is_told_by_e_mail_when_smtp_is_configured(desk: Config) -> None:
    from django.core import mail
    from django.test import override_settings

    _with_addresses()
    with override_settings(DESK_SENDS_MAIL=True, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        request_id = file_request(login("clerk1"), title="ประกาศ <b>ตารางสอบ</b>")
        assert [m.to for m in mail.outbox] == [["director1@example-office.go.th"]]  # not the other group's
        assert request_id in mail.outbox[0].subject and "ประกาศ <b>ตารางสอบ</b>" in mail.outbox[0].body
        assert f"http://127.0.0.1:8600/requests/{request_id}/" in mail.outbox[0].body
        approve_through_the_desk(request_id)
        assert [m.to for m in mail.outbox[1:]] == [["chair@example-office.go.th"], ["pr1@example-office.go.th"]]


def test_a_mail_server_that_is_down_never_blocks_a_step(desk: Config) -> None:
    import socket

    from django.test import override_settings

    _with_addresses()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: connections are refused
        with override_settings(DESK_SENDS_MAIL=True, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                               EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_USE_TLS=False, EMAIL_TIMEOUT=5):
            clerk = login("clerk1")
            clerk.get("/requests/new/")
            response = clerk.post("/requests/new/", {**form_data(), "attachments": upload("a.pdf", clean_pdf())},
                                  follow=True)
    assert response.status_code == 200 and "ส่งอีเมลแจ้งผู้เกี่ยวข้องไม่สำเร็จ" in response.content.decode()
    with Bridge(desk) as bridge:
        assert len(bridge.ledger.list_request_ids()) == 1


def test_the_director_fills_the_rounds_report_and_downloads_it_with_the_outcome(desk: Config) -> None:
    import io
    from datetime import datetime

    from docx import Document
    from openpyxl import load_workbook

    from cms_bridge.desk.setup import use_config
    from cms_bridge.thaidate import OFFICE_TZ, format_thai_date, round_of
    from cms_bridge.wordpress.fake import FakeCms

    site = FakeCms()
    use_config(desk, cms=site)
    request_id = file_request(login("clerk1"), window_kind="permanent", title="ประกาศผลการคัดเลือก")
    approve_through_the_desk(request_id)
    with Bridge(desk, cms=site) as bridge:
        bridge.sync()
    today = datetime.now(OFFICE_TZ)
    login("pr1").post(f"/requests/{request_id}/record/", {"channel": "board", "published_on": format_thai_date(today),
                                                          "link": "บอร์ดหน้าสำนักงาน", "title": "ประกาศผลการคัดเลือก"})
    current = round_of(today)
    director = login("director1")
    page = director.get("/report/").content.decode()
    [key] = [part.split('"', 1)[0] for part in page.split('name="outcome:')[1:]]
    assert "ประกาศผลการคัดเลือก" in page
    saved = director.post("/report/", {"fiscal_year": str(current.fiscal_year), "round": str(current.number),
                                       f"outcome:{key}": "ผู้สมัครทราบผลภายในวันเดียว",
                                       "problems": "ป้ายประกาศชำรุด\nควรแจ้งทางไลน์ด้วย"})
    assert saved.status_code == 302
    page = director.get("/report/").content.decode()
    assert "ผู้สมัครทราบผลภายในวันเดียว" in page and "ป้ายประกาศชำรุด" in page

    xlsx = director.get("/report/download.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()]
    [row] = [r for r in rows if "ประกาศผลการคัดเลือก" in r]
    # The website post and PR's board posting are one row with both channels ticked, the outcome filled.
    assert row[2:] == ["ประกาศผลการคัดเลือก", "✓", "✓", "ผู้สมัครทราบผลภายในวันเดียว"]
    docx = director.get("/report/download.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "ป้ายประกาศชำรุด" in text and "นายตัวอย่าง มั่นคง" in text
    with Bridge(desk) as bridge:
        [event] = [e for e in bridge.ledger.events() if e.action == "report_notes.saved"]
    assert event.actor == "desk:director1" and event.after and event.after["problems"] == [
        "ป้ายประกาศชำรุด", "ควรแจ้งทางไลน์ด้วย"]
    # Only a group director fills a report, and only their group's.
    assert login("clerk1").get("/report/").status_code == 403
    assert login("chair").post("/report/", {"problems": "x"}).status_code == 403


@pytest.mark.parametrize("https", [False, True])
def test_cookies_are_secure_behind_https(tmp_path: Path, https: bool) -> None:
    from cms_bridge.config import DeskConfig, SyncConfig
    from cms_bridge.desk.setup import settings_for

    config = Config(sync=SyncConfig(ledger=tmp_path / "l.sqlite3"),
                    desk=DeskConfig(https=https, allowed_hosts=("desk.example-office.go.th",)))
    settings = settings_for(config)
    assert settings["SESSION_COOKIE_SECURE"] is https and settings["CSRF_COOKIE_SECURE"] is https
    assert settings["SECURE_PROXY_SSL_HEADER"] == (("HTTP_X_FORWARDED_PROTO", "https") if https else None)
    assert settings["CSRF_TRUSTED_ORIGINS"] == (["https://desk.example-office.go.th"] if https else [])
    assert settings["ALLOWED_HOSTS"] == ["desk.example-office.go.th"]
    assert settings["PASSWORD_HASHERS"] == ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert (tmp_path / "l.sqlite3.desk.secret").stat().st_mode & 0o077 == 0


def test_pr_keeps_a_photo_as_evidence_of_a_board_posting(desk: Config) -> None:
    from cms_bridge.samples import docx, png

    request_id = file_request(login("clerk1"))
    approve_through_the_desk(request_id)
    pr = login("pr1")
    fields = {"channel": "board", "published_on": "๒ ธันวาคม ๒๕๖๙", "link": "", "title": "ประกาศตารางสอบ"}
    # The memo asked for the website and the board: a social-media posting was not allowed.
    social = pr.post(f"/requests/{request_id}/record/", {**fields, "channel": "social"}, follow=True)
    assert "ไม่ได้ขอเผยแพร่ทางสื่อสังคมออนไลน์" in social.content.decode()
    refused = pr.post(f"/requests/{request_id}/record/",
                      {**fields, "evidence": SimpleUploadedFile("บอร์ด.docx", docx(["not a photo"]))}, follow=True)
    assert "ใช้ได้เฉพาะรูปภาพ" in refused.content.decode()
    with Bridge(desk) as bridge:
        assert bridge.ledger.manual_publications() == []
    photo = png(40, 30)
    pr.post(f"/requests/{request_id}/record/", {**fields, "evidence": SimpleUploadedFile("../บอร์ด.png", photo)})
    with Bridge(desk) as bridge:
        [manual] = bridge.ledger.manual_publications()
        assert list(bridge.ledger.manual_evidence(manual.id)) == ["บอร์ด.png"]
    page = login("clerk1").get(f"/requests/{request_id}/").content.decode()
    from urllib.parse import quote

    link = f"/requests/{request_id}/evidence/{manual.id}/{quote('บอร์ด.png')}"
    assert f'href="{link}"' in page
    got = login("director1").get(link)
    assert got.status_code == 200 and b"".join(got.streaming_content) == photo  # type: ignore[attr-defined]
    assert login("director2").get(link).status_code == 403
    assert login("chair").get(f"/requests/{request_id}/evidence/{manual.id}/other.png").status_code == 404


def test_a_staged_file_lost_from_the_store_is_said_and_nothing_is_filed(desk: Config) -> None:
    clerk = login("clerk1")
    clerk.get("/requests/new/")
    pdf = clean_pdf("Soon lost")
    checked = clerk.post("/requests/new/", {**form_data(action="check"), "attachments": upload("a.pdf", pdf)})
    assert checked.status_code == 200
    import hashlib

    with Bridge(desk) as bridge:
        bridge.ledger.files.path_of(hashlib.sha256(pdf).hexdigest()).unlink()
    response = clerk.post("/requests/new/", form_data())
    assert response.status_code == 400 and "ไม่พบไฟล์นี้ในที่เก็บแล้ว" in response.content.decode()
    with Bridge(desk) as bridge:
        assert bridge.ledger.list_request_ids() == []


def test_the_desk_the_report_and_record_note_share_one_store_of_outcomes(
        desk: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    from datetime import datetime

    from cms_bridge.cli import main
    from cms_bridge.desk.setup import use_config
    from cms_bridge.thaidate import OFFICE_TZ, format_thai_date, round_of
    from cms_bridge.wordpress.fake import FakeCms

    site = FakeCms()
    use_config(desk, cms=site)
    monkeypatch.setattr("cms_bridge.bridge.connect", lambda config: site)
    monkeypatch.setenv("CMS_BRIDGE_SITE_APP_PASSWORD", "abcd EFGH 1234 ijkl MNOP 5678")
    monkeypatch.delenv("CMS_BRIDGE_CONFIG", raising=False)
    config_file = tmp_path / "cms-bridge.toml"
    config_file.write_text('[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n\n'
                           f'[sync]\nledger = "{desk.sync.ledger}"\n', encoding="utf-8")
    request_id = file_request(login("clerk1"), window_kind="permanent", title="ประกาศรับสมัครครูอัตราจ้าง")
    approve_through_the_desk(request_id)
    with Bridge(desk, cms=site) as bridge:
        bridge.sync()
    today = datetime.now(OFFICE_TZ)
    current = round_of(today)
    # Outside the desk: a board posting recorded on the command line with its note.
    assert main(["--config", str(config_file), "record", "--group", "ict", "--channel", "board", "--title",
                 "ติดประกาศวันสอบ", "--date", format_thai_date(today), "--by", "นางสาวทดลอง ใจดี",
                 "--note", "ผู้สมัครมาสอบครบทุกคน"]) == 0

    director = login("director1")
    page = director.get("/report/").content.decode()
    refs = re.findall(r'name="outcome:([^"]+)"', page)
    assert sorted(refs) == sorted([f"request:{request_id}", "manual:1"])
    assert "ผู้สมัครมาสอบครบทุกคน" in page  # the record's note is the row's outcome on the desk
    saved = director.post("/report/", {"fiscal_year": str(current.fiscal_year), "round": str(current.number),
                                       f"outcome:request:{request_id}": "มีผู้สมัคร ๑๒ คน",
                                       "outcome:manual:1": "ผู้สมัครมาสอบครบทุกคน",  # left as shown
                                       "outcome:request:someone-else": "forged", "problems": ""})
    assert saved.status_code == 302
    with Bridge(desk, cms=site) as bridge:
        # One store: the desk wrote the ledger's outcome and nothing else; the unchanged row stays the note.
        assert bridge.ledger.outcomes() == {f"request:{request_id}": "มีผู้สมัคร ๑๒ คน"}
        assert bridge.ledger.report_notes(group_key="ict", fiscal_year=current.fiscal_year,
                                          round_number=current.number) == ({}, [])

    out = tmp_path / "out"
    assert main(["--config", str(config_file), "report", "--fiscal-year", str(current.fiscal_year), "--round",
                 str(current.number), "--group", "ict", "--format", "json", "--out", str(out)]) == 0
    [written] = out.glob("report-*.json")
    items = {i["ref"]: i["outcome"] for i in json.loads(written.read_text(encoding="utf-8"))["report"]["items"]}
    assert items == {f"request:{request_id}": "มีผู้สมัคร ๑๒ คน", "manual:1": "ผู้สมัครมาสอบครบทุกคน"}

    # And back: an outcome set in the ledger (as a script or the report's tooling does) shows on the desk.
    with Bridge(desk, cms=site) as bridge:
        bridge.ledger.set_outcome(manual_id=1, outcome="ปรับห้องสอบทันเวลา", by="นายสมมุติ รักงาน")
    assert "ปรับห้องสอบทันเวลา" in director.get("/report/").content.decode()


def test_the_desk_says_the_librarys_problems_in_thai_beside_their_fields(desk: Config) -> None:
    clerk = login("clerk1")
    clerk.get("/requests/new/")
    page = clerk.post("/requests/new/", {**form_data(request_date="๓๑ กุมภาพันธ์ ๒๕๖๙", window_kind="range",
                                                     window_start="๑๐ ตุลาคม ๒๕๖๙", window_end="๑ ตุลาคม ๒๕๖๙"),
                                         "attachments": upload("รายชื่อ.pdf", id_pdf())})
    html = page.content.decode()
    assert page.status_code == 400

    def box(field: str) -> str:
        return html.split(f'id="field-{field}"', 1)[1].split("</div>", 1)[0]

    # The ID finding beside the attachments (its file and page kept), the impossible day beside the date.
    assert "เลขประจำตัวประชาชน" in box("attachments") and "รายชื่อ.pdf, page 2" in box("attachments")
    assert "Thai national ID number" not in html
    assert "ไม่มีวันที่ 31 เดือนกุมภาพันธ์ พ.ศ. 2569 มีเพียง 28 วัน" in box("request_date")
    assert "does not exist" not in html
    # A required field left empty: Django's own message, in Thai.
    empty = clerk.post("/requests/new/", {**form_data(title=""), "attachments": upload("ตาราง.pdf", clean_pdf())})
    assert empty.status_code == 400 and "This field is required" not in empty.content.decode()
    # PR's record form: a day that does not exist, in Thai.
    request_id = file_request(clerk)
    approve_through_the_desk(request_id)
    pr = login("pr1")
    pr.post(f"/requests/{request_id}/record/", {"channel": "board", "published_on": "๓๑ กุมภาพันธ์ ๒๕๖๙",
                                                "title": "ติดบอร์ด"})
    shown = pr.get(f"/requests/{request_id}/").content.decode()
    assert "ไม่มีวันที่ 31 เดือนกุมภาพันธ์" in shown and "does not exist" not in shown
