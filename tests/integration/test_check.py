"""`cms-bridge check` against the real local WordPress: a working site, a wrong password, a wrong URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cms_bridge.wordpress.check import run_check
from cms_bridge.config import Config

from .conftest import SWITCHES, declared_version, wordpress_tree


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
    assert report.wordpress_version == declared_version(wordpress_tree())
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


def test_stripped_authorization_header_is_named_as_such(clean_site: Config, site_switch) -> None:
    site_switch("strip-authorization")
    report = run_check(clean_site)
    auth = next(f for f in report.findings if f.name == "authenticated (REST)")
    assert "strips the Authorization header" in auth.detail
    assert "CGIPassAuth" in (auth.fix or "")
    # XML-RPC still works with the same password, so with api = "auto" the bridge can go on.
    assert auth.status == "warning" and report.usable


def test_rest_disabled_falls_back_to_xmlrpc_only_when_allowed(clean_site: Config, site_switch, wordpress_site) -> None:
    site_switch("rest-disabled")
    auto = run_check(clean_site)
    assert auto.usable and auto.wordpress_version
    site_switch("xmlrpc-disabled")
    rest_only = run_check(clean_site)
    assert rest_only.wordpress_version == auto.wordpress_version  # read from the feed instead
    (SWITCHES / "xmlrpc-disabled").unlink()
    rest_line = next(f for f in auto.findings if f.name == "REST API")
    assert rest_line.status == "warning" and "disabled" in rest_line.detail
    assert auto.timezone == "UTC+7"  # XML-RPC knows the offset only
    result = cli(wordpress_site, CMS_BRIDGE_SITE_API="rest")
    assert result.returncode == 1 and "PROBLEM  REST API: not available" in result.stdout


def test_upload_probe_reports_rar_and_leaves_nothing_behind(clean_site: Config) -> None:
    from cms_bridge.wordpress import RestAdapter
    from cms_bridge.wordpress.http import HttpClient

    report = run_check(clean_site, probe_uploads=True)
    assert report.upload_types == {"pdf": True, "docx": True, "xlsx": True, "pptx": True, "zip": True,
                                   "rar": False, "jpg": True, "png": True}
    rar = next(f for f in report.findings if f.name == "upload .rar")
    assert "application/x-rar" in (rar.fix or "")
    media = RestAdapter(HttpClient(clean_site)).http.request(
        "GET", clean_site.site.url + "/?rest_route=/wp/v2/media", params={"per_page": 1, "_fields": "id"})
    assert media.headers["X-WP-Total"] == "0"
