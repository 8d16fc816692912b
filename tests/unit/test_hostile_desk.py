"""A hostile review of the office desk: each attack is a test.

A defence that holds is a plain test; a defence that breaks is marked
``xfail(strict=True, reason="BREAK: ...")`` so the suite notices the day it is fixed.
"""

from __future__ import annotations

import re

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config

from .desk_support import GROUPED, ID_MASKED, ID_NUMBER, LOGIN_FAILURES, PASSWORD, clean_pdf, form_data
from .test_desk import approve_through_the_desk, desk, events, file_request, login, upload

__all__ = ["desk"]  # the fixture, imported for its side of pytest

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="alert(1)">'


def _approved(config: Config) -> str:
    request_id = file_request(login("clerk1"))
    approve_through_the_desk(request_id)
    return request_id


# --- IDOR: another group's request, files, memo, evidence --------------------------------------


@pytest.mark.parametrize("suffix", ["", "memo.docx", "memo.pdf", "files/ตาราง.pdf", "edit/"])
def test_another_groups_clerk_cannot_reach_any_part_of_a_request(desk: Config, suffix: str) -> None:
    request_id = file_request(login("clerk1"))
    for who in ("clerk2", "director2"):
        response = login(who).get(f"/requests/{request_id}/{suffix}")
        assert response.status_code == 403, (who, suffix)


def test_a_guessed_request_id_of_no_request_is_404_not_a_leak(desk: Config) -> None:
    file_request(login("clerk1"))
    clerk2 = login("clerk2")
    for guess in ("2569-ict-999", "..", "%2e%2e", "2569-ict-001%00"):
        assert clerk2.get(f"/requests/{guess}/memo.docx").status_code in (403, 404)


def test_evidence_of_one_request_is_not_served_through_another(desk: Config) -> None:
    from cms_bridge.samples import png

    first = _approved(desk)
    second = file_request(login("clerk2"))
    pr = login("pr1")
    pr.post(f"/requests/{first}/record/", {"channel": "board", "published_on": "๒ ธันวาคม ๒๕๖๙", "link": "",
                                           "title": "x", "evidence": SimpleUploadedFile("p.png", png(20, 20))})
    with Bridge(desk) as bridge:
        [manual] = bridge.ledger.manual_publications()
    # clerk2 may see their own request: the manual id of clerk1's request must not ride along on it.
    assert login("clerk2").get(f"/requests/{second}/evidence/{manual.id}/p.png").status_code == 404
    assert login("clerk2").get(f"/requests/{first}/evidence/{manual.id}/p.png").status_code == 403


def test_the_report_of_another_group_is_not_reachable_by_its_director(desk: Config) -> None:
    from cms_bridge.desk.setup import use_config
    from cms_bridge.wordpress.fake import FakeCms

    use_config(desk, cms=FakeCms())
    _approved(desk)
    page = login("director2").get("/report/").content.decode()
    assert "ประกาศตารางสอบ" not in page
    xlsx = login("director2").get("/report/download.xlsx")
    assert xlsx.status_code == 200 and "ประกาศตารางสอบ".encode() not in xlsx.content


# --- role escalation by direct POST ------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk1", "chair", "pr1", "admin1"])
def test_only_a_group_director_saves_report_notes(desk: Config, who: str) -> None:
    response = login(who).post("/report/", {"problems": "forged", "outcome:x": "forged"})
    assert response.status_code == 403
    with Bridge(desk) as bridge:
        assert not [e for e in bridge.ledger.events() if e.action == "report_notes.saved"]


@pytest.mark.parametrize("who", ["clerk1", "director1", "chair", "admin1"])
def test_only_pr_records_a_publication(desk: Config, who: str) -> None:
    request_id = _approved(desk)
    before = events(desk, request_id)
    response = login(who).post(f"/requests/{request_id}/record/",
                               {"channel": "board", "published_on": "2026-12-02", "title": "x"})
    assert response.status_code == 403 and events(desk, request_id) == before


