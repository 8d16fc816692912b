"""Work done once: an inbox file read clean is not read, parsed or checked again while neither it
nor the files it names change (ledger/readcache.py, intake/inbox.py ReadFile); counted, never timed."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

import cms_bridge.intake.inbox as inbox_module
from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.intake.attachments import AttachmentInfo
from cms_bridge.ledger.keeper import FileKeeper
from cms_bridge.samples import text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms

from .conftest import Clock
from .test_fake_sync import make_config, write_request

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=OFFICE_TZ)
WRITES = ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


class Counts:
    """How often intake parses a request file, validates a request and takes a file in."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: Counter[str] = Counter()
        for name in ("read_toml_text", "_validate", "scan_fields"):
            original = getattr(inbox_module, name)
            monkeypatch.setattr(inbox_module, name, self._counting(name, original))
        take_in = FileKeeper.take_in

        def counted_take_in(keeper: FileKeeper, path: Path, **kwargs: object) -> AttachmentInfo:
            self.calls["take_in"] += 1
            return take_in(keeper, path, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(FileKeeper, "take_in", counted_take_in)

    def _counting(self, name: str, original):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.calls[name] += 1
            return original(*args, **kwargs)
        return wrapper

    def take(self) -> Counter[str]:
        seen, self.calls = self.calls, Counter()
        return seen


def _bridge(config: Config, tmp_path: Path, inbox: Path, **intake: object) -> Bridge:
    made = make_config(config, tmp_path, inbox)
    if intake:
        made = made.model_copy(update={"intake": made.intake.model_copy(update=intake)})
    return Bridge(made, cms=FakeCms(clock=Clock(NOW)), clock=lambda: NOW)


def _writes(bridge: Bridge) -> list[str]:
    statements: list[str] = []
    bridge.ledger.connection.set_trace_callback(statements.append)
    return statements


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    for i in range(5):
        write_request(folder, f"rc-{i}", pdf_text=f"Document {i}")
    return folder


def test_an_unchanged_inbox_is_not_read_again_and_nothing_is_written_even_after_a_restart(
        config: Config, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counts(monkeypatch)
    with _bridge(config, tmp_path, inbox) as bridge:
        first = bridge.intake()
        assert len(first.requests) == 5 and first.unchanged == []
        assert counts.take() == Counter(read_toml_text=5, _validate=5, scan_fields=5, take_in=5)
        statements = _writes(bridge)
        again = bridge.intake()
        assert again.requests == [] and sorted(again.unchanged) == [f"rc-{i}" for i in range(5)]
        assert counts.take() == Counter()
        assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] == []
        assert len(statements) <= 3  # the cache's rows, the ledger's marks: set-wise, not per request
    with _bridge(config, tmp_path, inbox) as restarted:  # the cache is in the ledger
        statements = _writes(restarted)
        assert sorted(restarted.intake().unchanged) == [f"rc-{i}" for i in range(5)]
        assert counts.take() == Counter()
        assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] == []


