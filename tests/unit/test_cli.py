from __future__ import annotations

from pathlib import Path

import pytest

from cms_bridge import __version__
from cms_bridge.cli import build_parser, main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"cms-bridge {__version__}"


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: cms-bridge" in capsys.readouterr().out


def test_each_command_help_is_its_docstring(capsys: pytest.CaptureFixture[str]) -> None:
    from cms_bridge.cli import cmd_check

    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    assert (cmd_check.__doc__ or "").strip().splitlines()[0] in out
    assert "check" in build_parser().format_help()


def test_missing_config_file_is_a_clear_error(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "absent.toml"
    assert main(["--config", str(missing), "check"]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "cannot read the config file" in err


def test_decide_with_an_empty_name_says_who_is_missing_without_a_traceback(tmp_path, capsys) -> None:
    from cms_bridge.cli import main

    config = tmp_path / "cms-bridge.toml"
    config.write_text(f'[site]\nurl = "https://example.invalid"\nusername = "u"\n'
                      f'[sync]\nledger = "{tmp_path / "l.sqlite3"}"\n', encoding="utf-8")
    code = main(["--config", str(config), "decide", "2570-x-001", "--approve", "--by", "  "])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith("cms-bridge: error: 2570-x-001: cannot record the decision") and "--by" in err


# --- user mistakes: one line on stderr, exit 2 (usage/configuration) or 1, never a traceback ---

@pytest.fixture
def cli_config(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """A config file with a ledger in tmp_path; the site is never contacted."""
    path = tmp_path / "cms-bridge.toml"
    path.write_text('[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n\n'
                    '[sync]\nledger = "ledger.sqlite3"\n', encoding="utf-8")
    monkeypatch.setenv("CMS_BRIDGE_SITE_APP_PASSWORD", "abcd EFGH 1234 ijkl MNOP 5678")
    monkeypatch.delenv("CMS_BRIDGE_CONFIG", raising=False)

    def no_site(*args: object, **kwargs: object) -> None:
        raise AssertionError("a user mistake must be caught before the site is asked anything")

    monkeypatch.setattr("cms_bridge.bridge.connect", lambda config: object())
    monkeypatch.setattr("cms_bridge.reports.harvest._bridge_items", no_site)
    return str(path)


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    # One message: its first line says it is an error; any further lines are its indented details
    # (every problem of a configuration file at once).
    assert lines and lines[0].startswith("cms-bridge: error: "), err
    assert all(line.startswith("  ") for line in lines[1:]), err
    return " ".join(line.strip() for line in lines)


def test_report_with_a_group_given_twice_exits_2(cli_config, tmp_path, capsys) -> None:
    code = main(["--config", cli_config, "report", "--fiscal-year", "2567", "--round", "1",
                 "--group", "finance", "--group", "finance", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "group 'finance' is asked for twice" in _error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_report_with_a_christian_era_year_exits_2(cli_config, tmp_path, capsys) -> None:
    code = main(["--config", cli_config, "report", "--fiscal-year", "2024", "--round", "1", "--all",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    line = _error_line(capsys)
    assert "2024" in line and "Christian Era" in line and "2567" in line


def test_record_for_an_unknown_group_exits_2(cli_config, capsys) -> None:
    code = main(["--config", cli_config, "record", "--group", "no-such-group", "--channel", "board",
                 "--title", "ประกาศ", "--date", "2026-11-24", "--by", "สมชาย"])
    assert code == 2
    assert "no-such-group" in _error_line(capsys)


def test_record_with_a_day_that_does_not_exist_exits_2(cli_config, capsys) -> None:
    code = main(["--config", cli_config, "record", "--group", "finance", "--channel", "board",
                 "--title", "ประกาศ", "--date", "31 ก.พ. 2569", "--by", "สมชาย"])
    assert code == 2
    line = _error_line(capsys)
    assert "31 ก.พ. 2569" in line and "only 28 days" in line


def test_record_takes_the_forms_thai_channel_names(cli_config, capsys) -> None:
    code = main(["--config", cli_config, "record", "--group", "finance", "--channel", "บอร์ด/ป้ายประชาสัมพันธ์",
                 "--title", "ประกาศ", "--date", "2026-11-24", "--by", "สมชาย"])
    assert code == 0 and " board " in capsys.readouterr().out
    code = main(["--config", cli_config, "record", "--group", "finance", "--channel", "ไลน์",
                 "--title", "ประกาศ", "--date", "2026-11-24", "--by", "สมชาย"])
    assert code == 2
    line = _error_line(capsys)
    assert "'ไลน์' is not a channel" in line and "social (สื่อสังคมออนไลน์)" in line


def test_decide_with_an_unreadable_time_names_the_option(cli_config, capsys) -> None:
    code = main(["--config", cli_config, "decide", "REQ-1", "--approve", "--by", "ผอ.", "--at", "yesterday-ish"])
    assert code == 2
    assert "--at 'yesterday-ish'" in _error_line(capsys)


def test_decide_on_an_unknown_request_exits_1(cli_config, capsys) -> None:
    code = main(["--config", cli_config, "decide", "REQ-404", "--approve", "--by", "ผอ."])
    assert code == 1
    assert "REQ-404" in _error_line(capsys)


def test_report_with_a_missing_problems_file_names_it(cli_config, tmp_path, capsys) -> None:
    missing = tmp_path / "problems.txt"
    code = main(["--config", cli_config, "report", "--fiscal-year", "2567", "--round", "1", "--group", "finance",
                 "--problems", str(missing)])
    assert code == 1
    assert str(missing) in _error_line(capsys)


def test_config_with_an_unknown_attachment_type_names_the_field(cli_config, tmp_path, capsys) -> None:
    path = tmp_path / "cms-bridge.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[intake]\nallowed_types = ["pdf", "exe"]\n',
                    encoding="utf-8")
    (tmp_path / "request.toml").write_text("", encoding="utf-8")
    code = main(["--config", str(path), "validate", str(tmp_path / "request.toml")])
    assert code == 2
    line = _error_line(capsys)
    assert "allowed_types" in line and "exe" in line


# --- clear messages for likely mistakes and for the machine's limits (issue 12 §8, issue 14 §4) ---

def test_mappings_ita_that_is_not_a_year_exits_2(cli_config, capsys) -> None:
    code = main(["--config", cli_config, "mappings", "check", "--ita", "abc"])
    assert code == 2
    assert _error_line(capsys) == ("cms-bridge: error: argument --ita: 'abc' is not a year; give a Buddhist Era "
                                   "(BE) year, e.g. 2570 (see: cms-bridge mappings --help)")


def test_report_for_a_christian_era_year_asks_did_you_mean_before_anything_runs(cli_config, tmp_path,
                                                                                  capsys) -> None:
    code = main(["--config", cli_config, "report", "--fiscal-year", "2027", "--round", "1", "--all",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert _error_line(capsys) == (
        "cms-bridge: error: argument --fiscal-year: 2027 looks like a Christian Era (CE) year; years here are "
        "Buddhist Era (BE) years: did you mean 2570? (see: cms-bridge report --help)")
    assert not (tmp_path / "out").exists() and not (tmp_path / "ledger.sqlite3").exists()


def test_a_mistyped_command_line_is_one_line_and_exit_2(capsys) -> None:
    assert main(["report", "--fiscal-year", "2570", "--round", "3"]) == 2
    assert _error_line(capsys) == ("cms-bridge: error: argument --round: invalid choice: 3 (choose from 1, 2) "
                                   "(see: cms-bridge report --help)")


def test_decide_on_an_unknown_request_says_to_run_sync_or_validate(cli_config, capsys) -> None:
    code = main(["--config", cli_config, "decide", "2570-x-404", "--approve", "--by", "ผอ."])
    assert code == 1
    line = _error_line(capsys)
    assert line == "cms-bridge: error: no request 2570-x-404 in the ledger; run sync or validate first"
    assert "record_request" not in line


def test_output_cut_short_exits_141_without_a_traceback(cli_config, tmp_path, monkeypatch, capsys) -> None:
    class GoneReader:
        """stdout whose reader went away, as `| head` leaves it once it has its lines."""

        def __init__(self) -> None:
            self.file = (tmp_path / "stdout").open("w")

        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self) -> int:
            return self.file.fileno()

    monkeypatch.setattr("sys.stdout", GoneReader())
    assert main(["--config", cli_config, "status", "--json"]) == 141
    assert capsys.readouterr().err == ""


def test_status_json_into_a_closed_pipe_ends_quietly(cli_config, tmp_path) -> None:
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone: `cms-bridge status --json | head -c0`
    try:
        done = subprocess.run([sys.executable, "-m", "cms_bridge", "--config", cli_config, "status", "--json"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=120,
                              env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}, check=False)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def _full_ledger(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ledger opened from now on is on a full disk: SQLite may not grow the file any more."""
    from cms_bridge.ledger.store import Ledger

    opened = Ledger.__init__

    def on_a_full_disk(self, *args, **kwargs) -> None:
        opened(self, *args, **kwargs)
        pages = self.connection.execute("PRAGMA page_count").fetchone()[0]
        self.connection.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(Ledger, "__init__", on_a_full_disk)


def test_a_full_disk_under_the_ledger_says_so_and_loses_nothing(cli_config, tmp_path, monkeypatch,
                                                                 capsys) -> None:
    from cms_bridge.ledger.store import Ledger

    record = ["--config", cli_config, "record", "--group", "finance", "--channel", "board",
              "--title", "ประกาศ", "--date", "2026-11-24", "--by", "สมชาย"]
    monkeypatch.chdir(tmp_path)
    assert main(record) == 0
    capsys.readouterr()
    _full_ledger(monkeypatch)
    code = main([*record, "--note", "ยาว" * 100_000])
    assert code == 1
    ledger_path = tmp_path / "ledger.sqlite3"
    assert _error_line(capsys) == (
        f"cms-bridge: error: the disk is full: the ledger {ledger_path} cannot be written; nothing was lost: "
        "the change was not recorded and the ledger is as it was before (SQLite undid the unfinished write). "
        "Free some space on that disk and run the command again: it carries on from there")
    monkeypatch.undo()
    with Ledger(ledger_path) as ledger:
        assert [m.title for m in ledger.manual_publications()] == ["ประกาศ"]


def test_a_full_disk_while_writing_a_report_says_where_and_keeps_the_old_file(cli_config, tmp_path,
                                                                              monkeypatch, capsys) -> None:
    import errno
    import os

    monkeypatch.setattr("cms_bridge.reports.harvest._bridge_items", lambda *args: ({}, set()))
    monkeypatch.setattr("cms_bridge.reports.harvest._site_items", lambda *args: {})
    out = tmp_path / "out"
    report = ["--config", cli_config, "report", "--fiscal-year", "2570", "--round", "1", "--group", "finance",
              "--format", "json", "--out", str(out)]
    assert main(report) == 0
    [written] = capsys.readouterr().out.split()
    before = Path(written).read_bytes()

    def write_until_the_disk_fills(path: Path, data: object) -> None:
        with path.open("wb") as fh:
            fh.write(b'{"report": ')  # a write cut off part way, as on a real full disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("cms_bridge.reports.render._write_json", write_until_the_disk_fills)
    assert main(report) == 1
    assert _error_line(capsys) == (
        f"cms-bridge: error: the disk is full: cannot write the report in {out}; nothing was lost: the ledger "
        "and the site are unchanged, and each report file is written under a temporary name first, so no file "
        "is left half-written. Free some space on that disk and run it again")
    assert Path(written).read_bytes() == before and sorted(p.name for p in out.iterdir()) == [Path(written).name]
