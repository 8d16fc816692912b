"""`cms-bridge record` and `cms-bridge report` from the command line, on the in-memory site:
the office name and signer from the configuration and per run, a record's note as the outcome.
Made-up people."""

from __future__ import annotations

import sys

import json
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document

from cms_bridge.cli import main
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms

from .conftest import Clock

CONFIGURED_OFFICE = "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษาทดลอง เขต ๑๑"


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "cms-bridge.toml"
    path.write_text('[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n\n'
                    '[sync]\nledger = "ledger.sqlite3"\n\n'
                    f'[office]\nname = "{CONFIGURED_OFFICE}"\n\n'
                    '[report]\nsigner = "นายตั้งค่า ในไฟล์"\nposition = "นักวิชาการศึกษาชำนาญการ"\n', encoding="utf-8")
    monkeypatch.setenv("CMS_BRIDGE_SITE_APP_PASSWORD", "abcd EFGH 1234 ijkl MNOP 5678")
    monkeypatch.delenv("CMS_BRIDGE_CONFIG", raising=False)
    site = FakeCms(clock=Clock(datetime(2024, 6, 1, tzinfo=OFFICE_TZ)))
    monkeypatch.setattr("cms_bridge.bridge.connect", lambda config: site)
    return str(path)


def _report(config_file: str, out: Path, *extra: str) -> None:
    assert main(["--config", config_file, "report", "--fiscal-year", "2567", "--round", "1", "--group", "finance",
                 "--format", "json", "--format", "docx", "--out", str(out), *extra]) == 0


def test_the_signer_and_office_come_from_the_config_and_the_run_overrides_them(config_file: str, tmp_path: Path,
                                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config_file, "record", "--group", "finance", "--channel", "board", "--title",
                 "ติดประกาศหน้าสำนักงาน", "--date", "๑๐ ก.พ. ๒๕๖๗", "--by", "นางสาวทดลอง ใจดี",
                 "--note", "ผู้มาติดต่อราชการทราบ"]) == 0

    _report(config_file, tmp_path / "a")
    data = json.loads((tmp_path / "a" / "report-2567-r1-finance.json").read_text(encoding="utf-8"))["report"]
    assert (data["reporter_name"], data["reporter_position"]) == ("นายตั้งค่า ในไฟล์", "นักวิชาการศึกษาชำนาญการ")
    assert [(i["title"], i["outcome"]) for i in data["items"]] == [("ติดประกาศหน้าสำนักงาน", "ผู้มาติดต่อราชการทราบ")]
    texts = [p.text for p in Document(str(tmp_path / "a" / "report-2567-r1-finance.docx")).paragraphs]
    assert texts[1] == CONFIGURED_OFFICE and "\t(นายตั้งค่า ในไฟล์)" in texts

    _report(config_file, tmp_path / "b", "--office", "สำนักงานสมมุติ เขต ๒", "--signer", "นางต่อรอบ ใจเย็น",
            "--position", "ผู้อำนวยการกลุ่มอำนวยการ")
    data = json.loads((tmp_path / "b" / "report-2567-r1-finance.json").read_text(encoding="utf-8"))["report"]
    assert (data["reporter_name"], data["reporter_position"]) == ("นางต่อรอบ ใจเย็น", "ผู้อำนวยการกลุ่มอำนวยการ")
    texts = [p.text for p in Document(str(tmp_path / "b" / "report-2567-r1-finance.docx")).paragraphs]
    assert texts[1] == "สำนักงานสมมุติ เขต ๒" and "ตำแหน่ง ผู้อำนวยการกลุ่มอำนวยการ" in texts
    assert "Traceback" not in capsys.readouterr().err


def test_a_signer_with_a_line_break_in_the_config_is_refused_with_the_field(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cms-bridge.toml"
    path.write_text('[sync]\nledger = "ledger.sqlite3"\n[report]\nsigner = "นายหนึ่ง\\nนายสอง"\n', encoding="utf-8")
    monkeypatch.delenv("CMS_BRIDGE_CONFIG", raising=False)

    assert main(["--config", str(path), "report", "--fiscal-year", "2567", "--round", "1", "--all"]) == 2
    err = capsys.readouterr().err
    assert "signer" in err and "one line" in err and "Traceback" not in err


def test_report_all_signs_the_office_summary_too(config_file: str, tmp_path: Path) -> None:
    out = tmp_path / "all"
    assert main(["--config", config_file, "report", "--fiscal-year", "2567", "--round", "1", "--all",
                 "--format", "json", "--signer", "นางผู้อำนวยการ สมมุติ", "--out", str(out)]) == 0
    summary = json.loads((out / "summary-2567-r1.json").read_text(encoding="utf-8"))["summary"]
    assert (summary["signer_name"], summary["signer_position"]) == ("นางผู้อำนวยการ สมมุติ", "นักวิชาการศึกษาชำนาญการ")
    assert summary["items"] == 0 and len(summary["rows"]) == len(list(out.glob("report-*.json")))


def test_report_shows_its_stages_on_a_terminal_only(config_file: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--config", config_file, "report", "--fiscal-year", "2567", "--round", "1", "--all",
            "--format", "json", "--out", str(tmp_path / "r")]
    assert main(args) == 0
    assert capsys.readouterr().err == ""  # a pipe or a log: nothing
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(args) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "cms-bridge: reading the ledger and the site's posts of 2567 round 1…"
    assert err[1].startswith("cms-bridge: writing ") and err[1].endswith(" report(s) and the office summary…")
