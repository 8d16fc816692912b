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
