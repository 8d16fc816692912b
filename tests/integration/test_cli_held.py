"""status and plan against the real local site: a request blocked for an ID number, and one the
publish gate holds back, are listed with their reasons, and neither reaches WordPress (SQL)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from cms_bridge.cli import main
from cms_bridge.config import Config
from cms_bridge.samples import request_toml, text_pdf

ROOT = Path(__file__).resolve().parents[2]
#: A made-up number with a valid check digit (see tests/unit/test_idguard.py).
MADE_UP_ID = "1-1017-00203-45-0"


def wp_post_names() -> set[str]:
    """The slugs of every post in WordPress's own table, read with the mariadb client."""
    socket = ROOT / ".local" / "wordpress" / "run" / "mariadb.sock"
    done = subprocess.run(["mariadb", f"--socket={socket}", "-u", os.environ.get("USER") or _user(), "-N",
                           "wordpress", "-e", "SELECT post_name FROM wp_posts WHERE post_type = 'post'"],
                          capture_output=True, text=True, timeout=30, check=True)
    return set(done.stdout.split())


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def test_status_and_plan_show_requests_held_back(clean_site: Config, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    inbox = tmp_path / "inbox"
    for rid, text in (("held-ok-001", "Announcement"), ("held-gone-001", "Order"),
                      ("held-id-001", f"Citizen ID {MADE_UP_ID}")):
        (inbox / rid).mkdir(parents=True)
        (inbox / rid / "doc.pdf").write_bytes(text_pdf([text, rid]))
        (inbox / rid / "request.toml").write_text(request_toml(rid), encoding="utf-8")
    site = clean_site.require_site()
    config = tmp_path / "cms-bridge.toml"
    ledger = tmp_path / "ledger.sqlite3"
    config.write_text(f'[site]\nurl = "{site.url}"\nusername = "{site.username}"\n'
                      f'app_password_file = "{site.app_password_file}"\n[intake]\ninbox = "{inbox}"\n'
                      f'[sync]\nledger = "{ledger}"\n', encoding="utf-8")

    assert main(["--config", str(config), "plan"]) == 0
    out = capsys.readouterr().out
    assert "nothing to do" not in out and "1 request(s) held back" in out
    assert "held-id-001: blocked:" in out and "1-1017-xxxxx-xx-0" in out and "1101700203450" not in out

    assert main(["--config", str(config), "sync"]) == 0
    capsys.readouterr()
    assert {"pr-held-ok-001", "pr-held-gone-001"} <= wp_post_names()
    assert "pr-held-id-001" not in wp_post_names()

    # The second request's kept file is lost and its folder leaves the inbox; its post is deleted
    # from the site's database, so the bridge would create it again: the gate must hold it back.
    digest = hashlib.sha256(text_pdf(["Order", "held-gone-001"])).hexdigest()
    (Path(f"{ledger}.files") / digest[:2] / digest).unlink()
    for item in (inbox / "held-gone-001").iterdir():
        item.unlink()
    (inbox / "held-gone-001").rmdir()
    socket = ROOT / ".local" / "wordpress" / "run" / "mariadb.sock"
    subprocess.run(["mariadb", f"--socket={socket}", "-u", os.environ.get("USER") or _user(), "wordpress", "-e",
                    "DELETE FROM wp_posts WHERE post_name = 'pr-held-gone-001'"], check=True, timeout=30)

    assert main(["--config", str(config), "status", "--json"]) == 0
    rows = {r["request_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["held-ok-001"]["held"] is None and rows["held-ok-001"]["state"] == "published"
    assert rows["held-id-001"]["held"] == "blocked" and rows["held-id-001"]["decision"] == "not recorded"
    assert rows["held-gone-001"]["held"] == "blocked"
    assert any("not in the file store" in reason for reason in rows["held-gone-001"]["reasons"])

    assert main(["--config", str(config), "--lang", "th", "status"]) == 0
    thai = capsys.readouterr().out
    assert any(line.startswith("held-id-001") and "ถูกระงับ" in line for line in thai.splitlines())

    assert main(["--config", str(config), "plan", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert ("held-gone-001", "blocked") in {(a["request_id"], a["kind"]) for a in plan["actions"]}
    assert [h["request_id"] for h in plan["held"]] == ["held-id-001"]
    assert "pr-held-gone-001" not in wp_post_names() and "pr-held-id-001" not in wp_post_names()
