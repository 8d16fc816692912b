"""Shared set-up for the desk's tests: Django configured once per process, a fresh ledger per test."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from cms_bridge.config import Config, DeskConfig, SyncConfig
from cms_bridge.samples import text_pdf

#: A made-up number with a valid checksum (the same arithmetic as tests/unit/test_idguard.py).
_PREFIX = "110170020345"
ID_NUMBER = _PREFIX + str((11 - sum(int(d) * (14 - i) for i, d in enumerate(_PREFIX, start=1)) % 11) % 10)
ID_MASKED = f"{ID_NUMBER[0]}-{ID_NUMBER[1:5]}-xxxxx-xx-{ID_NUMBER[12]}"
GROUPED = "-".join((ID_NUMBER[0], ID_NUMBER[1:5], ID_NUMBER[5:10], ID_NUMBER[10:12], ID_NUMBER[12]))
PASSWORD = "long-enough-passphrase-7"
MAX_UPLOAD_MB = 1
LOGIN_FAILURES = 3

_desk_dir = Path(tempfile.mkdtemp(prefix="cms-bridge-desk-tests-"))


def desk_config(ledger_dir: Path) -> Config:
    """A configuration whose ledger is in *ledger_dir*; the desk's own database is shared by the process."""
    return Config(sync=SyncConfig(ledger=ledger_dir / "ledger.sqlite3"),
                  desk=DeskConfig(database=_desk_dir / "desk.sqlite3", max_upload_mb=MAX_UPLOAD_MB,
                                  login_failures=LOGIN_FAILURES))


def setup_desk(ledger_dir: Path) -> Config:
    """Configure Django (once) and point the desk at a fresh ledger; every account is removed."""
    from cms_bridge.desk.setup import configure

    config = desk_config(ledger_dir)
    configure(config, testing=True)
    from django.conf import settings

    # Still argon2, with its cost lowered so a test's dozen logins take no seconds on a shared machine.
    settings.PASSWORD_HASHERS = ["tests.unit.desk_support.QuickArgon2"]
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    User.objects.all().delete()
    Session.objects.all().delete()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.all().delete()
    return config


def _quick_argon2() -> type:
    from django.contrib.auth.hashers import Argon2PasswordHasher

    class QuickArgon2(Argon2PasswordHasher):
        time_cost = 1
        memory_cost = 1024
        parallelism = 1

    return QuickArgon2


def __getattr__(name: str) -> object:
    # Built on first use: Django's hashers need settings, which setup_desk configures.
    if name == "QuickArgon2":
        return _quick_argon2()
    raise AttributeError(name)


def clean_pdf(text: str = "Announcement of the exam timetable") -> bytes:
    return text_pdf([text])


def id_pdf() -> bytes:
    """A two-page PDF with the made-up ID number on page 2."""
    return text_pdf(["Candidates", f"1. Somsri  ID {GROUPED}"])


def form_data(**overrides: Any) -> dict[str, Any]:
    """The request form as a clerk fills it, Thai digits and dates included."""
    data: dict[str, Any] = {
        "document_number": "ศธ ๐๔๒๔๑/๑๒๓",
        "request_date": "๑ กันยายน ๒๕๖๙",
        "requester_name": "นางสาวทดลอง ใจดี",
        "requester_position": "นักวิชาการคอมพิวเตอร์",
        "title": "ประกาศตารางสอบ",
        "purpose": "เพื่อประชาสัมพันธ์",
        "file_count": "๑",
        "page_count": "๑",
        "channels": ["website", "board"],
        "window_kind": "fiscal_year",
        "fiscal_year": "ตลอดปีงบประมาณ ๒๕๗๐",
        "body": "รายละเอียดตารางสอบ",
        "source": "กลุ่มส่งเสริมการศึกษาทางไกล",
        "kind": "other",
        "action": "submit",
    }
    data.update(overrides)
    return data