def test_a_file_replaced_with_the_same_size_and_modification_time_is_read_again(
        config: Config, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counts(monkeypatch)
    with _bridge(config, tmp_path, inbox) as bridge:
        bridge.intake()
        before = bridge.ledger.site_version("rc-1").current_version
        pdf = inbox / "rc-1" / "doc.pdf"
        old = pdf.stat()
        other = text_pdf(["Document X doc.pdf"])  # same length as "Document 1 doc.pdf"
        assert len(other) == old.st_size and other != pdf.read_bytes()
        # Replaced in place, then its modification time set back: size and mtime as before,
        # only the change time (and here the inode) tell.
        replacement = pdf.with_name("doc.tmp")
        replacement.write_bytes(other)
        os.replace(replacement, pdf)
        os.utime(pdf, ns=(old.st_atime_ns, old.st_mtime_ns))
        assert (pdf.stat().st_size, pdf.stat().st_mtime_ns) == (old.st_size, old.st_mtime_ns)
        counts.take()
        report = bridge.intake()
        assert [r.request.request_id for r in report.requests] == ["rc-1"] and len(report.unchanged) == 4
        assert counts.take()["take_in"] == 1
        assert bridge.ledger.site_version("rc-1").current_version != before  # an amendment


def test_a_file_rewritten_in_place_with_its_times_set_back_is_read_again(
        config: Config, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _bridge(config, tmp_path, inbox) as bridge:
        bridge.intake()
        pdf = inbox / "rc-2" / "doc.pdf"
        old = pdf.stat()
        pdf.write_bytes(text_pdf(["Document Y doc.pdf"]))  # same inode, same size
        os.utime(pdf, ns=(old.st_atime_ns, old.st_mtime_ns))
        assert pdf.stat().st_ino == old.st_ino
        report = bridge.intake()
        assert [r.request.request_id for r in report.requests] == ["rc-2"]


def test_a_touched_file_is_hashed_not_parsed_and_then_trusted_under_its_new_stamp(
        config: Config, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counts(monkeypatch)
    with _bridge(config, tmp_path, inbox) as bridge:
        bridge.intake()
        (inbox / "rc-3" / "request.toml").touch()
        (inbox / "rc-3" / "doc.pdf").touch()
        counts.take()
        statements = _writes(bridge)
        report = bridge.intake()
        assert report.requests == [] and len(report.unchanged) == 5
        assert counts.take() == Counter()  # the same bytes: nothing parsed, checked or scanned
        assert sum("INSERT OR REPLACE INTO read_files" in s for s in statements) == 1  # the new stamps
        statements.clear()
        bridge.intake()
        assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] == []


def test_a_new_scanner_new_settings_or_changed_mappings_read_everything_again(
        config: Config, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _bridge(config, tmp_path, inbox) as bridge:
        bridge.intake()
        monkeypatch.setattr(inbox_module, "SCANNER_VERSION", "a newer scanner")
        assert len(bridge.intake().requests) == 5
        assert len(bridge.intake().unchanged) == 5
    with _bridge(config, tmp_path, inbox, allowed_types=("pdf", "png")) as bridge:
        assert len(bridge.intake().requests) == 5
    with _bridge(config, tmp_path, inbox, allowed_types=("pdf", "png")) as bridge:
        bridge.mappings = bridge.mappings.model_copy(update={"groups": dict(bridge.mappings.groups)})
        assert len(bridge.intake().unchanged) == 5  # the same mappings
        kinds = dict(bridge.mappings.kinds)
        kinds["other"] = kinds["other"].model_copy(update={"name": "อื่น ๆ (แก้ไข)"})
        bridge.mappings = bridge.mappings.model_copy(update={"kinds": kinds})
        assert len(bridge.intake().requests) == 5


def test_a_request_the_ledger_changed_since_is_read_from_its_file_again(
        config: Config, tmp_path: Path, inbox: Path) -> None:
    with _bridge(config, tmp_path, inbox) as bridge:
        bridge.intake()
        bridge.record_decision("rc-4", status="rejected", by="นายสมมุติ ใจกว้าง", note="ไม่อนุญาต")
        report = bridge.intake()
        assert [r.request.request_id for r in report.requests] == ["rc-4"]
        # Its file's decision is not recorded over decide's: said each pass, so read each pass.
        assert [p.field for p in report.problems] == ["decision"]
        again = bridge.intake()
        assert [p.field for p in again.problems] == ["decision"] and len(again.unchanged) == 4


def test_warnings_are_given_again_and_invalid_files_read_each_time(
        config: Config, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counts(monkeypatch)
    request = inbox / "rc-0" / "request.toml"
    request.write_text(request.read_text(encoding="utf-8").replace(
        'purpose = "ทดสอบการเผยแพร่"', 'purpose = "ทดสอบ โทร 081-234-5678"'), encoding="utf-8")
    (inbox / "bad").mkdir()
    (inbox / "bad" / "request.toml").write_text('request_id = "bad-1"\n', encoding="utf-8")
    with _bridge(config, tmp_path, inbox) as bridge:
        first = bridge.intake()
        counts.take()
        again = bridge.intake()
        assert again.problems == first.problems and any(p.severity == "warning" for p in again.problems)
        assert [h.request_id for h in again.held] == ["bad-1"]
        assert counts.take()["read_toml_text"] == 1  # only the invalid one


def test_status_does_not_read_the_files_the_ledger_holds_as_read(
        config: Config, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counts(monkeypatch)
    (inbox / "bad").mkdir()
    (inbox / "bad" / "request.toml").write_text('request_id = "bad-1"\n', encoding="utf-8")
    with _bridge(config, tmp_path, inbox) as bridge:
        bridge.intake()
        counts.take()
        statements = _writes(bridge)
        rows = bridge.status(NOW)
        assert counts.take() == Counter(read_toml_text=1, _validate=1)  # the invalid file only
        assert [r.request_id for r in rows if r.held == "invalid"] == ["bad-1"]
        assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] == []
