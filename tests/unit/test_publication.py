"""PublicationRequest: every field of the request form, normalisation, approval, version hash.

People and numbers are made up.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from cms_bridge.errors import CmsBridgeError
from cms_bridge.mappings import load_mappings
from cms_bridge.intake.request import FIELD_LABELS, PublicationRequest, RequestError
from cms_bridge.windows import FiscalYearWindow, PermanentWindow, RangeWindow

ICT = timezone(timedelta(hours=7))


def form(**changes: Any) -> dict[str, Any]:
    """A complete request as it would come from a TOML file; *changes* replace top-level keys."""
    data: dict[str, Any] = {
        "request_id": "pr-2567-0042",
        "document_number": "ศธ 04241/123",
        "request_date": "2024-05-20",
        "requester": {"name": "นางสาวทดลอง ใจดี", "position": "นักวิชาการพัสดุ"},
        "group": "finance",
        "title": "ประกาศผลการจัดซื้อจัดจ้าง เดือนเมษายน 2567",
        "purpose": "เผยแพร่ผลการจัดซื้อจัดจ้างประจำเดือน",
        "kind": "procurement",
        "channels": ["website", "board"],
        "window": {"kind": "fiscal_year", "fiscal_year": 2567},
        "attachments": [{"path": "files/summary.pdf", "title": "สรุปผล"}],
        "body": "สรุปผลการจัดซื้อจัดจ้าง\nรายละเอียดตามไฟล์แนบ",
        "source": "กลุ่มบริหารการเงินและสินทรัพย์",
        "endorsement": {"name": "นายสมมุติ ตัวอย่าง", "position": "ผู้อำนวยการกลุ่ม", "date": "2024-05-21"},
        "decision": {
            "status": "approved",
            "by": "นายผู้อนุมัติ สมมติ",
            "position": "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
            "at": "2024-05-22T16:30:00+07:00",
        },
    }
    data.update(changes)
    return data


def request(**changes: Any) -> PublicationRequest:
    return PublicationRequest.model_validate(form(**changes))


def tone_before_vowel(text: str) -> str:
    """*text* with mai ek typed before sara u; NFC restores the canonical order."""
    return text.replace("\u0e38\u0e48", "\u0e48\u0e38")


# --- the form ------------------------------------------------------------------------------


def test_a_complete_form_is_read_field_by_field() -> None:
    r = request()
    assert r.request_date == date(2024, 5, 20)
    assert (r.requester.name, r.requester.position) == ("นางสาวทดลอง ใจดี", "นักวิชาการพัสดุ")
    assert r.channels == {"website", "board"}
    assert r.window == FiscalYearWindow(fiscal_year=2567)
    assert r.attachments[0].path == "files/summary.pdf"
    assert r.endorsement is not None and r.endorsement.date == date(2024, 5, 21)
    assert r.decision.at == datetime(2024, 5, 22, 9, 30, tzinfo=timezone.utc)


def test_dates_may_be_written_the_thai_way() -> None:
    r = request(request_date="๒๐ พ.ค. ๒๕๖๗", window={"kind": "range", "start": "2024-06-01", "end": "2024-06-30"})
    assert r.request_date == date(2024, 5, 20)
    assert r.window == RangeWindow(start=date(2024, 6, 1), end=date(2024, 6, 30))


def test_every_field_has_a_thai_label_and_the_form_words_are_used() -> None:
    assert set(PublicationRequest.model_fields) <= set(FIELD_LABELS)
    assert FIELD_LABELS["title"] == "เรื่อง"
    assert FIELD_LABELS["purpose"] == "เพื่อ"
    assert FIELD_LABELS["group"] == "กลุ่ม/หน่วย"
    assert FIELD_LABELS["channels"] == "ช่องทางเผยแพร่"
    assert FIELD_LABELS["window"] == "ระยะเวลาในการเผยแพร่"
    assert FIELD_LABELS["decision"] == "คำสั่ง"


@pytest.mark.parametrize("request_id", ["pr-2567-0042", "abc", "0-a", "a" * 64])
def test_ascii_slug_request_ids_are_accepted(request_id: str) -> None:
    assert request(request_id=request_id).request_id == request_id


@pytest.mark.parametrize(
    "request_id", ["PR-2567-1", "ab", "-pr-1", "pr_2567", "คำขอ-1", "pr 1", "a" * 65, "pr-1\n"]
)
def test_ids_that_are_not_slugs_are_refused(request_id: str) -> None:
    with pytest.raises(ValidationError, match="request_id"):
        request(request_id=request_id)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        request(titel="typo")


# --- group and kind ------------------------------------------------------------------------


def test_thai_group_and_kind_names_are_stored_as_keys_with_mappings() -> None:
    data = form(group="กลุ่มบริหารการเงินและสินทรัพย์", kind="ข้อมูลการจัดซื้อจัดจ้าง และรายงานผลการจัดซื้อจัดจ้าง")
    r = PublicationRequest.model_validate(data, context={"mappings": load_mappings()})
    assert (r.group, r.kind) == ("finance", "procurement")
    by_number = PublicationRequest.model_validate(form(kind="๑.๙"), context={"mappings": load_mappings()})
    assert by_number.kind == "procurement"


def test_unknown_group_with_mappings_lists_valid_keys() -> None:
    with pytest.raises(ValidationError) as info:
        PublicationRequest.model_validate(form(group="กลุ่มสมมติ"), context={"mappings": load_mappings()})
    assert "group" in str(info.value) and "finance" in str(info.value) and "ict" in str(info.value)


def test_thai_group_name_without_mappings_asks_for_them() -> None:
    with pytest.raises(ValidationError, match="mappings"):
        request(group="กลุ่มบริหารการเงินและสินทรัพย์")


# --- channels ------------------------------------------------------------------------------


def test_channels_accept_the_form_words_and_collapse_repeats() -> None:
    r = request(channels=["เว็บไซต์", "สื่อสังคมออนไลน์", "website"])
    assert r.channels == {"website", "social"}


@pytest.mark.parametrize("channels", [[], ["newspaper"], ["website", "fax"]])
def test_no_channel_or_an_unknown_channel_is_refused(channels: list[str]) -> None:
    with pytest.raises(ValidationError, match="channels"):
        request(channels=channels)


# --- text ----------------------------------------------------------------------------------


def test_text_is_nfc_and_stripped() -> None:
    r = request(title="  " + tone_before_vowel("ประชุมกลุ่มงาน") + "\t ", purpose=tone_before_vowel("กลุ่ม"))
    assert r.title == "ประชุมกลุ่มงาน"
    assert r.purpose == "กลุ่ม"
    assert unicodedata.is_normalized("NFC", r.title)


def test_html_in_a_title_is_kept_as_literal_text() -> None:
    title = '<script>alert("x")</script> & <b>ประกาศ</b>'
    assert request(title=title).title == title


@pytest.mark.parametrize("bad", ["ประกาศ\nบรรทัดสอง", "ประกาศ\x00", "ประกาศ\x1b[31m", "a\u2028b"])
def test_control_characters_and_line_breaks_are_refused_in_a_title(bad: str) -> None:
    with pytest.raises(ValidationError, match="title"):
        request(title=bad)


def test_body_keeps_newlines_and_tabs_but_not_other_controls() -> None:
    assert request(body="บรรทัด 1\r\n\tบรรทัด 2").body == "บรรทัด 1\n\tบรรทัด 2"
    with pytest.raises(ValidationError, match="body"):
        request(body="เนื้อหา\x07")


def test_empty_required_text_is_refused_and_empty_optional_text_is_none() -> None:
    with pytest.raises(ValidationError, match="purpose"):
        request(purpose="   ")
    assert request(source="  ", body="").source is None


# --- attachments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../secret.pdf", "files/../../x.pdf", "C:\\docs\\a.pdf", "..\\a.pdf", "."]
)
def test_attachment_paths_must_stay_inside_the_request_folder(path: str) -> None:
    with pytest.raises(ValidationError, match="attachments"):
        request(attachments=[{"path": path}])


def test_windows_separators_and_dot_segments_are_normalised() -> None:
    r = request(attachments=[{"path": "files\\2567\\a.pdf"}, {"path": "./b.docx"}])
    assert [a.path for a in r.attachments] == ["files/2567/a.pdf", "b.docx"]


def test_images_must_be_jpg_or_png_and_listed_once() -> None:
    assert request(images=[{"path": "photos/1.JPG"}]).images[0].path == "photos/1.JPG"
    with pytest.raises(ValidationError, match="images"):
        request(images=[{"path": "photos/1.pdf"}])
    with pytest.raises(ValidationError, match="twice"):
        request(attachments=[{"path": "a.pdf"}, {"path": "./a.pdf"}])


def test_declared_file_count_must_match_the_files() -> None:
    assert request(file_count=2, images=[{"path": "p.png"}]).file_count == 2
    with pytest.raises(ValidationError, match="3 file"):
        request(file_count=3)


# --- decision and approval -----------------------------------------------------------------


@pytest.mark.parametrize("status", ["approved", "rejected"])
@pytest.mark.parametrize("missing", ["by", "at"])
def test_a_decision_needs_who_and_when(status: str, missing: str) -> None:
    decision = {"status": status, "by": "นายผู้อนุมัติ สมมติ", "at": "2024-05-22T16:30:00+07:00"}
    del decision[missing]
    with pytest.raises(ValidationError, match=missing):
        request(decision=decision)


def test_decision_time_must_be_aware() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        request(decision={"status": "approved", "by": "นายผู้อนุมัติ สมมติ", "at": "2024-05-22T16:30:00"})


def test_decision_before_the_request_date_is_refused() -> None:
    # 19 May 23:30 UTC is 20 May in Bangkok, the request date: allowed; one hour earlier is not.
    assert request(decision={"status": "approved", "by": "ก", "at": "2024-05-19T17:30:00+00:00"}).is_approved
    with pytest.raises(ValidationError, match="before the request date"):
        request(decision={"status": "approved", "by": "ก", "at": "2024-05-19T16:30:00+00:00"})


def test_approval_time_only_for_an_approved_request() -> None:
    approved = request()
    assert approved.is_approved
    assert approved.approval_time() == datetime(2024, 5, 22, 16, 30, tzinfo=ICT)
    for decision in ({"status": "pending"}, {"status": "rejected", "by": "ก", "at": "2024-05-22T10:00:00+07:00"}):
        r = request(decision=decision)
        assert not r.is_approved
        with pytest.raises(RequestError, match="pr-2567-0042"):
            r.approval_time()
    assert issubclass(RequestError, CmsBridgeError)


def test_a_request_without_a_decision_is_pending() -> None:
    data = form()
    del data["decision"]
    r = PublicationRequest.model_validate(data)
    assert r.decision.status == "pending" and not r.is_approved


def test_id_number_acknowledgement_needs_who_and_why() -> None:
    ack = request(id_number_acknowledgement={"by": "นายผู้ตรวจ สมมติ", "reason": "ประกาศรายชื่อผู้มีสิทธิ์สอบ"})
    assert ack.id_number_acknowledgement is not None
    for bad in ({"by": "นายผู้ตรวจ สมมติ", "reason": " "}, {"reason": "เหตุผล"}):
        with pytest.raises(ValidationError, match="id_number_acknowledgement"):
            request(id_number_acknowledgement=bad)


# --- version hash --------------------------------------------------------------------------


def test_version_hash_ignores_the_decision_and_input_order() -> None:
    pending = request(decision={"status": "pending"}, channels=["board", "website"])
    assert pending.version_hash() == request().version_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", pending.version_hash())


@pytest.mark.parametrize(
    "amendment",
    [
        {"title": "ประกาศผลการจัดซื้อจัดจ้าง เดือนพฤษภาคม 2567"},
        {"window": {"kind": "permanent"}},
        {"channels": ["website"]},
        {"attachments": [{"path": "files/summary-v2.pdf", "title": "สรุปผล"}]},
        {"body": None},
        {"id_number_acknowledgement": {"by": "นายผู้ตรวจ สมมติ", "reason": "จำเป็น"}},
    ],
)
def test_any_amendment_changes_the_version_hash(amendment: dict[str, Any]) -> None:
    assert request(**amendment).version_hash() != request().version_hash()


def test_version_hash_is_the_same_in_fresh_processes_with_other_hash_seeds() -> None:
    # Sets iterate in an order that depends on PYTHONHASHSEED; the hash must not.
    code = (
        "import json, sys\n"
        "from cms_bridge.intake.request import PublicationRequest\n"
        "print(PublicationRequest.model_validate(json.loads(sys.stdin.read())).version_hash())\n"
    )
    data = json.dumps(form(channels=["social", "board", "website"]))
    expected = request(channels=["social", "board", "website"]).version_hash()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], input=data, capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip() == expected


def test_requests_are_immutable() -> None:
    r = request()
    with pytest.raises(ValidationError):
        r.title = "อื่น"  # type: ignore[misc]
    assert isinstance(request(window={"kind": "permanent"}).window, PermanentWindow)
