"""The CLI for the office: the template, requests held back in status/plan/sync (text and JSON),
no ledger made by accident, Thai messages and labels, progress only on a terminal."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from cms_bridge.cli import main
from cms_bridge.intake.tables import CHOICES_SHEET, TABLE_HEADERS, TEMPLATE_FIELDS
from cms_bridge.mappings import load_mappings
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=OFFICE_TZ)
#: A made-up number with a valid check digit (see tests/unit/test_idguard.py).
MADE_UP_ID = "1-1017-00203-45-0"


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


# --- the template ------------------------------------------------------------------------------

def test_the_xlsx_template_has_thai_headers_drop_downs_and_an_example(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "requests.xlsx"
    assert main(["template", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    book = load_workbook(out)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [TABLE_HEADERS[f] for f in TEMPLATE_FIELDS]
    assert "ถาวร" not in [c.value for c in sheet[1]]
    example = {f: c.value for f, c in zip(TEMPLATE_FIELDS, sheet[2], strict=True)}
    assert str(example["request_id"]).startswith("example-") and example["requester.name"] == "นางสาวสมใจ ตัวอย่าง"
    mappings = load_mappings()
    choices = book[CHOICES_SHEET]
    assert choices.sheet_state == "hidden"
    listed = {choices.cell(1, c).value: [choices.cell(r, c).value for r in range(2, choices.max_row + 1)
                                         if choices.cell(r, c).value] for c in range(1, 5)}
    assert listed[TABLE_HEADERS["group"]] == [g.name for g in mappings.groups.values()]
    assert listed[TABLE_HEADERS["kind"]] == [k.name for k in mappings.kinds.values()]
    assert listed[TABLE_HEADERS["window.kind"]] == ["ถาวร", "ตลอดปีงบประมาณ", "ช่วงวันที่"]
    assert listed[TABLE_HEADERS["channels"]] == ["เว็บไซต์", "สื่อสังคมออนไลน์", "บอร์ด/ป้ายประชาสัมพันธ์"]
    validated = {str(v.sqref).split(":")[0].rstrip("0123456789"): v for v in sheet.data_validations.dataValidation}
    for name in ("group", "kind", "window.kind", "channels"):
        letter = sheet.cell(1, TEMPLATE_FIELDS.index(name) + 1).column_letter
        assert validated[letter].type == "list" and CHOICES_SHEET in validated[letter].formula1
    # Text columns are Text, so Excel keeps 1.10 as typed.
    assert sheet.cell(3, TEMPLATE_FIELDS.index("document_number") + 1).number_format == "@"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_filled_in_template_reads_back(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"requests.{fmt}"
    assert main(["template", "--format", fmt, str(out)]) == 0
    # As delivered, the example row is skipped with a word, and nothing else is wrong.
    assert main(["validate", str(out)]) == 0
    assert "0 valid request(s), 0 error(s), 1 warning(s)" in capsys.readouterr().out
    (tmp_path / "ประกาศ.pdf").write_bytes(text_pdf(["Announcement", "page 2"]))
    (tmp_path / "คำสั่ง.pdf").write_bytes(text_pdf(["Order"]))
    second = {"request_id": "2570-tpl-002", "title": "คำสั่งแต่งตั้ง", "window.kind": "ถาวร",
              "window.fiscal_year": None, "attachments": "คำสั่ง.pdf", "page_count": 1,
              "channels": "เว็บไซต์", "document_number": "1.10"}
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(out)
        sheet = book.worksheets[0]
        sheet.cell(2, 1).value = "2570-tpl-001"
        row = [c.value for c in sheet[2]]
        for name, value in second.items():
            row[TEMPLATE_FIELDS.index(name)] = value
        for column, value in enumerate(row, start=1):
            sheet.cell(3, column).value = value
        book.save(out)
    else:
        import csv

        rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
        rows[1][0] = "2570-tpl-001"
        third = list(rows[1])
        for name, value in second.items():
            third[TEMPLATE_FIELDS.index(name)] = "" if value is None else str(value)
        rows.append(third)
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
    assert main(["validate", "--json", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] == ["2570-tpl-001", "2570-tpl-002"] and data["problems"] == []


# --- requests held back are visible ------------------------------------------------------------

@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """An inbox with a good request, one whose PDF has an ID number, one invalid and one whose kept
    file will be lost; a config; the site is an in-memory WordPress."""
    inbox = tmp_path / "inbox"
    for rid, text in (("2570-ok-001", "Announcement"), ("2570-gone-001", "Order"),
                      ("2570-idnum-001", f"Citizen ID {MADE_UP_ID}")):
        (inbox / rid).mkdir(parents=True)
        (inbox / rid / "doc.pdf").write_bytes(text_pdf([text, rid]))
        (inbox / rid / "request.toml").write_text(request_toml(rid), encoding="utf-8")
    (inbox / "2570-bad-001").mkdir()
    (inbox / "2570-bad-001" / "request.toml").write_text(
        request_toml("2570-bad-001").replace('group = "ict"', 'group = "no-such-group"'), encoding="utf-8")
    config = tmp_path / "cms-bridge.toml"
    config.write_text(f'[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n'
                      f'[intake]\ninbox = "{inbox}"\n[sync]\nledger = "{tmp_path / "ledger.sqlite3"}"\n',
                      encoding="utf-8")
    monkeypatch.setenv("CMS_BRIDGE_SITE_APP_PASSWORD", "abcd EFGH 1234 ijkl MNOP 5678")
    site = FakeCms(clock=lambda: NOW)
    monkeypatch.setattr("cms_bridge.bridge.connect", lambda config: site)
    return {"config": str(config), "inbox": inbox, "site": site, "ledger": tmp_path / "ledger.sqlite3"}


def _lose_kept_file(office: dict[str, object]) -> None:
    """Record the inbox, then lose 2570-gone-001's kept copy: the publish gate must refuse it."""
    from cms_bridge.bridge import Bridge
    from cms_bridge.config import load_config

    with Bridge(load_config(office["config"]), cms=office["site"]) as bridge:  # type: ignore[arg-type]
        bridge.intake()
    digest = hashlib.sha256(text_pdf(["Order", "2570-gone-001"])).hexdigest()
    (Path(f"{office['ledger']}.files") / digest[:2] / digest).unlink()
    # ... and its folder leaves the inbox, so that no intake takes the file in again.
    folder = Path(str(office["inbox"])) / "2570-gone-001"
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()


