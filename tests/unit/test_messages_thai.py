"""The library's own sentences in Thai under ``--lang th`` (and still English otherwise): each
class of problem a clerk meets, with the file, field or row still named. Made-up people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cms_bridge import i18n
from cms_bridge.cli import main
from cms_bridge.samples import request_toml, text_pdf

from . import test_cli_office

# The office fixture (an inbox with a blocked and an invalid request, the in-memory site) and
# the English locale, shared with the CLI's office tests.
office = test_cli_office.office
_english_locale = test_cli_office._english_locale
_lose_kept_file = test_cli_office._lose_kept_file

#: Words that say a sentence was left in English.
ENGLISH = re.compile(r"\b(does not|must|looks like|unknown|before it|should|cannot|is not|required|"
                     r"holds the number|no such|not a)\b")


def _request(folder: Path, rid: str, *, replace: dict[str, str] | None = None, window: str | None = None) -> None:
    (folder / rid).mkdir(parents=True)
    (folder / rid / "doc.pdf").write_bytes(text_pdf(["Announcement", rid]))
    text = request_toml(rid, window=window) if window else request_toml(rid)
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    (folder / rid / "request.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """One request for each class of problem: dates, windows, the request's rules, pydantic's
    checks, mappings; and a spreadsheet export with a missing title."""
    folder = tmp_path / "bad"
    _request(folder, "2570-day-001", replace={'request_date = "': 'request_date = "31 ก.พ. 2569" #'})
    _request(folder, "2570-ce-001", replace={'request_date = "': 'request_date = "1 ต.ค. 2026" #'})
    _request(folder, "2570-win-001", window='kind = "range"\nstart = "10 ต.ค. 2569"\nend = "1 ต.ค. 2569"')
    _request(folder, "2570-kind-001", window='kind = "forever"')
    _request(folder, "2570-fy-001", window='kind = "fiscal_year"\nfiscal_year = 2026')
    _request(folder, "2570-grp-001", replace={'group = "ict"': 'group = "ictt"',
                                               'channels = ["website"]': 'channels = ["website", "tv"]'})
    _request(folder, "2570-who-001", replace={'by = "นายสมมุติ ใจกว้าง"\n': ''})
    _request(folder, "2570-typo-001", replace={'by = "': 'who = "'})
    _request(folder, "2570-id-001", replace={'request_id = "2570-id-001"': 'request_id = "Fin_007"'})
    (folder / "export.csv").write_text("รหัสคำขอ,เรื่อง\n2570-csv-001,\n", encoding="utf-8")
    return folder


def test_validation_problems_are_thai_under_lang_th_and_english_otherwise(
        bad: Path, office: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    config = str(office["config"])
    assert main(["--config", config, "--lang", "th", "validate", str(bad)]) == 1
    thai = capsys.readouterr().out.splitlines()

    def line(rid: str, field: str) -> str:
        found = [x for x in thai if rid in x and f"({field})" in x]
        assert found, (rid, field, thai)
        return found[0]

    # thaidate: the day that does not exist, in the Buddhist Era
    assert "ไม่มีวันที่ 31 เดือนกุมภาพันธ์ พ.ศ. 2569 มีเพียง 28 วัน" in line("2570-day-001", "request_date")
    assert "ดูเหมือนปี ค.ศ." in line("2570-ce-001", "request_date") and "2569" in line("2570-ce-001", "request_date")
    # windows: dates of a range said as BE dates; an unknown kind; a CE fiscal year
    assert "ช่วงวันที่สิ้นสุด 1 ต.ค. 2569 ก่อนวันเริ่ม 10 ต.ค. 2569" in line("2570-win-001", "window")
    assert "ไม่ใช่แบบของระยะเวลาในการเผยแพร่" in line("2570-kind-001", "window")
    assert "ปีงบประมาณ 2026 ดูเหมือนปี ค.ศ." in line("2570-fy-001", "window.fiscal_year")
    # mappings and pydantic's own checks
    group = line("2570-grp-001", "group")
    assert "ไม่รู้จักกลุ่ม/หน่วย 'ictt'" in group and "กลุ่มส่งเสริมการศึกษาทางไกล" in group
    assert "ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: 'website', 'social' หรือ 'board'" in line("2570-grp-001", "channels.1")
    # the request's own rules: a decision needs who and when; an unknown field
    assert "ต้องระบุผู้สั่งและวันเวลาที่สั่ง" in line("2570-who-001", "decision")
    assert "ไม่ใช่ช่องของคำขอ" in line("2570-typo-001", "decision.who")
    # the request id: a plain sentence with an example, never the regex
    shape = line("2570-id-001", "request_id")
    assert "รหัสคำขอ 'Fin_007' เขียนไม่ถูกแบบ" in shape and "ตัวพิมพ์เล็ก" in shape and "2569-fin-007" in shape
    assert "[a-z0-9]" not in shape
    # tables: the row is named, the missing title and the file count
    csv_lines = [x for x in thai if "export.csv, แถว 2" in x]
    assert any("เรื่อง (title): ข้อผิดพลาด: ต้องกรอก แต่ยังไม่ได้กรอก" in x for x in csv_lines), csv_lines
    # Nothing of it left in English.
    assert [x for x in thai if ENGLISH.search(x)] == []

    assert main(["--config", config, "--lang", "en", "validate", str(bad)]) == 1
    english = capsys.readouterr().out
    assert "day 31 does not exist; กุมภาพันธ์ (February) 2569 BE (2026 CE) has only 28 days" in english
    assert "range window ends on 2026-10-01, before it starts on 2026-10-10" in english
    assert "unknown group 'ictt'; use one of the keys" in english
    assert "Input should be 'website', 'social' or 'board'" in english
    assert "a decision 'approved' must say who made it and when; missing: by" in english
    assert ("request id 'Fin_007' is not in the right form: use 3-64 lower-case letters, digits or hyphens, "
            "starting with a letter or digit, e.g. 2569-fin-007") in english


def test_a_spreadsheet_cell_excel_made_a_number_is_explained_in_thai(tmp_path: Path, office: dict[str, object],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["รหัสคำขอ", "ที่"])
    sheet.append(["2570-xl-001", 1.1])
    book.save(tmp_path / "export.xlsx")
    assert main(["--config", str(office["config"]), "--lang", "th", "validate", str(tmp_path / "export.xlsx")]) == 1
    out = capsys.readouterr().out
    assert "export.xlsx, แถว 2: ที่ (document_number): คำเตือน: ช่อง B2 เป็นตัวเลข 1.1" in out
    assert "ให้ตั้งรูปแบบคอลัมน์เป็นข้อความ (Text)" in out
    assert main(["--config", str(office["config"]), "--lang", "th", "validate", str(tmp_path / "none")]) == 1
    assert f"{tmp_path / 'none'}: ข้อผิดพลาด: ไม่มีไฟล์หรือโฟลเดอร์นี้" in capsys.readouterr().out


def test_gate_refusals_and_id_findings_in_status_and_plan_are_thai(office: dict[str, object],
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _lose_kept_file(office)
    config = str(office["config"])
    assert main(["--config", config, "--lang", "th", "status", "--as-of", "2026-10-01T09:00"]) == 0
    out = capsys.readouterr().out
    reasons = [x.strip() for x in out.splitlines() if x.startswith("      ")]
    assert any("เลขประจำตัวประชาชน" in r and "ระงับการเผยแพร่" in r for r in reasons), reasons
    assert any("doc.pdf: ไม่มีในที่เก็บไฟล์" in r for r in reasons), reasons  # the gate, its kept file lost
    assert "1101700203450" not in out
    assert main(["--config", config, "--lang", "th", "plan", "--as-of", "2026-10-01T09:00"]) == 0
    plan = capsys.readouterr()
    assert "ระงับไว้ ไม่ผ่านการตรวจก่อนเผยแพร่" in plan.out + plan.err
    assert not [x for x in reasons if ENGLISH.search(x)]

    assert main(["--config", config, "status", "--as-of", "2026-10-01T09:00"]) == 0
    assert "doc.pdf: not in the file store" in capsys.readouterr().out


def test_decide_and_record_speak_thai(office: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    config = str(office["config"])
    assert main(["--config", config, "sync", "--as-of", "2026-10-01T09:00"]) == 0
    capsys.readouterr()
    assert main(["--config", config, "--lang", "th", "decide", "2570-ok-001", "--approve", "--by", " "]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("cms-bridge: ข้อผิดพลาด: 2570-ok-001: บันทึกคำสั่งไม่ได้: ") and "ให้ระบุ --by" in err, err
    assert main(["--config", config, "--lang", "th", "record", "--group", "ict", "--channel", "board", "--title",
                 "ติดประกาศ", "--date", "3 ธ.ค. 2569", "--by", "นางสาวทดลอง ใจดี"]) == 0
    assert capsys.readouterr().out.strip() == "บันทึกแล้ว #1: บอร์ด/ป้ายประชาสัมพันธ์ 3 ธ.ค. 2569 ติดประกาศ"
    assert main(["--config", config, "record", "--group", "ict", "--channel", "board", "--title",
                 "ติดประกาศ", "--date", "4 ธ.ค. 2569", "--by", "นางสาวทดลอง ใจดี"]) == 0
    assert capsys.readouterr().out.strip() == "recorded #2: board 2026-12-04 ติดประกาศ"


def test_a_sentence_is_found_again_after_it_became_plain_text() -> None:
    said = i18n.say("window.ends_before_start", end=__import__("datetime").date(2026, 10, 1),
                    start=__import__("datetime").date(2026, 10, 10))
    plain = "x.toml: window: " + str(said)  # as a Problem or an exception's message carries it
    assert i18n.reason(plain, "th") == "x.toml: window: ช่วงวันที่สิ้นสุด 1 ต.ค. 2569 ก่อนวันเริ่ม 10 ต.ค. 2569"
    assert i18n.reason(plain, "en") == plain
    assert i18n.reason("something the catalogue never said", "th") == "something the catalogue never said"


def _encrypted_pdf() -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("a-made-up-password")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_attachment_problems_are_thai_under_lang_th_and_english_otherwise(
        tmp_path: Path, office: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "files"
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    for rid, name, content in (("2570-type-001", "doc.pdf", png),  # the content is another type
                               ("2570-ext-001", "doc.exe", b"MZ" + b"\0" * 64),  # not an attachment type
                               ("2570-big-001", "doc.pdf", b"%PDF-1.4\n" + b"\0" * (1024 * 1024 * 3 // 2)),
                               ("2570-pdf-001", "doc.pdf", b"%PDF-1.4\nnot really a PDF\n"),
                               ("2570-lock-001", "doc.pdf", _encrypted_pdf()),
                               ("2570-old-001", "doc.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)):
        (folder / rid).mkdir(parents=True)
        (folder / rid / name).write_bytes(content)
        (folder / rid / "request.toml").write_text(request_toml(rid, attachments=(name,)), encoding="utf-8")
    config = Path(str(office["config"]))
    config.write_text(config.read_text(encoding="utf-8").replace("[sync]", "max_attachment_mb = 1\n[sync]"),
                      encoding="utf-8")
    assert main(["--config", str(config), "--lang", "th", "validate", str(folder)]) == 1
    thai = capsys.readouterr().out.splitlines()

    def line(rid: str) -> str:
        found = [x for x in thai if rid in x and "ข้อผิดพลาด" in x]
        assert len(found) == 1, (rid, thai)
        return found[0]

    assert "doc.pdf: นามสกุลระบุว่าเป็น pdf แต่เนื้อไฟล์เป็น png" in line("2570-type-001")
    assert "doc.exe: นามสกุล .exe ไม่ใช่ชนิดไฟล์แนบ ชนิดที่รับ: docx, jpg" in line("2570-ext-001")
    assert "doc.pdf: ไฟล์ขนาด 1.5 MB ใหญ่เกินขนาดสูงสุด 1.0 MB" in line("2570-big-001")
    assert "doc.pdf: ไฟล์ PDF เสียหายหรืออ่านไม่ได้" in line("2570-pdf-001")
    assert "doc.pdf: ไฟล์ PDF ตั้งรหัสผ่านไว้ ให้ใช้ฉบับที่ไม่มีรหัสผ่าน" in line("2570-lock-001")
    assert "doc.docx: เนื้อไฟล์ไม่ใช่ docx (เป็นไฟล์ Office รุ่นเก่า" in line("2570-old-001")
    # pypdf's own reason for a corrupt PDF stays as pypdf gives it; everything else is Thai.
    assert [x for x in thai if ENGLISH.search(x) and "2570-pdf-001" not in x] == []

    assert main(["--config", str(config), "--lang", "en", "validate", str(folder)]) == 1
    english = capsys.readouterr().out
    assert "doc.pdf: the extension says pdf but the content is png" in english
    assert "doc.exe: extension .exe is not an attachment type; accepted: docx, jpg" in english
    assert "doc.pdf: 1.5 MB is larger than the limit of 1.0 MB" in english
    assert "doc.pdf: the PDF is corrupt or unreadable: " in english
    assert "doc.pdf: the PDF is password-protected; publish an unprotected copy" in english
    assert "doc.docx: the content is not docx (it is an old Office .doc/.xls/.ppt file" in english
    reasons = [x.split(": error: ", 1)[1] for x in english.splitlines() if ": error: " in x]
    assert len(reasons) == 6 and not [r for r in reasons if re.search(r"[\u0e00-\u0e7f]", r)], reasons


def _config_errors(tmp_path: Path, lang: str, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Each class of configuration problem, as `status` reports it in *lang* (exit 2, one error each)."""
    secret = tmp_path / "app-password"
    secret.write_text("made-up app password\n", encoding="utf-8")
    secret.chmod(0o644)
    site = '[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n'
    configs = {
        "fields": '[site]\nurl = "ftp://www.example-office.go.th"\nusername = "bridge"\nusernmae = "x"\n'
                  '[intake]\nallowed_types = ["pdf", "exe"]\n[sync]\nledger = "l.sqlite3"\n',
        "in_file": site + 'app_password = "made-up"\n[sync]\nledger = "l.sqlite3"\n',
        "readable": site + f'app_password_file = "{secret}"\n[sync]\nledger = "l.sqlite3"\n',
        "http": '[site]\nurl = "http://www.example-office.go.th"\nusername = "bridge"\n[sync]\nledger = "l.sqlite3"\n',
        "toml": '[site\nurl = "x"\n',
    }
    said = {}
    for name, text in configs.items():
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
        assert main(["--config", str(tmp_path / f"{name}.toml"), "--lang", lang, "status"]) == 2, name
        out = capsys.readouterr()
        assert out.out == "" and "Traceback" not in out.err, (name, out)
        said[name] = out.err
    assert main(["--config", str(tmp_path / "none.toml"), "--lang", lang, "status"]) == 2
    said["missing"] = capsys.readouterr().err
    return said


