"""`cms-bridge audit` on the in-memory site: the walk, what is remembered, the report, the fix.

Files are made here with made-up ID numbers whose check digit holds (see test_ocr.py); every
output is checked for the whole number, in any grouping.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cms_bridge.audit import Audit
from cms_bridge.audit import fix, report
from cms_bridge.audit.masking import masked_copy
from cms_bridge.errors import AuditError, SiteError
from cms_bridge.intake.idguard import is_valid_id_number, scan_file
from cms_bridge.ledger.store import Ledger
from cms_bridge.samples import docx, text_pdf
from cms_bridge.wordpress.fake import FakeCms

from .conftest import Clock


def made_up_id(prefix: str) -> str:
    """A 13-digit made-up number starting with *prefix* whose check digit holds."""
    body = (prefix + "0" * 12)[:12]
    return next(body + str(d) for d in range(10) if is_valid_id_number(body + str(d)))


ID_A = made_up_id("110170020345")
ID_B = made_up_id("370050012233")
ID_C = made_up_id("520110099887")
GROUPED = lambda d: f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}"


def no_whole_id(text: str) -> None:
    digits = re.sub(r"[^0-9]", "", text)
    for number in (ID_A, ID_B, ID_C):
        assert number not in digits and GROUPED(number) not in text


def xlsx_with(cells: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in cells:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


T0 = datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def site(clock: Clock) -> FakeCms:
    fake = FakeCms(clock=clock)
    notice = fake.add_post(title="ประกาศรายชื่อ", status="publish")
    fake.add_media("รายชื่อนักเรียน.docx", docx(["รายชื่อผู้มีสิทธิ์", f"นายสมมุติ ทดลอง {GROUPED(ID_A)}"]),
                   parent=notice.id)
    sheet = fake.add_media("คะแนน.xlsx", xlsx_with([["ชื่อ", "เลข"], ["ทดสอบ", ID_B]]))
    fake.add_media("clean.pdf", text_pdf(["Annual report 2567", "No personal data here."]))
    fake.add_media("old-list.pdf", text_pdf([f"List {ID_C}"]), folder="2019/05")
    fake.add_media("video.mp4", b"\x00\x00\x00\x18ftypmp42", mime_type="video/mp4")
    fake.add_post(title="ข่าว", status="publish", content=f'<a href="{fake.media[sheet.id].url}">คะแนน</a>')
    fake.add_post(title="หน้าไฟล์", status="private", content=f'<a href="{fake.media[sheet.id].url}">x</a>',
                  post_type="page")
    return fake


@pytest.fixture
def ledger(tmp_path: Path, clock: Clock) -> Ledger:
    return Ledger(tmp_path / "ledger.sqlite3", clock=clock)


def by_name(result, name: str):
    return next(r for r in result.rows if r.item.filename == name)


def test_every_planted_id_is_found_masked_with_its_place_and_linking_posts(site: FakeCms, ledger: Ledger) -> None:
    result = Audit(site, ledger, workers=3).scan()
    assert {r.item.filename: r.verdict for r in result.rows} == {
        "รายชื่อนักเรียน.docx": "found", "คะแนน.xlsx": "found", "clean.pdf": "clean", "old-list.pdf": "found"}
    assert result.other_types == {"video/mp4": 1} and result.downloads == 4
    sheet = by_name(result, "คะแนน.xlsx")
    assert [(f.masked, f.page) for f in sheet.ids] == [(f"{ID_B[0]}-{ID_B[1:5]}-xxxxx-xx-{ID_B[12]}", "Sheet")]
    assert {(e.type, e.status, e.how) for e in sheet.linking} == {("post", "publish", "content"),
                                                                  ("page", "private", "content")}
    listed = by_name(result, "รายชื่อนักเรียน.docx")
    assert [e.how for e in listed.linking] == ["parent"]
    assert by_name(result, "old-list.pdf").ids[0].page == 1
    assert by_name(result, "clean.pdf").linking == ()  # clean files cost no search
    text = "\n".join(report.text_lines(result)) + "\n".join(report.text_lines(result, "th", all_files=True))
    no_whole_id(text)
    no_whole_id(report.write_json(result))
    assert json.loads(report.write_json(result))["summary"] == {"files": 4, "found": 3, "possible": 0, "unread": 0,
                                                                "clean": 1}


def test_the_workbook_has_thai_headers_one_row_per_finding_all_masked(site: FakeCms, ledger: Ledger,
                                                                     tmp_path: Path) -> None:
    result = Audit(site, ledger).scan()
    path = tmp_path / "audit.xlsx"
    report.write_xlsx(result, path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == report.XLSX_HEADERS
    assert len(rows) == 1 + 3 and {r[5] for r in rows[1:]} == {"เลขประจำตัวประชาชน"}
    no_whole_id(" ".join(str(c) for r in rows for c in r if c is not None))


def test_a_rerun_reads_no_unchanged_file_and_only_a_changed_one(site: FakeCms, ledger: Ledger) -> None:
    Audit(site, ledger).scan()
    before = site.requests["download"]
    again = Audit(site, ledger).scan()
    assert site.requests["download"] == before and again.downloads == 0 and again.remembered == 4
    assert [r.verdict for r in again.rows] == ["found", "found", "clean", "found"]
    clean = by_name(again, "clean.pdf")
    site.replace_media_file(clean.item.id, text_pdf([f"now with {ID_C}"]))
    third = Audit(site, ledger).scan()
    assert site.requests["download"] == before + 1 and third.downloads == 1
    assert by_name(third, "clean.pdf").verdict == "found"


def test_a_run_cut_off_by_a_failure_resumes_with_the_files_left(site: FakeCms, ledger: Ledger) -> None:
    urls = [m.url for m in sorted(site.media.values(), key=lambda m: m.id) if m.mime_type != "video/mp4"]
    site.fail("download", SiteError("the site failed", method="GET", url=urls[2], status=502), when=lambda u: u == urls[2])
    with pytest.raises(SiteError):
        Audit(site, ledger, workers=1).scan()
    kept = ledger.connection.execute("SELECT count(*) FROM audit_scans").fetchone()[0]
    assert kept == 2  # the two read before the failure
    site.requests["download"] = 0
    result = Audit(site, ledger, workers=1).scan()
    assert site.requests["download"] == 2 and result.downloads == 2 and len(result.rows) == 4


def test_a_file_over_the_cap_is_reported_not_read(site: FakeCms, ledger: Ledger) -> None:
    result = Audit(site, ledger, max_bytes=3000).scan()
    big = [r for r in result.rows if r.record.status == "too_large"]
    assert big and all(r.verdict == "unread" and "too large, not read" in (r.record.note or "") for r in big)
    assert any("ไฟล์ใหญ่เกิน ไม่ได้อ่าน" in line for line in report.text_lines(result, "th"))


def test_fix_plan_apply_and_rollback_restore_the_site(site: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    audit = Audit(site, ledger)
    rows = audit.scan().rows
    statuses = {p.id: p.status for p in site.posts.values()}
    media = {m.url: (m.data, m.parent, m.title) for m in site.media.values()}
    plan = fix.plan_fix(audit, all_found=True, rows=rows)
    kinds = [c.kind for c in plan.changes]
    assert kinds.count("entry_status") == 2 and kinds.count("remove_file") == 3  # the private page stays
    assert any("cannot come back" in n and "old-list.pdf" in n for n in plan.notes)
    run_id, copies = fix.apply_fix(audit, plan, masked_dir=tmp_path / "masked")
    assert {p.status for p in site.posts.values() if p.title in ("ประกาศรายชื่อ", "ข่าว")} == {"draft"}
    found_urls = [r.item.url for r in rows if r.verdict == "found"]
    assert all(site.public_file(url) is None for url in found_urls)
    assert any("masked copy written" in c for c in copies) and any("no masked copy: PDF" in c for c in copies)
    for copy in (tmp_path / "masked").iterdir():
        assert not [f for f in scan_file(copy) if f.kind == "id_number"]
    no_whole_id("\n".join(fix.describe(fix.FixJournal(ledger).changes(run_id))))
    lines, conflicts = fix.rollback_fix(audit, run_id)
    assert conflicts == []
    assert {p.id: p.status for p in site.posts.values()} == statuses
    assert any("NEW address" in line for line in lines)  # the 2019 file comes back in this month's folder
    back = {m.url: (m.data, m.parent, m.title) for m in site.media.values()}
    old = next(u for u in found_urls if "2019/05" in u)
    assert {u: v for u, v in back.items() if u in media} == {u: v for u, v in media.items() if u != old}
    assert fix.FixJournal(ledger).get(run_id).status == "rolled_back"


def test_possible_numbers_are_taken_down_only_when_named(site: FakeCms, ledger: Ledger) -> None:
    audit = Audit(site, ledger)
    rows = audit.scan().rows
    clean = by_name_rows(rows, "clean.pdf")
    with pytest.raises(AuditError, match="nothing found"):
        fix.plan_fix(audit, files=[clean.item.id], rows=rows)
    with pytest.raises(AuditError, match="choose files"):
        fix.plan_fix(audit, rows=rows)
    sheet = by_name_rows(rows, "คะแนน.xlsx")
    plan = fix.plan_fix(audit, files=[sheet.item.id], rows=rows)
    assert [c.target for c in plan.changes if c.kind == "remove_file"] == [sheet.item.id]


def by_name_rows(rows, name: str):
    return next(r for r in rows if r.item.filename == name)


def test_a_fix_cut_off_resumes_from_its_journal(site: FakeCms, ledger: Ledger) -> None:
    audit = Audit(site, ledger)
    plan = fix.plan_fix(audit, all_found=True)
    site.fail("delete_media", times=1)
    with pytest.raises(SiteError):
        fix.apply_fix(audit, plan)
    journal = fix.FixJournal(ledger)
    run = journal.running()
    assert run is not None and [c.state for c in journal.changes(run.run_id)][:2] == ["done", "done"]
    run_id, _ = fix.apply_fix(audit, None)
    assert run_id == run.run_id and {c.state for c in journal.changes(run_id)} == {"done"}
    assert site.requests["set_entry_status"] == 2  # nothing done twice


def test_masking_a_docx_leaves_no_number_and_a_split_one_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "a.docx"
    source.write_bytes(docx([f"เลขประจำตัว {ID_A} ของผู้สมัคร"]))
    written, why = masked_copy(source, tmp_path / "out" / "a.docx", "a.docx")
    assert written, why
    assert [f.kind for f in scan_file(tmp_path / "out" / "a.docx") if f.kind == "id_number"] == []
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(text_pdf([ID_A]))
    assert masked_copy(pdf, tmp_path / "out" / "b.pdf", "b.pdf") == (False, report_note("pdf"))


def report_note(kind: str) -> str:
    from cms_bridge.audit.masking import NOT_MASKABLE

    return NOT_MASKABLE[kind]


def test_the_command_prints_masked_findings_and_exits_1(site: FakeCms, tmp_path: Path, monkeypatch, capsys) -> None:
    from cms_bridge.cli import main

    config = tmp_path / "cms-bridge.toml"
    config.write_text('[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n\n'
                      f'[sync]\nledger = "{tmp_path / "ledger.sqlite3"}"\n', encoding="utf-8")
    monkeypatch.setenv("CMS_BRIDGE_SITE_APP_PASSWORD", "abcd EFGH 1234 ijkl MNOP 5678")
    monkeypatch.setattr("cms_bridge.bridge.connect", lambda config: site)
    assert main(["--config", str(config), "--lang", "th", "audit", "--xlsx", str(tmp_path / "a.xlsx")]) == 1
    out = capsys.readouterr().out
    assert "พบเลขประจำตัวประชาชน" in out and "ไฟล์ 4 ไฟล์" in out
    no_whole_id(out)
    assert main(["--config", str(config), "audit", "plan", "--file", "99999"]) == 1
    assert "not in the media library" in capsys.readouterr().err


def test_rescan_reads_every_file_again(site: FakeCms, ledger: Ledger) -> None:
    Audit(site, ledger).scan()
    before = site.requests["download"]
    result = Audit(site, ledger).scan(rescan=True)
    assert result.downloads == 4 and site.requests["download"] == before + 4


def test_a_file_still_served_after_its_removal_stops_the_fix_unmarked(site: FakeCms, ledger: Ledger,
                                                                      monkeypatch) -> None:
    audit = Audit(site, ledger)
    sheet = by_name(audit.scan(), "คะแนน.xlsx")
    plan = fix.plan_fix(audit, files=[sheet.item.id])
    # A cache in front of the site, or a delete the server ignored: the address still answers.
    monkeypatch.setattr(site, "delete_media", lambda media_id: None)
    with pytest.raises(AuditError, match="still served"):
        fix.apply_fix(audit, plan)
    journal = fix.FixJournal(ledger)
    run = journal.running()
    assert run is not None
    assert [c.state for c in journal.changes(run.run_id) if c.kind == "remove_file"] == ["planned"]
    assert ledger.files.has(sheet.record.sha256)  # the bytes were kept before the delete


def test_a_file_changed_since_the_audit_is_refused(site: FakeCms, ledger: Ledger) -> None:
    audit = Audit(site, ledger)
    sheet = by_name(audit.scan(), "คะแนน.xlsx")
    plan = fix.plan_fix(audit, files=[sheet.item.id])
    site.replace_media_file(sheet.item.id, xlsx_with([["แก้แล้ว"]]))
    with pytest.raises(AuditError, match="changed since it was audited"):
        fix.apply_fix(audit, plan)



def test_rollback_leaves_a_post_edited_since_the_fix_unless_forced(site: FakeCms, ledger: Ledger) -> None:
    audit = Audit(site, ledger)
    sheet = by_name(audit.scan(), "คะแนน.xlsx")
    run_id, _ = fix.apply_fix(audit, fix.plan_fix(audit, files=[sheet.item.id]))
    news = next(p for p in site.posts.values() if p.title == "ข่าว")
    site.edit_post(news.id, status="private")  # the editor chose private meanwhile
    lines, conflicts = fix.rollback_fix(audit, run_id)
    assert site.posts[news.id].status == "private"
    assert len(conflicts) == 1 and "now private" in conflicts[0]
    assert site.public_file(sheet.item.url) is not None  # the file is back all the same
    journal = fix.FixJournal(ledger)
    assert [c.state for c in journal.changes(run_id)] == ["done", "undone"]
    lines, conflicts = fix.rollback_fix(audit, run_id, force=True)
    assert conflicts == [] and site.posts[news.id].status == "publish"