def test_status_lists_blocked_and_invalid_requests_with_their_reasons(office: dict[str, object],
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    _lose_kept_file(office)
    assert main(["--config", str(office["config"]), "status", "--as-of", "2026-10-01T09:00"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(line.startswith("2570-ok-001") and "should be published" in line for line in lines)
    blocked = next(i for i, line in enumerate(lines) if line.startswith("2570-idnum-001"))
    assert "blocked" in lines[blocked] and "2570-idnum-001/request.toml" in lines[blocked]
    assert "national ID" in lines[blocked + 1] or "ID number" in lines[blocked + 1]
    assert "1101700203450" not in out
    assert any(line.startswith("2570-bad-001") and "invalid" in line for line in lines)
    assert any("group" in line and "no-such-group" in line for line in lines)
    gone = next(i for i, line in enumerate(lines) if line.startswith("2570-gone-001"))
    assert lines[gone + 1].startswith("2570-gone-001") is False and "blocked" in lines[gone + 1]

    assert main(["--config", str(office["config"]), "status", "--json", "--as-of", "2026-10-01T09:00"]) == 0
    rows = {r["request_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["2570-ok-001"]["held"] is None and rows["2570-ok-001"]["reasons"] == []
    assert (rows["2570-idnum-001"]["held"], rows["2570-idnum-001"]["decision"]) == ("blocked", "not recorded")
    assert rows["2570-idnum-001"]["reasons"][0].startswith("id_number_acknowledgement")
    assert rows["2570-bad-001"]["held"] == "invalid" and rows["2570-bad-001"]["reasons"][0].startswith("group")
    assert rows["2570-gone-001"]["held"] == "blocked" and rows["2570-gone-001"]["reasons"]


def test_plan_never_says_nothing_to_do_while_a_request_is_held(office: dict[str, object],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    inbox = office["inbox"]
    assert isinstance(inbox, Path)
    for rid in ("2570-ok-001", "2570-gone-001"):
        for item in (inbox / rid).iterdir():
            item.unlink()
        (inbox / rid).rmdir()
    assert main(["--config", str(office["config"]), "plan"]) == 0
    out = capsys.readouterr().out
    assert "nothing to do" not in out
    assert "2 request(s) held back, not on the site until fixed:" in out
    assert "2570-idnum-001: blocked:" in out and "2570-bad-001: invalid:" in out

    assert main(["--config", str(office["config"]), "plan", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {(h["request_id"], h["held"]) for h in data["held"]} == {("2570-idnum-001", "blocked"),
                                                                  ("2570-bad-001", "invalid")}
    assert any(p["field"] == "id_number_acknowledgement" for p in data["intake_problems"])


def test_plan_and_sync_json_show_a_gate_blocked_request(office: dict[str, object],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _lose_kept_file(office)
    assert main(["--config", str(office["config"]), "plan", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [(a["request_id"], a["kind"]) for a in plan["actions"] if a["kind"] == "blocked"] == [
        ("2570-gone-001", "blocked")]
    # A request the gate holds back is a problem to fix: exit 1, as for a failed action.
    assert main(["--config", str(office["config"]), "sync", "--json"]) == 1
    captured = capsys.readouterr()
    sync = json.loads(captured.out)
    assert {(a["request_id"], a["kind"]) for a in sync["actions"]} >= {("2570-gone-001", "blocked"),
                                                                       ("2570-ok-001", "create")}
    assert {h["request_id"] for h in sync["held"]} == {"2570-idnum-001", "2570-bad-001"}
    assert sync["intake_problems"] and captured.err == ""


# --- no ledger made by accident ----------------------------------------------------------------

@pytest.mark.parametrize("command", [["status"], ["plan"], ["report", "--fiscal-year", "2570", "--round", "1",
                                                            "--all"]])
def test_without_configuration_no_ledger_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith("cms-bridge: error: no configuration: the ledger's place is not set")
    assert "--config FILE" in err and "CMS_BRIDGE_SYNC_LEDGER" in err and "[sync] ledger" in err
    assert list(tmp_path.iterdir()) == []


def test_a_config_without_a_ledger_path_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "site.toml"
    config.write_text('[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n', encoding="utf-8")
    (tmp_path / "cms-bridge.sqlite3").write_bytes(b"")  # an old ledger made here by accident
    assert main(["--config", str(config), "status"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"cms-bridge: error: {config}: no [sync] ledger: set ledger = ")
    assert f'to keep using it, set ledger = "{tmp_path / "cms-bridge.sqlite3"}"' in err
    monkeypatch.setenv("CMS_BRIDGE_SYNC_LEDGER", str(tmp_path / "chosen.sqlite3"))
    assert main(["--config", str(config), "status"]) == 0
    assert (tmp_path / "chosen.sqlite3").exists()


def test_the_local_sites_config_names_the_demos_ledger() -> None:
    script = (ROOT / "scripts" / "wordpress-local").read_text(encoding="utf-8")
    demo = (ROOT / "scripts" / "demo").read_text(encoding="utf-8")
    assert 'ledger = "$PROJECT_DIR/.local/demo/ledger.sqlite3"' in script
    assert "config=.local/demo/cms-bridge.toml" in demo and 'ledger = "ledger.sqlite3"' in demo


def test_exit_codes_in_a_subprocess(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CMS_BRIDGE_", "LC_", "LANG"))}
    env["PYTHONPATH"] = str(ROOT)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cms_bridge", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)

    done = run("status")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
    assert run("template", "t.xlsx").returncode == 0
    done = run("validate", "t.xlsx")  # the example row alone: a warning, exit 0, no progress in a pipe
    assert done.returncode == 0 and done.stderr == ""
    (tmp_path / "bad.csv").write_text("รหัสคำขอ,เรื่อง\n2570-x-001,\n", encoding="utf-8")
    assert run("validate", "bad.csv").returncode == 1
    done = run("--lang", "th", "status")
    assert done.returncode == 2 and done.stderr.startswith("cms-bridge: ข้อผิดพลาด: ไม่พบการตั้งค่า")


# --- Thai -------------------------------------------------------------------------------------

def test_status_in_thai_with_buddhist_era_dates(office: dict[str, object], monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    inbox = office["inbox"]
    assert isinstance(inbox, Path)
    (inbox / "2570-ok-001" / "request.toml").write_text(request_toml(
        "2570-ok-001", window='kind = "range"\nstart = "2026-11-01"\nend = "2026-11-30"'), encoding="utf-8")
    assert main(["--config", str(office["config"]), "sync", "--as-of", "2026-10-01T09:00"]) == 0
    capsys.readouterr()
    assert main(["--config", str(office["config"]), "--lang", "th", "status", "--as-of", "2026-10-01T09:00"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("2570-ok-001"))
    assert "อนุญาต ควรเป็น ตั้งเวลาเผยแพร่ บนเว็บไซต์ ยังไม่อยู่บนเว็บไซต์ เปลี่ยนครั้งถัดไป 1 พ.ย. 2569 00:00" in row
    assert any(line.startswith("2570-idnum-001") and "ถูกระงับ" in line for line in out.splitlines())
    assert any(line.startswith("2570-bad-001") and "ข้อมูลไม่ถูกต้อง" in line for line in out.splitlines())
    # The locale asks for Thai just as --lang does; --lang en wins over it.
    monkeypatch.setenv("LANG", "th_TH.UTF-8")
    assert main(["--config", str(office["config"]), "status", "--as-of", "2026-10-01T09:00"]) == 0
    assert capsys.readouterr().out == out
    assert main(["--config", str(office["config"]), "--lang", "en", "status", "--as-of", "2026-10-01T09:00"]) == 0
    english = capsys.readouterr().out
    assert "approved  should be scheduled  is not on the site" in english and "next 2026-11-01 00:00" in english
    # Nothing is on the site before the window opens; plan says when it will be.
    assert main(["--config", str(office["config"]), "--lang", "th", "plan", "--as-of", "2026-10-01T09:00"]) == 0
    assert "2570-ok-001: ยังไม่ขึ้นเว็บไซต์ (ตั้งเวลาเผยแพร่ 1 พ.ย. 2569 00:00)" in capsys.readouterr().out
    assert main(["--config", str(office["config"]), "--lang", "en", "plan", "--as-of", "2026-10-01T09:00"]) == 0
    planned = capsys.readouterr().out
    assert "2570-ok-001: nothing on the site yet (scheduled for 2026-11-01 00:00)" in planned
    assert "0 action(s) would run" in planned  # a wait is no change


def test_plan_and_validate_in_thai(office: dict[str, object], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(office["config"]), "--lang", "th", "plan", "--as-of", "2026-10-01T09:00"]) == 0
    captured = capsys.readouterr()
    assert "2570-ok-001: สร้างโพสต์ (เผยแพร่แล้ว เมื่อ 1 ก.ย. 2569 10:00)" in captured.out
    assert "รายการที่จะทำ" in captured.out
    assert "คำขอ 2 รายการถูกระงับ จะไม่ขึ้นเว็บไซต์จนกว่าจะแก้ไข:" in captured.out
    assert "รับทราบว่ามีเลขประจำตัวประชาชน (id_number_acknowledgement): ข้อผิดพลาด:" in captured.err
    (tmp_path / "bad.csv").write_text("รหัสคำขอ,เรื่อง\n2570-x-001,\n", encoding="utf-8")
    assert main(["--config", str(office["config"]), "--lang", "th", "validate", str(tmp_path / "bad.csv")]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'bad.csv'}, แถว 2: เรื่อง (title): ข้อผิดพลาด: ต้องกรอก แต่ยังไม่ได้กรอก" in out
    assert out.splitlines()[-1].startswith("คำขอที่ถูกต้อง 0 รายการ ข้อผิดพลาด ")


def test_common_errors_in_thai(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str], office: dict[str, object]) -> None:
    assert main(["--config", str(office["config"]), "--lang", "th", "decide", "2570-x-404", "--approve",
                 "--by", "นายสมมุติ ใจกว้าง"]) == 1
    assert capsys.readouterr().err.strip() == \
        "cms-bridge: ข้อผิดพลาด: ไม่มีคำขอ 2570-x-404 ในบัญชีคุม ให้รัน sync หรือ validate ก่อน"
    assert main(["--lang", "th", "report", "--fiscal-year", "2027", "--round", "1", "--all"]) == 2
    assert capsys.readouterr().err.strip() == ("cms-bridge: ข้อผิดพลาด: --fiscal-year: 2027 ดูเหมือนปี ค.ศ. "
                                               "ปีในคำสั่งนี้เป็นปี พ.ศ.: หมายถึง 2570 หรือไม่? "
                                               "(see: cms-bridge report --help)")
    missing = tmp_path / "absent.toml"
    assert main(["--lang", "th", "--config", str(missing), "status"]) == 2
    assert capsys.readouterr().err.startswith(f"cms-bridge: ข้อผิดพลาด: {missing}: อ่านไฟล์การตั้งค่าไม่ได้: ")
    monkeypatch.chdir(tmp_path)
    assert main(["--lang=th", "status", "--bogus"]) == 2
    assert capsys.readouterr().err.startswith("cms-bridge: ข้อผิดพลาด: unrecognized arguments: --bogus")


# --- progress on a terminal only ---------------------------------------------------------------

def test_progress_only_on_a_terminal_and_never_with_json(office: dict[str, object],
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    inbox, config = str(office["inbox"]), str(office["config"])
    assert main(["--config", config, "validate", inbox]) == 1
    assert capsys.readouterr().err == ""  # not a terminal
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["--config", config, "validate", inbox]) == 1
    err = capsys.readouterr().err
    assert err.endswith("] 4/4\n") and "1/4" in err
    assert main(["--config", config, "validate", "--json", inbox]) == 1
    assert capsys.readouterr().err == ""
    assert main(["--config", str(office["config"]), "status"]) == 0
    assert capsys.readouterr().err.endswith("] 4/4\n")
    assert main(["--config", str(office["config"]), "status", "--json"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["--config", str(office["config"]), "plan"]) == 0
    err = capsys.readouterr().err
    assert "] 4/4\n" in err and err.index("] 4/4") < err.index("2570-bad-001")  # then the problems
    assert main(["--config", str(office["config"]), "plan", "--json"]) == 0
    assert capsys.readouterr().err == ""


def test_commands_without_a_ledger_do_not_ask_for_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    class Report:
        ok = True

        def render_text(self) -> str:
            return "all mapped categories are on the site"

    monkeypatch.chdir(tmp_path)
    config = tmp_path / "site.toml"
    config.write_text('[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n', encoding="utf-8")
    monkeypatch.setattr("cms_bridge.bridge.Bridge.mappings_check",
                        lambda self, **kw: Report())
    assert main(["--config", str(config), "mappings", "check"]) == 0
    assert capsys.readouterr().out.strip() == "all mapped categories are on the site"
    assert list(tmp_path.iterdir()) == [config]
