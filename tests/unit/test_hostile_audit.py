"""Hostile review of `cms-bridge audit`, `audit fix`/rollback and the embargo before a window opens.

A careless or hostile ICT officer, a visitor and a crafted media library attack the in-memory
site. Each hole found is a test marked ``xfail(strict=True, reason="BREAK: ...")``: it asserts
what should hold and fails today, so the day it is fixed the suite says so. The other tests are
attacks the product withstood. The ID numbers are made up (check digit valid, see test_audit.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook

from cms_bridge.audit import Audit, fix, report
from cms_bridge.audit.masking import masked_copy
from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.daemon import Daemon
from cms_bridge.errors import LedgerError
from cms_bridge.intake.idguard import scan_file
from cms_bridge.ledger.store import Ledger
from cms_bridge.samples import docx, text_pdf
from cms_bridge.thaidate import to_thai_digits
from cms_bridge.wordpress.fake import FakeCms

from .conftest import Clock
from .test_audit import GROUPED, made_up_id, xlsx_with
from .test_fake_sync import NOW, bridge, inbox, make_config, post_of, run, site, site_clock, write_request

__all__ = ["bridge", "inbox", "site", "site_clock"]  # fixtures, used by name

ID_A = made_up_id("110170020345")
ID_B = made_up_id("370050012233")
ID_C = made_up_id("520110099887")
T0 = datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)


def holds_whole_id(text: str) -> bool:
    """True when *text* shows one of the made-up numbers whole, in any grouping or digits."""
    digits = re.sub(r"[^0-9]", "", to_arabic(unquote(text)))
    return any(number in digits for number in (ID_A, ID_B, ID_C))


def to_arabic(text: str) -> str:
    return text.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def lib(clock: Clock) -> FakeCms:
    return FakeCms(clock=clock)


@pytest.fixture
def ledger(tmp_path: Path, clock: Clock) -> Ledger:
    return Ledger(tmp_path / "ledger.sqlite3", clock=clock)


def row_of(result, media_id: int):
    return next(r for r in result.rows if r.item.id == media_id)


def verdicts(result) -> dict[str, str]:
    return {r.item.filename: r.verdict for r in result.rows}


# -- audit: files that might escape -----------------------------------------------------------


def test_a_csv_list_of_students_is_read(lib: FakeCms, ledger: Ledger) -> None:
    lib.add_media("students.csv", f"ชื่อ,เลขประจำตัว\nสมมุติ ทดลอง,{ID_A}\n".encode(), mime_type="text/csv")
    result = Audit(lib, ledger).scan()
    assert verdicts(result).get("students.csv") == "found"


def test_a_pdf_recorded_with_a_generic_type_is_read(lib: FakeCms, ledger: Ledger) -> None:
    lib.add_media("คำสั่ง.pdf", text_pdf([f"Order {ID_A}"]), mime_type="application/octet-stream")
    assert verdicts(Audit(lib, ledger).scan()).get("คำสั่ง.pdf") == "found"


@pytest.mark.parametrize(("name", "mime"), [("รายชื่อ.doc", "application/msword"),
                                            ("คะแนน.xls", "application/vnd.ms-excel")])
def test_an_old_office_file_is_at_least_flagged_for_a_person(lib: FakeCms, ledger: Ledger, name: str,
                                                             mime: str) -> None:
    lib.add_media(name, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + ID_A.encode("utf-16-le"), mime_type=mime)
    assert verdicts(Audit(lib, ledger).scan()).get(name) in ("found", "unread")


def test_an_id_in_the_attachments_own_text_is_reported(lib: FakeCms, ledger: Ledger) -> None:
    media = lib.add_media("photo.pdf", text_pdf(["Activity"]))
    lib.media[media.id].caption = f"นายสมมุติ ทดลอง {GROUPED(ID_A)}"
    assert row_of(Audit(lib, ledger).scan(), media.id).verdict == "found"


def test_odd_but_accepted_names_and_places_are_read(lib: FakeCms, ledger: Ledger) -> None:
    # Upper-case extension, the "image/jpg" some uploaders record, a 2016 folder, a Thai name
    # (percent-encoded in its URL), a number wrapped over lines and one in Thai digits.
    upper = lib.add_media("LIST.PDF", text_pdf([f"List {ID_A}"]), mime_type="application/pdf")
    old = lib.add_media("รายชื่อ ผู้สมัคร.pdf", text_pdf([f"No. {ID_B[:6]}\n{ID_B[6:]} end"]), folder="2016/03")
    thai = lib.add_media("ประกาศ.docx", docx([f"เลขประจำตัว {to_thai_digits(GROUPED(ID_C))}"]))
    result = Audit(lib, ledger).scan()
    assert {row_of(result, m.id).verdict for m in (upper, old, thai)} == {"found"}
    assert "%" in lib.media[old.id].url and "2016/03" in lib.media[old.id].url
    assert not holds_whole_id("\n".join(report.text_lines(result))) and not holds_whole_id(report.write_json(result))


def test_crafted_files_do_not_stop_the_run(lib: FakeCms, ledger: Ledger) -> None:
    # A broken PDF, a DOCX whose one part inflates past the extractor's cap (a small zip bomb),
    # a PNG claiming 60000 x 60000 pixels: each is reported for a person; the others are read.
    lib.add_media("broken.pdf", b"%PDF-1.4\n1 0 obj << /Length 99999 >> stream\nxx", mime_type="application/pdf")
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx(["x"]))) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr("word/header1.xml", b"<w:hdr>" + b" " * (65 * 1024 * 1024) + b"</w:hdr>")
    lib.add_media("bomb.docx", bomb.getvalue())
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (60000).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    lib.add_media("huge.png", header + b"\x00" * 16, mime_type="image/png")
    lib.add_media("list.pdf", text_pdf([f"List {ID_A}"]))
    result = Audit(lib, ledger, workers=2).scan()
    got = verdicts(result)
    assert got["list.pdf"] == "found"
    assert got["broken.pdf"] == got["bomb.docx"] == got["huge.png"] == "unread"
    assert len(bomb.getvalue()) < 1024 * 1024  # what was uploaded was small


# -- audit: outputs that might show a number whole --------------------------------------------


def linked_by_a_post_titled_with_an_id(lib: FakeCms) -> tuple[int, int]:
    post = lib.add_post(title=f"ประกาศผล นายสมมุติ {ID_B}", status="publish")
    media = lib.add_media("ผล.pdf", text_pdf([f"List {ID_A}"]), parent=post.id)
    return post.id, media.id


def test_the_workbook_masks_a_linking_posts_title(lib: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    linked_by_a_post_titled_with_an_id(lib)
    result = Audit(lib, ledger).scan()
    report.write_xlsx(result, tmp_path / "a.xlsx")
    cells = " ".join(str(c.value) for sheet in load_workbook(tmp_path / "a.xlsx")
                     for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "ประกาศผล" in cells and not holds_whole_id(cells)


def test_the_api_masks_a_linking_posts_title(lib: FakeCms, ledger: Ledger) -> None:
    _, media_id = linked_by_a_post_titled_with_an_id(lib)
    audit = Audit(lib, ledger)
    result = audit.scan()
    assert not holds_whole_id("\n".join(fix.describe(fix.plan_fix(audit, files=[media_id], rows=result.rows))))
    assert not holds_whole_id("\n".join(report.text_lines(result)) + report.write_json(result))


def test_the_command_masks_a_linking_posts_title_on_the_terminal(lib: FakeCms, tmp_path: Path, monkeypatch,
                                                                 capsys) -> None:
    from cms_bridge.cli import main

    _, media_id = linked_by_a_post_titled_with_an_id(lib)
    config = tmp_path / "cms-bridge.toml"
    config.write_text('[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n\n'
                      f'[sync]\nledger = "{tmp_path / "ledger.sqlite3"}"\n', encoding="utf-8")
    monkeypatch.setenv("CMS_BRIDGE_SITE_APP_PASSWORD", "abcd EFGH 1234 ijkl MNOP 5678")
    monkeypatch.setattr("cms_bridge.bridge.connect", lambda config: lib)
    outputs = []
    for args in (["audit"], ["audit", "--json"], ["audit", "plan", "--file", str(media_id)]):
        main(["--config", str(config), *args])
        outputs.append(capsys.readouterr())
    text = "\n".join(o.out + o.err for o in outputs)
    assert "ประกาศผล" in text and not holds_whole_id(text)


def test_the_ledger_never_holds_a_whole_number(lib: FakeCms, ledger: Ledger) -> None:
    post = lib.add_post(title="ประกาศ", status="publish")
    media = lib.add_media(f"ใบสมัคร-{ID_A}.pdf", text_pdf([f"x {ID_A}"]), parent=post.id)
    audit = Audit(lib, ledger)
    run_id, _ = fix.apply_fix(audit, fix.plan_fix(audit, files=[media.id]))
    assert not holds_whole_id("\n".join(ledger.connection.iterdump()))
    assert lib.media == {} or media.id not in lib.media
    # The journal still knows the file whole (kept in the file store, 0600): rollback puts it
    # back under its own name, and the ledger still holds no whole number.
    _, conflicts = fix.rollback_fix(audit, run_id)
    assert conflicts == []
    [back] = lib.media.values()
    assert back.filename == f"ใบสมัคร-{ID_A}.pdf" and back.data == text_pdf([f"x {ID_A}"])
    assert not holds_whole_id("\n".join(ledger.connection.iterdump()))


def test_the_scan_records_never_hold_a_whole_number_and_still_resume(lib: FakeCms, ledger: Ledger) -> None:
    lib.add_media(f"ใบสมัคร-{ID_A}.pdf", text_pdf([f"x {ID_A}"]))
    Audit(lib, ledger).scan()
    rows = [" ".join(map(str, tuple(r))) for r in ledger.connection.execute("SELECT * FROM audit_scans")]
    assert rows and not holds_whole_id("\n".join(rows))
    again = Audit(lib, ledger).scan()  # keyed by the address's digest: nothing is read again
    assert again.downloads == 0 and again.remembered == 1 and again.rows[0].verdict == "found"


def test_every_printed_name_and_address_of_a_file_named_by_a_number_is_masked(lib: FakeCms, ledger: Ledger,
                                                                             tmp_path: Path) -> None:
    # The file's own name and address are masked everywhere the command writes them, masked
    # copies' names included.
    media = lib.add_media(f"{GROUPED(ID_A).replace('-', '_')}.docx", docx([f"เลข {ID_A}"]))
    audit = Audit(lib, ledger)
    result = audit.scan()
    report.write_xlsx(result, tmp_path / "a.xlsx")
    cells = " ".join(str(c.value) for sheet in load_workbook(tmp_path / "a.xlsx")
                     for row in sheet.iter_rows() for c in row if c.value is not None)
    plan = fix.plan_fix(audit, files=[media.id], rows=result.rows)
    _, copies = fix.apply_fix(audit, plan, masked_dir=tmp_path / "masked")
    written = [p.name for p in (tmp_path / "masked").iterdir()]
    for text in ("\n".join(report.text_lines(result)), report.write_json(result), cells,
                 "\n".join(fix.describe(plan)), "\n".join(copies), " ".join(written)):
        assert not holds_whole_id(text), text
    assert written


# -- masked copies --------------------------------------------------------------------------


def docx_with_parts(extra: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx(["รายชื่อ", f"นาย ก {ID_A}"]))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            if info.filename not in extra:
                copy.writestr(info, source.read(info))
        for name, text in extra.items():
            copy.writestr(name, text)
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@pytest.mark.parametrize("extra", [
    {"docProps/core.xml": '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                          'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                          f"<dc:title>ใบสมัคร {ID_B}</dc:title></cp:coreProperties>"},
    {"word/comments.xml": f"<w:comments {W}><w:comment w:id=\"0\"><w:p><w:r><w:t>ตรวจ {ID_B}</w:t></w:r></w:p>"
                          "</w:comment></w:comments>"},
    {"word/footer1.xml": f"<w:ftr {W}><w:p><w:r><w:t>{GROUPED(ID_B)}</w:t></w:r></w:p></w:ftr>"},
], ids=["core-properties", "comment", "footer"])
def test_a_masked_docx_copy_never_holds_a_number(tmp_path: Path, extra: dict[str, str]) -> None:
    source = tmp_path / "a.docx"
    source.write_bytes(docx_with_parts(extra))
    target = tmp_path / "out" / "a.docx"
    written, why = masked_copy(source, target, "a.docx")
    if written:
        assert not [f for f in scan_file(target) if f.kind == "id_number"]
        with zipfile.ZipFile(target) as copy:
            assert not any(holds_whole_id(copy.read(n).decode("utf-8", "replace")) for n in copy.namelist())
    else:
        assert not target.exists() and "no masked copy" in why


def xlsx_numbers_and_sheet(sheet_name: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if sheet_name:
        sheet.title = sheet_name
    sheet.append(["ชื่อ", "เลขประจำตัว"])
    sheet.append(["สมมุติ", int(ID_A)])  # typed as a number, as Excel keeps most ID columns
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_masked_xlsx_copy_never_holds_a_number(tmp_path: Path) -> None:
    for n, data in enumerate((xlsx_numbers_and_sheet(), xlsx_numbers_and_sheet(ID_B),
                              xlsx_with([["x", GROUPED(ID_A)]]))):
        source, target = tmp_path / f"{n}.xlsx", tmp_path / "out" / f"{n}.xlsx"
        source.write_bytes(data)
        written, _ = masked_copy(source, target, source.name)
        if written:
            with zipfile.ZipFile(target) as copy:
                assert not any(holds_whole_id(copy.read(p).decode("utf-8", "replace")) for p in copy.namelist())
        else:
            assert not target.exists()


def test_an_xlsx_with_numeric_id_cells_gets_a_masked_copy(tmp_path: Path) -> None:
    source = tmp_path / "a.xlsx"
    source.write_bytes(xlsx_numbers_and_sheet())
    written, why = masked_copy(source, tmp_path / "out" / "a.xlsx", "a.xlsx")
    assert written, why
    cells = [[c.value for c in row] for row in load_workbook(tmp_path / "out" / "a.xlsx").active.iter_rows()]
    assert cells == [["ชื่อ", "เลขประจำตัว"], ["สมมุติ", "1-1017-xxxxx-xx-0"]]


# -- audit fix and rollback -----------------------------------------------------------------


def library_with_a_shared_file(lib: FakeCms) -> dict[str, int]:
    parent = lib.add_post(title="คำสั่ง", status="publish")
    media = lib.add_media("คำสั่ง.pdf", text_pdf([f"Order {ID_A}"]), parent=parent.id)
    url = lib.media[media.id].url
    link = f'<a href="{url}">คำสั่ง</a>'
    return {
        "media": media.id, "parent": parent.id,
        "other": lib.add_post(title="ข่าว", status="publish", content=link).id,
        "future": lib.add_post(title="ล่วงหน้า", status="future", content=link,
                               date=T0 + timedelta(days=3)).id,
        "private": lib.add_post(title="ภายใน", status="private", content=link, post_type="page").id,
        "trashed": lib.add_post(title="ถังขยะ", status="trash", content=link).id,
        "draft": lib.add_post(title="ร่าง", status="draft", content=link).id,
    }


def statuses(lib: FakeCms) -> dict[int, str]:
    return {p.id: p.status for p in lib.posts.values()}


def test_a_file_linked_by_many_entries_is_taken_down_and_back_exactly(lib: FakeCms, ledger: Ledger) -> None:
    ids = library_with_a_shared_file(lib)
    before = statuses(lib)
    data = lib.media[ids["media"]].data
    audit = Audit(lib, ledger)
    run_id, _ = fix.apply_fix(audit, fix.plan_fix(audit, all_found=True))
    after = statuses(lib)
    assert [after[ids[k]] for k in ("parent", "other", "future")] == ["draft"] * 3
    assert [after[ids[k]] for k in ("private", "trashed", "draft")] == ["private", "trash", "draft"]  # untouched
    kept = fix.FixJournal(ledger).changes(run_id)[-1].after["kept"]
    assert lib.media == {} and ledger.files.has(kept)
    lines, conflicts = fix.rollback_fix(audit, run_id)
    assert conflicts == [] and statuses(lib) == before
    [back] = lib.media.values()
    assert back.data == data and back.parent == ids["parent"]


def test_a_rollback_cut_off_after_its_upload_resumes_without_a_second_copy(lib: FakeCms, ledger: Ledger,
                                                                          monkeypatch) -> None:
    ids = library_with_a_shared_file(lib)
    audit = Audit(lib, ledger)
    run_id, _ = fix.apply_fix(audit, fix.plan_fix(audit, files=[ids["media"]]))
    real_mark = fix.FixJournal.mark
    cut = {"left": 1}

    def mark(self, run, change, state, actor):  # the process dies right after the upload
        if state == "undone" and change.kind == "remove_file" and cut["left"]:
            cut["left"] -= 1
            raise KeyboardInterrupt
        return real_mark(self, run, change, state, actor)

    monkeypatch.setattr(fix.FixJournal, "mark", mark)
    with pytest.raises(KeyboardInterrupt):
        fix.rollback_fix(audit, run_id)
    fix.rollback_fix(audit, run_id)
    assert len(lib.media) == 1, [m.url for m in lib.media.values()]


def test_a_fix_cut_off_after_the_delete_resumes_from_the_kept_bytes(lib: FakeCms, ledger: Ledger,
                                                                   monkeypatch) -> None:
    ids = library_with_a_shared_file(lib)
    data = lib.media[ids["media"]].data
    audit = Audit(lib, ledger)
    plan = fix.plan_fix(audit, files=[ids["media"]])
    real_mark = fix.FixJournal.mark
    cut = {"left": 1}

    def mark(self, run, change, state, actor):  # killed after the delete, before it is recorded
        if change.kind == "remove_file" and cut["left"]:
            cut["left"] -= 1
            raise KeyboardInterrupt
        return real_mark(self, run, change, state, actor)

    monkeypatch.setattr(fix.FixJournal, "mark", mark)
    with pytest.raises(KeyboardInterrupt):
        fix.apply_fix(audit, plan)
    assert lib.media == {}
    run_id, _ = fix.apply_fix(audit, None)
    assert {c.state for c in fix.FixJournal(ledger).changes(run_id)} == {"done"}
    fix.rollback_fix(audit, run_id)
    [back] = lib.media.values()
    assert back.data == data


def test_rollback_does_not_publish_a_draft_edited_since_the_fix(lib: FakeCms, ledger: Ledger) -> None:
    ids = library_with_a_shared_file(lib)
    audit = Audit(lib, ledger)
    run_id, _ = fix.apply_fix(audit, fix.plan_fix(audit, files=[ids["media"]]))
    other = lib.posts[ids["other"]]
    lib.edit_post(other.id, content=other.content + "<p>ร่างใหม่ ยังไม่ตรวจ</p>")
    _, conflicts = fix.rollback_fix(audit, run_id)
    assert lib.posts[other.id].status == "draft" and len(conflicts) == 1


def test_rollback_with_the_kept_copy_gone_changes_nothing_and_says_so(lib: FakeCms, ledger: Ledger) -> None:
    ids = library_with_a_shared_file(lib)
    audit = Audit(lib, ledger)
    run_id, _ = fix.apply_fix(audit, fix.plan_fix(audit, files=[ids["media"]]))
    kept = fix.FixJournal(ledger).changes(run_id)[-1].after["kept"]
    for path in ledger.files.root.rglob(f"*{kept}*"):
        path.unlink()
    before = statuses(lib)
    with pytest.raises(LedgerError):
        fix.rollback_fix(audit, run_id)
    assert statuses(lib) == before and lib.media == {}  # no post published around a missing file
    assert fix.FixJournal(ledger).get(run_id).status == "done"


def test_fix_touches_only_the_chosen_file(lib: FakeCms, ledger: Ledger) -> None:
    ids = library_with_a_shared_file(lib)
    other_post = lib.add_post(title="อื่น", status="publish")
    other = lib.add_media("อื่น.pdf", text_pdf([f"x {ID_B}"]), parent=other_post.id)
    clean = lib.add_media("clean.pdf", text_pdf(["nothing"]))
    audit = Audit(lib, ledger)
    fix.apply_fix(audit, fix.plan_fix(audit, files=[ids["media"]]))
    assert set(lib.media) == {other.id, clean.id} and lib.posts[other_post.id].status == "publish"


# -- nothing on the site before the window opens ------------------------------------------------

START = datetime(2026, 11, 1, tzinfo=NOW.tzinfo)
RANGE = 'kind = "range"\nstart = "2026-11-01"\nend = "2026-12-31"'


def public(site: FakeCms) -> list[str]:
    return [m.url for m in list(site.media.values()) if site.public_file(m.url) is not None]


@pytest.mark.xfail(strict=True, reason="BREAK: `sync --as-of` a time after the opening publishes the post and its "
                   "files now, though the site's own clock says the window has not opened")
def test_sync_as_of_a_later_time_does_not_publish_early(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "asof", window=RANGE)
    bridge.intake()
    assert site.site_now() < START
    bridge.sync(START)  # a careless officer "trying" the opening day
    assert public(site) == [] and site.posts == {}


def test_plan_and_status_as_of_a_later_time_change_nothing(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "look", window=RANGE)
    bridge.intake()
    bridge.plan(START)
    bridge.status(START)
    bridge.sync(START, dry_run=True)
    assert site.posts == {} and site.media == {} and "upload_media" not in site.requests


def test_a_request_approved_again_before_its_opening_shows_nothing(bridge: Bridge, inbox: Path,
                                                                   site: FakeCms) -> None:
    write_request(inbox, "again", window=RANGE)
    run(bridge, NOW, site)
    bridge.record_decision("again", status="rejected", by="นางสมมุติ อนุมัติ", at=NOW + timedelta(minutes=30))
    run(bridge, NOW + timedelta(hours=1), site)
    bridge.record_decision("again", status="approved", by="นางสมมุติ อนุมัติ", at=NOW + timedelta(minutes=90))
    run(bridge, NOW + timedelta(hours=2), site)
    assert site.posts == {} and site.media == {}
    run(bridge, START, site)
    assert post_of(site, "pr-again").status == "publish" and len(public(site)) == 1


def test_a_pass_failing_at_the_opening_is_retried_soon(config: Config, tmp_path: Path, inbox: Path, site: FakeCms,
                                                       site_clock: Clock) -> None:
    opening = NOW + timedelta(minutes=5)
    write_request(inbox, "late", approved_at=opening.isoformat())
    passes: list[datetime] = []

    def wait(seconds: float) -> bool:
        site_clock.now += timedelta(seconds=seconds)
        return len(passes) >= 3  # stop once the pass after the failed one has run

    with Bridge(make_config(config, tmp_path, inbox), cms=site, clock=site_clock) as b:
        site.fail("upload_media", times=1, when=lambda *args: site_clock.now >= opening)
        daemon = Daemon(b, interval_minutes=60, heartbeat=None, clock=site_clock, wait=wait)
        real_pass = daemon.run_pass

        def run_pass() -> None:
            passes.append(site_clock.now)
            real_pass()

        daemon.run_pass = run_pass  # type: ignore[method-assign]
        daemon.run(install_signal_handlers=False)
    # It woke at the opening; that pass failed; it tried again within minutes, not an hour later.
    assert passes[:2] == [NOW, opening] and len(passes) == 3, passes
    assert passes[2] - opening <= timedelta(minutes=5), passes
    assert len(public(site)) == 1 and daemon.next_retry is None


# -- scans and pictures ------------------------------------------------------------------------


def drawn_pdf(lines: list[str], stamp: str | None = None) -> bytes:
    """A page scanned to PDF (a picture, no text layer), with a line of text stamped on it when
    *stamp* is given, as scanner apps and document systems do ("page 1 of 1", a receipt number)."""
    from PIL import Image, ImageDraw, ImageFont
    from pypdf import PdfReader, PdfWriter

    picture = Image.new("RGB", (1400, 900), "white")
    pen = ImageDraw.Draw(picture)
    font = ImageFont.truetype("/usr/share/fonts/truetype/tlwg/Garuda.ttf", 40)
    for i, text in enumerate(lines):
        pen.text((60, 200 + i * 80), text, fill="black", font=font)
    scan = io.BytesIO()
    picture.save(scan, "PDF", resolution=150)
    if stamp is None:
        return scan.getvalue()
    writer = PdfWriter()
    page = writer.add_page(PdfReader(io.BytesIO(scan.getvalue())).pages[0])
    page.merge_page(PdfReader(io.BytesIO(text_pdf([stamp]))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_scanned_page_with_a_stamped_line_of_text_is_still_read(lib: FakeCms, ledger: Ledger) -> None:
    media = lib.add_media("คำสั่ง.pdf", drawn_pdf(["รายชื่อกรรมการ", f"เลขประจำตัว {GROUPED(ID_A)}"],
                                                stamp="Received 2569/0412 - page 1 of 1"))
    assert row_of(Audit(lib, ledger).scan(), media.id).verdict == "found"


def test_pictures_metadata_and_a_scan_behind_a_text_page_are_read(lib: FakeCms, ledger: Ledger) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo
    from pypdf import PdfReader, PdfWriter

    blank = Image.new("RGB", (400, 300), "white")
    exif = Image.Exif()
    exif[0x010E] = f"card {ID_A}"  # ImageDescription
    jpeg, png = io.BytesIO(), io.BytesIO()
    blank.save(jpeg, "JPEG", exif=exif.tobytes())
    info = PngInfo()
    info.add_text("Description", f"card {ID_B}")
    blank.save(png, "PNG", pnginfo=info)
    writer = PdfWriter()
    for source in (text_pdf(["Cover page, no personal data"]), drawn_pdf(["รายชื่อ", f"เลข {GROUPED(ID_C)}"])):
        for page in PdfReader(io.BytesIO(source)).pages:
            writer.add_page(page)
    mixed = io.BytesIO()
    writer.write(mixed)
    photo = lib.add_media("photo.jpg", jpeg.getvalue(), mime_type="image/jpeg")
    shot = lib.add_media("shot.png", png.getvalue(), mime_type="image/png")
    order = lib.add_media("order.pdf", mixed.getvalue())
    result = Audit(lib, ledger).scan()
    assert [row_of(result, m.id).verdict for m in (photo, shot, order)] == ["found"] * 3
    assert [f.page for f in row_of(result, order.id).ids] == [2]


def test_a_masked_copy_is_written_inside_the_masked_folder(lib: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    media = lib.add_media("list.docx", docx([f"เลข {ID_A}"]))
    stored = lib.media[media.id]
    stored.url = stored.url.rsplit("/", 1)[0] + "/..%2F..%2F..%2Fescaped.docx"  # a plugin's or a hand-edited record
    masked = tmp_path / "a" / "b" / "masked"
    audit = Audit(lib, ledger)
    fix.apply_fix(audit, fix.plan_fix(audit, all_found=True), masked_dir=masked)
    written = [p for p in tmp_path.rglob("*escaped.docx")]
    assert written and all(masked in p.resolve().parents for p in written), written


def test_a_file_named_like_a_formula_stays_text_in_the_workbook(lib: FakeCms, ledger: Ledger, tmp_path: Path) -> None:
    post = lib.add_post(title='=HYPERLINK("https://evil.example","คลิก")', status="publish")
    lib.add_media("=cmd.pdf", text_pdf([f"x {ID_A}"]), parent=post.id)
    result = Audit(lib, ledger).scan()
    report.write_xlsx(result, tmp_path / "a.xlsx")
    cells = [c for sheet in load_workbook(tmp_path / "a.xlsx") for row in sheet.iter_rows() for c in row]
    assert any("=cmd.pdf" in str(c.value) for c in cells)
    assert all(c.data_type != "f" for c in cells)


@pytest.mark.xfail(strict=True, reason="BREAK (documented: 'by the bridge's clock'): with the bridge's machine 10 "
                   "minutes fast, a request is published 10 minutes before its opening by the site's clock, though "
                   "each pass reads the site's time")
def test_a_fast_bridge_clock_does_not_publish_before_the_sites_opening(bridge: Bridge, inbox: Path,
                                                                       site: FakeCms) -> None:
    write_request(inbox, "skew", window=RANGE)
    bridge.intake()
    site.clock.now = START - timedelta(minutes=10)  # type: ignore[attr-defined]
    bridge.sync(START)  # the daemon's pass when its own clock reaches the opening
    assert public(site) == [] and site.posts == {}
