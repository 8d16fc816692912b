"""`cms-bridge check` against the real local WordPress: a working site, a wrong password, a wrong URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cms_bridge.check import run_check
from cms_bridge.config import Config


def cli(config_file: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CMS_BRIDGE_SITE")}
    return subprocess.run(
        [sys.executable, "-m", "cms_bridge", "--config", str(config_file), "check", *args],
        capture_output=True, text=True, env={**environ, **env}, timeout=120,
    )


def test_working_site_reports_everything_ok(clean_site: Config) -> None:
    report = run_check(clean_site)
    assert report.usable
    assert report.timezone == "Asia/Bangkok"
    assert report.batch_limit == 25
    assert report.wordpress_version and report.wordpress_version.startswith("6.")
    assert report.rest_root and "rest_route=" in report.rest_root
    assert [f for f in report.findings if f.status == "problem"] == []


def test_cli_exit_zero_and_json_without_secrets(wordpress_site: Path, clean_site: Config) -> None:
    result = cli(wordpress_site, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["usable"] is True
    assert clean_site.app_password() not in result.stdout + result.stderr


def test_wrong_password_is_one_actionable_problem(wordpress_site: Path, clean_site: Config) -> None:
    result = cli(wordpress_site, CMS_BRIDGE_SITE_APP_PASSWORD="abcd efgh ijkl mnop qrst uvwx")
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if "PROBLEM" in line]
    assert len(problems) == 1 and "did not accept user 'admin'" in problems[0]
    assert "fix: create a new application password" in result.stdout
    assert "abcd efgh" not in result.stdout + result.stderr


def test_wrong_url_says_unreachable(wordpress_site: Path) -> None:
    # Port 9 (discard) is closed on loopback; the connection is refused at once.
    result = cli(wordpress_site, CMS_BRIDGE_SITE_URL="http://127.0.0.1:9")
    assert result.returncode == 1
    assert "PROBLEM  reachable: cannot reach the site" in result.stdout
    assert "Connection refused" in result.stdout


def test_bad_config_is_exit_2_with_the_file_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[site]\nurl = "ftp://x"\nusername = "a"\n', encoding="utf-8")
    result = cli(bad)
    assert result.returncode == 2
    assert str(bad) in result.stderr and "http:// or https://" in result.stderr
    assert "Traceback" not in result.stderr