def test_a_logged_out_visitor_is_sent_to_login_for_every_step(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    before = events(desk, request_id)
    anonymous = Client()
    for path, data in (("endorse", {"action": "endorse"}), ("decide", {"decision": "approved"}),
                       ("record", {"channel": "board"}), ("edit", form_data())):
        response = anonymous.post(f"/requests/{request_id}/{path}/", data)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    for path in (f"/requests/{request_id}/", f"/requests/{request_id}/memo.docx", "/live/", "/report/",
                 f"/requests/{request_id}/files/ตาราง.pdf"):
        assert anonymous.get(path).status_code == 302, path
    assert events(desk, request_id) == before


def test_there_is_no_user_admin_on_the_web(desk: Config) -> None:
    admin = login("admin1")
    for path in ("/admin/", "/users/", "/accounts/"):
        assert admin.get(path).status_code == 404


@pytest.mark.parametrize("step", [("decide", {"decision": "approved"}), ("decide", {"decision": "rejected", "note": "x"}),
                                  ("endorse", {"action": "return", "comment": "x"})])
def test_a_replayed_step_after_the_decision_is_refused(desk: Config, step: tuple[str, dict[str, str]]) -> None:
    request_id = _approved(desk)
    before = events(desk, request_id)
    who = "chair" if step[0] == "decide" else "director1"
    assert login(who).post(f"/requests/{request_id}/{step[0]}/", step[1]).status_code == 403
    assert events(desk, request_id) == before


# --- editing after endorsement; approving what nobody saw ------------------------------------


@pytest.mark.parametrize("stage", ["endorsed", "approved"])
def test_a_clerk_cannot_change_a_request_once_endorsed(desk: Config, stage: str) -> None:
    request_id = file_request(login("clerk1"))
    login("director1").post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    if stage == "approved":
        login("chair").post(f"/requests/{request_id}/decide/", {"decision": "approved"})
    clerk = login("clerk1")
    assert clerk.get(f"/requests/{request_id}/edit/").status_code == 403
    assert clerk.post(f"/requests/{request_id}/edit/", form_data(title="สลับเนื้อหา")).status_code == 403
    with Bridge(desk) as bridge:
        assert bridge.ledger.get_request(request_id).title == "ประกาศตารางสอบ"


def test_the_director_endorses_only_the_version_they_saw(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    director = login("director1")
    seen = director.get(f"/requests/{request_id}/").content.decode()
    assert "ประกาศตารางสอบ" in seen
    clerk = login("clerk1")
    clerk.get(f"/requests/{request_id}/edit/")
    assert clerk.post(f"/requests/{request_id}/edit/", form_data(title="เนื้อหาที่ผู้อำนวยการไม่เคยเห็น")).status_code == 302
    # The director presses the button on the page loaded before the edit.
    director.post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    with Bridge(desk) as bridge:
        request = bridge.ledger.get_request(request_id)
    assert request.endorsement is None or request.title == "ประกาศตารางสอบ"


def test_the_committee_decides_only_the_endorsed_version(desk: Config) -> None:
    # After the endorsement no one can change the request on the desk, so what the chair sees is decided.
    request_id = file_request(login("clerk1"))
    login("director1").post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    clerk = login("clerk1")
    assert clerk.post(f"/requests/{request_id}/edit/", form_data(title="แอบแก้")).status_code == 403
    login("chair").post(f"/requests/{request_id}/decide/", {"decision": "approved"})
    with Bridge(desk) as bridge:
        record = bridge.ledger.current_record(request_id)
        version = bridge.ledger.site_version(request_id)
        assert record is not None and record.version_hash == version.current_version
        assert bridge.ledger.get_request(request_id).title == "ประกาศตารางสอบ"


# --- CSRF, sessions, redirects, headers, cookies ---------------------------------------------


def test_a_post_with_another_sessions_csrf_token_is_refused(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    attacker = Client(enforce_csrf_checks=True)
    attacker_token = attacker.get("/login/").cookies["csrftoken"].value
    director = login("director1", enforce_csrf_checks=True)
    assert director.post(f"/requests/{request_id}/endorse/",
                         {"action": "endorse", "csrfmiddlewaretoken": attacker_token}).status_code == 403
    assert director.post(f"/requests/{request_id}/endorse/", {"action": "endorse"}).status_code == 403
    with Bridge(desk) as bridge:
        assert bridge.ledger.get_request(request_id).endorsement is None


def test_login_csrf_a_forged_login_form_is_refused(desk: Config) -> None:
    victim = Client(enforce_csrf_checks=True)
    response = victim.post("/login/", {"username": "clerk2", "password": PASSWORD, "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403 and "_auth_user_id" not in victim.session


def test_a_planted_session_id_is_not_kept_after_login(desk: Config) -> None:
    client = Client()
    client.cookies["sessionid"] = "attackerchosen0000000000000000000"
    client.get("/login/")
    client.post("/login/", {"username": "clerk1", "password": PASSWORD})
    assert client.cookies["sessionid"].value != "attackerchosen0000000000000000000"
    assert Client(HTTP_COOKIE="sessionid=attackerchosen0000000000000000000").get("/").status_code == 302


def test_logout_ends_the_session_on_the_server(desk: Config) -> None:
    clerk = login("clerk1")
    stolen = clerk.cookies["sessionid"].value
    clerk.post("/logout/")
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get("/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "https:evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_the_desk(desk: Config, target: str) -> None:
    client = Client()
    client.get("/login/")
    response = client.post(f"/login/?next={target}", {"username": "clerk1", "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize("host", ["evil.example", "testserver.evil.example", "evil.example:80"])
def test_a_forged_host_header_is_refused(desk: Config, host: str) -> None:
    assert Client().get("/login/", HTTP_HOST=host).status_code == 400


def test_pages_refuse_framing_and_sniffing_and_cookies_are_http_only(desk: Config) -> None:
    client = Client()
    page = client.get("/login/")
    assert page["X-Frame-Options"] == "DENY" and page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"
    clerk = login("clerk1")
    session = clerk.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert clerk.get("/")["X-Frame-Options"] == "DENY"


def test_every_page_sends_a_content_security_policy_that_allows_no_script(desk: Config) -> None:
    clerk = login("clerk1")
    pages = [Client().get("/login/"), clerk.get("/"), clerk.get("/requests/new/"), clerk.get("/report/"),
             clerk.get("/requests/nobody/")]
    assert [p.status_code for p in pages] == [200, 200, 200, 403, 404]
    for page in pages:
        policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
        assert policy["default-src"] == "'none'" and "script-src" not in policy  # so no script runs
        assert policy["style-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert policy["form-action"] == "'self'" and policy["base-uri"] == "'none'"
    # The pages need nothing the policy refuses: no inline script, style or handler, nothing from elsewhere.
    for page in pages:
        html = page.content.decode()
        assert "<script" not in html and " style=" not in html and not re.search(r" on[a-z]+=", html)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html)


# --- HTML and JS in every field --------------------------------------------------------------


def test_html_in_a_file_name_is_shown_inert(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    clerk = login("clerk1")
    clerk.get(f"/requests/{request_id}/edit/")
    clerk.post(f"/requests/{request_id}/edit/", {**form_data(), "attachments": upload(f"{HOSTILE}.pdf", clean_pdf())})
    for who in ("clerk1", "director1"):
        page = login(who).get(f"/requests/{request_id}/").content.decode()
        assert "<script>window.__pwned" not in page and "<img src=x" not in page


def test_a_javascript_evidence_link_and_html_notes_are_inert(desk: Config) -> None:
    request_id = _approved(desk)
    login("pr1").post(f"/requests/{request_id}/record/", {"channel": "board", "published_on": "๒ ธันวาคม ๒๕๖๙",
                                                          "link": "javascript:alert(document.cookie)",
                                                          "title": HOSTILE})
    chair = login("chair")
    page = chair.get(f"/requests/{request_id}/").content.decode()
    assert 'href="javascript:' not in page and "<script>window.__pwned" not in page
    request2 = file_request(login("clerk1"))
    login("director1").post(f"/requests/{request2}/endorse/", {"action": "return", "comment": HOSTILE})
    login("director1").get("/")
    for who in ("clerk1", "director1"):
        for path in ("/", f"/requests/{request2}/"):
            page = login(who).get(path).content.decode()
            assert "<script>window.__pwned" not in page and "<img src=x" not in page, (who, path)


def test_a_rejection_reason_with_html_is_inert(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    login("director1").post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    login("chair").post(f"/requests/{request_id}/decide/", {"decision": "rejected", "note": HOSTILE})
    page = login("clerk1").get(f"/requests/{request_id}/").content.decode()
    assert "<script>window.__pwned" not in page and "&lt;script&gt;" in page


def test_html_in_the_memo_docx_stays_text(desk: Config) -> None:
    from docx import Document

    request_id = file_request(login("clerk1"), title=f"เรื่อง {HOSTILE}")
    response = login("clerk1").get(f"/requests/{request_id}/memo.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert HOSTILE in text  # as literal text, in an XML-escaped run


def test_a_control_character_that_would_break_the_memo_is_refused_at_the_form(desk: Config) -> None:
    clerk = login("clerk1")
    clerk.get("/requests/new/")
    response = clerk.post("/requests/new/", {**form_data(purpose="ก\x0bข"), "attachments": upload("a.pdf", clean_pdf())})
    assert response.status_code == 400
    with Bridge(desk) as bridge:
        assert bridge.ledger.list_request_ids() == []


# --- uploads -----------------------------------------------------------------------------------


def _file(client: Client, name: str, content: bytes) -> tuple[int, str]:
    client.get("/requests/new/")
    response = client.post("/requests/new/", {**form_data(), "attachments": upload(name, content)})
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(("name", "content"), [
    ("empty.pdf", b""),
    ("page.pdf", b"<html><script>alert(1)</script></html>"),
    ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 200),
    ("ตาราง.exe", clean_pdf()[:0] + b"#!/bin/sh\nrm -rf /\n"),
])
def test_an_empty_or_disguised_upload_is_refused(desk: Config, name: str, content: bytes) -> None:
    status, _ = _file(login("clerk1"), name, content)
    assert status == 400
    with Bridge(desk) as bridge:
        assert bridge.ledger.list_request_ids() == []


def test_a_body_over_the_limit_is_refused_before_it_is_read(desk: Config) -> None:
    clerk = login("clerk1")
    response = clerk.generic("POST", "/requests/new/", b"x", CONTENT_TYPE="multipart/form-data; boundary=x",
                             CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert clerk.generic("POST", "/requests/new/", b"x", CONTENT_LENGTH="-1x").status_code == 400


def test_many_small_files_in_one_post_are_each_checked(desk: Config) -> None:
    clerk = login("clerk1")
    clerk.get("/requests/new/")
    files = [upload(f"f{i}.pdf", clean_pdf(f"page {i}")) for i in range(30)]
    response = clerk.post("/requests/new/", {**form_data(file_count="30"), "attachments": files})
    assert response.status_code in (302, 400)
    # Whatever happened, no file was written outside the store under its own name.
    assert not any(Path("/tmp").glob("f1.pdf"))


def test_a_file_whose_name_carries_an_id_number_is_refused(desk: Config) -> None:
    for name in (f"รายชื่อ {ID_NUMBER}.pdf", f"{GROUPED}.pdf"):
        status, page = _file(login("clerk1"), name, clean_pdf())
        assert status == 400 and ID_MASKED in page, name
    with Bridge(desk) as bridge:
        assert bridge.ledger.list_request_ids() == []


@pytest.mark.parametrize("number", [ID_NUMBER, GROUPED])
def test_an_id_number_in_a_file_name_is_masked_on_the_refused_form(desk: Config, number: str) -> None:
    status, page = _file(login("clerk1"), f"รายชื่อ {number}.pdf", clean_pdf())
    assert status == 400 and ID_MASKED in page
    assert number not in page


def test_an_id_number_in_an_evidence_file_name_is_masked(desk: Config) -> None:
    from cms_bridge.samples import png

    request_id = _approved(desk)
    login("pr1").post(f"/requests/{request_id}/record/", {"channel": "board", "published_on": "๒ ธันวาคม ๒๕๖๙",
                                                          "link": "", "title": "x",
                                                          "evidence": SimpleUploadedFile(f"{ID_NUMBER}.png",
                                                                                         png(20, 20))})
    page = login("clerk1").get(f"/requests/{request_id}/").content.decode()
    assert ID_NUMBER not in page


# --- login throttling ------------------------------------------------------------------------


def _fail(client: Client, username: str, times: int) -> list[int]:
    return [client.post("/login/", {"username": username, "password": "wrong-password"}).status_code
            for _ in range(times)]


def test_a_user_name_in_another_case_does_not_log_in(desk: Config) -> None:
    client = Client()
    response = client.post("/login/", {"username": "CLERK1", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_locked_account_stays_locked_when_the_name_is_padded_or_recased(desk: Config) -> None:
    client = Client()
    _fail(client, "clerk1", LOGIN_FAILURES)
    for variant in ("clerk1", " clerk1", "clerk1 "):
        response = client.post("/login/", {"username": variant, "password": PASSWORD})
        assert "_auth_user_id" not in client.session, variant
        assert response.status_code in (200, 429)


def test_a_forged_forwarded_for_header_does_not_reset_the_lockout(desk: Config) -> None:
    client = Client()
    codes = [client.post("/login/", {"username": "clerk1", "password": "wrong-password"},
                         HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(LOGIN_FAILURES + 2)]
    assert 429 in codes
    final = client.post("/login/", {"username": "clerk1", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert final.status_code == 429 and "_auth_user_id" not in client.session


# --- e-mail ------------------------------------------------------------------------------------


def test_a_title_with_html_or_header_breaks_reaches_mail_as_plain_text_only(desk: Config) -> None:
    from django.contrib.auth.models import User
    from django.core import mail
    from django.test import override_settings

    for user in User.objects.all():
        user.email = f"{user.username}@example-office.go.th"
        user.save()
    with override_settings(DESK_SENDS_MAIL=True, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []  # the in-memory outbox outlives a test: only this one's messages count
        clerk = login("clerk1")
        clerk.get("/requests/new/")
        response = clerk.post("/requests/new/", {**form_data(title=f"ประกาศ {HOSTILE}\r\nBcc: spy@evil.example"),
                                                 "attachments": upload("a.pdf", clean_pdf())})
        assert response.status_code in (302, 400)
        outbox = mail.outbox
        assert (response.status_code == 302) == bool(outbox)
        for message in outbox:
            assert not getattr(message, "alternatives", [])  # no HTML part to render the title in
            assert "\n" not in message.subject and "\r" not in message.subject
            assert message.bcc == [] and all("evil" not in a for a in message.recipients())


# --- replays ---------------------------------------------------------------------------------


def test_a_replayed_endorsement_is_refused(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    director = login("director1")
    assert director.post(f"/requests/{request_id}/endorse/", {"action": "endorse"}).status_code == 302
    before = events(desk, request_id)
    assert director.post(f"/requests/{request_id}/endorse/", {"action": "endorse"}).status_code == 403
    assert events(desk, request_id) == before


def test_a_replayed_record_of_a_posting_is_kept_once(desk: Config) -> None:
    request_id = _approved(desk)
    pr = login("pr1")
    post = {"channel": "board", "published_on": "๒ ธันวาคม ๒๕๖๙", "link": "บอร์ด", "title": "ประกาศตารางสอบ"}
    pr.post(f"/requests/{request_id}/record/", post)
    pr.post(f"/requests/{request_id}/record/", post)
    with Bridge(desk) as bridge:
        assert len(bridge.ledger.manual_publications()) == 1


def test_logout_is_not_done_by_a_get_from_another_site(desk: Config) -> None:
    clerk = login("clerk1")
    assert clerk.get("/logout/").status_code == 405
    assert clerk.get("/").status_code == 200


def test_a_file_replaced_in_an_edit_is_no_longer_downloadable(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    clerk = login("clerk1")
    clerk.get(f"/requests/{request_id}/edit/")
    response = clerk.post(f"/requests/{request_id}/edit/", {**form_data(), "remove": "ตาราง.pdf",
                                                            "attachments": upload("ใหม่.pdf", clean_pdf("new"))})
    assert response.status_code == 302
    assert clerk.get(f"/requests/{request_id}/files/ตาราง.pdf").status_code == 404
    assert clerk.get(f"/requests/{request_id}/files/ใหม่.pdf").status_code == 200


def test_a_post_from_another_origin_is_refused_even_with_a_good_token(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    director = login("director1", enforce_csrf_checks=True)
    page = director.get(f"/requests/{request_id}/")
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = director.post(f"/requests/{request_id}/endorse/", {"action": "endorse", "csrfmiddlewaretoken": token},
                             HTTP_ORIGIN="http://evil.example")
    assert response.status_code == 403
    with Bridge(desk) as bridge:
        assert bridge.ledger.get_request(request_id).endorsement is None
    # The same token from the desk's own origin works: the refusal above was the origin's.
    ok = director.post(f"/requests/{request_id}/endorse/", {"action": "endorse", "csrfmiddlewaretoken": token},
                       HTTP_ORIGIN="http://testserver")
    assert ok.status_code == 302


# --- accounts --------------------------------------------------------------------------------


def test_a_demoted_directors_open_session_loses_the_right_at_once(desk: Config) -> None:
    from cms_bridge.desk.users import set_role

    request_id = file_request(login("clerk1"))
    director = login("director1")
    set_role(desk, "director1", role="clerk", group="ict")
    assert director.post(f"/requests/{request_id}/endorse/", {"action": "endorse"}).status_code == 403
    with Bridge(desk) as bridge:
        assert bridge.ledger.get_request(request_id).endorsement is None


def test_a_removed_accounts_session_is_dead(desk: Config) -> None:
    from cms_bridge.desk.users import remove_user

    request_id = file_request(login("clerk1"))
    director = login("director1")
    remove_user("director1")
    response = director.post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_account_without_a_desk_role_may_do_nothing(desk: Config) -> None:
    from django.contrib.auth.models import User

    request_id = file_request(login("clerk1"))
    User.objects.create_user("bare", password=PASSWORD)
    bare = login("bare")
    for path in ("/", f"/requests/{request_id}/", f"/requests/{request_id}/memo.docx", "/live/"):
        assert bare.get(path).status_code == 403, path
    assert bare.post(f"/requests/{request_id}/decide/", {"decision": "approved"}).status_code == 403


def test_html_disguised_as_a_photo_is_not_kept_as_evidence(desk: Config) -> None:
    request_id = _approved(desk)
    login("pr1").post(f"/requests/{request_id}/record/", {
        "channel": "board", "published_on": "๒ ธันวาคม ๒๕๖๙", "link": "", "title": "x",
        "evidence": SimpleUploadedFile("board.png", b"<html><script>alert(1)</script></html>",
                                       content_type="image/png")})
    with Bridge(desk) as bridge:
        assert bridge.ledger.manual_publications() == []


def test_evidence_is_served_as_a_download_never_inline(desk: Config) -> None:
    from cms_bridge.samples import png

    request_id = _approved(desk)
    login("pr1").post(f"/requests/{request_id}/record/", {"channel": "board", "published_on": "๒ ธันวาคม ๒๕๖๙",
                                                          "link": "", "title": "x",
                                                          "evidence": SimpleUploadedFile("p.png", png(20, 20))})
    with Bridge(desk) as bridge:
        [manual] = bridge.ledger.manual_publications()
    got = login("chair").get(f"/requests/{request_id}/evidence/{manual.id}/p.png")
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    assert got["Content-Type"] == "image/png" and got["X-Content-Type-Options"] == "nosniff"


def test_an_edit_posted_without_opening_the_form_keeps_the_files(desk: Config) -> None:
    # A forged or replayed edit POST (no GET first, so nothing staged in the session).
    request_id = file_request(login("clerk1"))
    clerk = login("clerk1")
    response = clerk.post(f"/requests/{request_id}/edit/", form_data(title="แก้โดยไม่เปิดหน้า"))
    with Bridge(desk) as bridge:
        request = bridge.ledger.get_request(request_id)
    assert response.status_code in (302, 400)
    assert [a.path for a in request.attachments] == ["ตาราง.pdf"]


@pytest.mark.parametrize(("channel", "expected"), [("website", 0), ("social", 0)])
def test_pr_cannot_record_the_website_or_an_unasked_channel(desk: Config, channel: str, expected: int) -> None:
    request_id = _approved(desk)  # asked for the website and the board
    login("pr1").post(f"/requests/{request_id}/record/", {"channel": channel, "published_on": "๒ ธันวาคม ๒๕๖๙",
                                                          "title": "x"})
    with Bridge(desk) as bridge:
        assert len(bridge.ledger.manual_publications()) == expected


def test_pr_cannot_record_a_rejected_request(desk: Config) -> None:
    request_id = file_request(login("clerk1"))
    login("director1").post(f"/requests/{request_id}/endorse/", {"action": "endorse"})
    login("chair").post(f"/requests/{request_id}/decide/", {"decision": "rejected", "note": "ไม่ครบ"})
    response = login("pr1").post(f"/requests/{request_id}/record/", {"channel": "board",
                                                                     "published_on": "๒ ธันวาคม ๒๕๖๙", "title": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["clerk1", "chair", "pr1", "admin1"])
def test_only_a_group_director_downloads_a_groups_report(desk: Config, who: str) -> None:
    client = login(who)
    for fmt in ("docx", "xlsx"):
        assert client.get(f"/report/download.{fmt}").status_code == 403
