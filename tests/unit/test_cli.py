from __future__ import annotations

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