def test_configuration_problems_are_thai_under_lang_th_and_english_otherwise(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    thai = _config_errors(tmp_path, "th", capsys)
    fields = thai["fields"]
    assert fields.startswith("cms-bridge: ข้อผิดพลาด: การตั้งค่าไม่ถูกต้อง:\n"), fields
    assert f"{tmp_path / 'fields.toml'}: [site] url: ต้องเป็นที่อยู่เว็บที่ขึ้นต้นด้วย http:// หรือ https://" in fields
    assert "[site] usernmae: ไม่มีการตั้งค่าชื่อนี้" in fields
    assert "[intake] allowed_types: ไม่รู้จักชนิดไฟล์แนบ exe ชนิดที่รู้จัก:" in fields
    assert "ห้ามเก็บ [site] app_password ไว้ในไฟล์การตั้งค่า" in thai["in_file"]
    assert f"{tmp_path / 'app-password'}: ผู้อื่นอ่านไฟล์รหัสผ่านได้ (สิทธิ์ 0644) ให้รัน: chmod 600" in thai["readable"]
    assert "เป็น http ธรรมดาไปยังเครื่องอื่น" in thai["http"]
    assert f"{tmp_path / 'toml.toml'}: เขียนผิดรูปแบบ TOML: " in thai["toml"]  # tomllib's own detail follows
    assert f"{tmp_path / 'none.toml'}: อ่านไฟล์การตั้งค่าไม่ได้: " in thai["missing"]
    leftover = {name: err for name, err in thai.items() if name not in ("toml", "missing") and ENGLISH.search(err)}
    assert leftover == {}
    assert "made-up" not in "".join(thai.values())  # the secret is never said

    (tmp_path / "en").mkdir()
    english = _config_errors(tmp_path / "en", "en", capsys)
    assert "cms-bridge: error: invalid configuration:\n" in english["fields"]
    assert "[site] url: must be an http:// or https:// URL, got 'ftp://www.example-office.go.th'" in english["fields"]
    assert "[site] usernmae: unknown setting (check the spelling against config.example.toml)" in english["fields"]
    assert "[intake] allowed_types: unknown attachment type(s) exe; known:" in english["fields"]
    assert "the password file can be read by others (mode 0644); run: chmod 600" in english["readable"]
    assert "is plain http to another machine: the password would cross the network" in english["http"]
    assert ": not valid TOML: " in english["toml"] and "cannot read the config file: " in english["missing"]
    assert not [e for e in english.values() if re.search(r"[\u0e00-\u0e7f]", e)]


def test_migration_plan_errors_and_refusals_are_thai_under_lang_th(
        tmp_path: Path, office: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    config = str(office["config"])
    plans = {
        "missing": 'name = "t"\n[[steps]]\naction = "rename"\ncategory = "ไม่มีหมวดนี้"\nto = "x"\n',
        "invalid": 'name = "t"\n[[steps]]\naction = "move_posts"\nmode = "add"\nwhere = "x"\n'
                   '[steps.filter]\nfiscal_year = 2567\nafter = "1 ต.ค. 2566"\n',
    }
    for name, text in plans.items():
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")

    def migrate(lang: str, *args: str) -> str:
        assert main(["--config", config, "--lang", lang, "migrate", *args]) != 0, args
        out = capsys.readouterr()
        assert "Traceback" not in out.err
        return out.out + out.err

    missing = migrate("th", "plan", str(tmp_path / "missing.toml"))
    assert "ขั้นที่ 1: ไม่มีหมวดหมู่ 'ไม่มีหมวดนี้' บนเว็บไซต์" in missing, missing
    invalid = migrate("th", "plan", str(tmp_path / "invalid.toml"))
    assert f"{tmp_path / 'invalid.toml'}: แผนไม่ถูกต้อง:\n" in invalid, invalid
    assert "step 1: where: ไม่ใช่ช่องของขั้นนี้" in invalid  # the place stays as the plan file spells it
    assert "ให้ระบุ fiscal_year หรือ after/before อย่างใดอย่างหนึ่ง" in invalid
    unreadable = migrate("th", "apply", str(tmp_path / "none.toml"))
    assert f"{tmp_path / 'none.toml'}: อ่านแผนไม่ได้: " in unreadable, unreadable
    assert "migrate plan ต้องระบุไฟล์แผน" in migrate("th", "plan")
    assert "migrate rollback ต้องระบุรหัสการรัน" in migrate("th", "rollback")
    assert "--force ใช้ได้กับ `migrate rollback` เท่านั้น" in migrate("th", "apply", "x.toml", "--force")
    thai = [missing, invalid, migrate("th", "plan")]
    assert [x for x in thai if ENGLISH.search(x)] == []

    assert ("step 1: the category 'ไม่มีหมวดนี้' does not exist on the site (nor is it created earlier)"
            in migrate("en", "plan", str(tmp_path / "missing.toml")))
    invalid = migrate("en", "plan", str(tmp_path / "invalid.toml"))
    assert "invalid plan:\n" in invalid and "give either fiscal_year or after/before, not both" in invalid
    assert "migrate rollback needs a run id" in migrate("en", "rollback")


@pytest.mark.parametrize(("body", "thai", "english"), [
    ('action = "merge"\nfrom = "ก"\ninto = "ก"', "ขั้นที่ 1: รวม 'ก' (#2) เข้ากับตัวเองไม่ได้", "into itself"),
    ('action = "merge"\nfrom = "ก"\ninto = "ข"', "ขั้นที่ 1: 'ก' (#2) มีหมวดหมู่ย่อย ('ก / ลูก' (#3))",
     "reparent them first"),
    ('action = "delete_empty"\ncategories = ["ก"]', "มีหมวดหมู่ย่อย ('ก / ลูก' (#3)) จึงลบไม่ได้", "cannot be deleted"),
    ('action = "delete_empty"\ncategories = ["ข"]', "ขั้นที่ 1: 'ข' (#4) ยังมีโพสต์อยู่ 1 รายการ (draft เช่น #",
     "still holds 1 post(s) (draft, e.g. #"),
    ('action = "rename"\ncategory = "ก"\nto = "ข"', "เปลี่ยนชื่อ 'ก' (#2) เป็น 'ข' ไม่ได้ เพราะ 'ข' (#4)",
     "has that name under the same parent"),
    ('action = "rename"\ncategory = "ก"\nto = "' + "ก" * 201 + '"', "ชื่อใหม่ของ 'ก' (#2) ยาว 201 ตัวอักษร",
     "WordPress stores at most 200"),
])
def test_migration_refusals_are_thai_naming_the_step(tmp_path: Path, body: str, thai: str, english: str) -> None:
    from cms_bridge.categories.engine import MigrationEngine
    from cms_bridge.categories.plan import PlanError
    from cms_bridge.ledger.store import Ledger
    from cms_bridge.wordpress.fake import FakeCms

    from .test_fake_migration import steps, write_plan

    site = FakeCms()
    site.ensure_category_path("ก / ลูก")
    site.add_post(title="ร่าง", status="draft", categories=[site.ensure_category_path("ข").id])
    plan, _ = write_plan(tmp_path, steps(body))
    with Ledger(tmp_path / "ledger.sqlite3") as ledger, pytest.raises(PlanError) as caught:
        MigrationEngine(site, ledger).plan(plan)
    message = str(caught.value)
    assert message.startswith("step 1: ") and english in message
    said = i18n.reason(message, "th")
    assert thai in said and not ENGLISH.search(said), said
    assert i18n.reason(message, "en") == message
