"""``cms-bridge desk users …``, run as the command (its own process: Django is set up once per process)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from ..conftest import ROOT

PASSWORD = "long-enough-passphrase-7"


def run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CMS_BRIDGE_SYNC_LEDGER": str(tmp_path / "ledger.sqlite3")}
    env.pop("CMS_BRIDGE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "cms_bridge", "desk", "users", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_accounts_are_added_listed_given_a_role_and_removed(tmp_path: Path) -> None:
    added = run(tmp_path, "add", "clerk1", "--role", "clerk", "--group", "กลุ่มบริหารการเงินและสินทรัพย์",
                "--name", "นางสาวทดลอง ใจดี", "--position", "นักวิชาการเงินและบัญชี", "--password-stdin",
                "--email", "clerk1@example-office.go.th",
                stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added clerk1: clerk of finance"
    assert PASSWORD not in added.stdout + added.stderr
    # argon2, never the password itself.
    database = tmp_path / "ledger.sqlite3.desk"
    [(hashed, email)] = sqlite3.connect(database).execute("SELECT password, email FROM auth_user").fetchall()
    assert email == "clerk1@example-office.go.th"
    assert hashed.startswith("argon2$") and PASSWORD not in hashed
    assert database.stat().st_mode & 0o077 == 0
    assert run(tmp_path, "set-role", "clerk1", "--role", "committee").stdout.strip() == "clerk1: committee"
    listed = run(tmp_path, "list")
    assert listed.stdout.splitlines() == ["clerk1\tcommittee\t-\tนางสาวทดลอง ใจดี"]
    assert run(tmp_path, "remove", "clerk1").returncode == 0
    assert run(tmp_path, "list").stdout == ""


def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    cases = [
        (("add", "x", "--role", "clerk", "--name", "ก", "--password-stdin"), "give --group"),
        (("add", "x", "--role", "pr", "--group", "ict", "--name", "ก", "--password-stdin"), "leave --group out"),
        (("add", "x", "--role", "clerk", "--group", "nosuch", "--name", "ก", "--password-stdin"), "nosuch"),
        (("add", "x", "--role", "pr", "--name", "ก", "--password-stdin"), "password for 'x' refused"),
        (("add", "x", "--role", "pr", "--name", "ก", "--email", "not-an-address", "--password-stdin"),
         "is not an e-mail address"),
        (("remove", "nobody"), "no user 'nobody'"),
        (("set-role", "nobody", "--role", "pr"), "no user 'nobody'"),
    ]
    for args, expected in cases:
        result = run(tmp_path, *args, stdin="short\n")
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
