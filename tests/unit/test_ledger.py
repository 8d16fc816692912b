"""Ledger: real SQLite files, migrations, versions, decisions, publications, media, events.

People, ids and posts are made up. Time comes from a fake clock; nothing patches datetime.
"""

from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms_bridge.errors import CmsBridgeError
from cms_bridge.intake.origin import Origin
from cms_bridge.ledger.store import DEFAULT_MIGRATIONS, Ledger, LedgerError, MediaRecord
from cms_bridge.intake.request import Decision, PublicationRequest

BANGKOK = timezone(timedelta(hours=7))
T0 = datetime(2024, 6, 3, 9, 0, tzinfo=BANGKOK)
APPROVAL = {
    "status": "approved",
    "by": "นายสมมติ อนุมัติดี",
    "position": "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
    "at": "2024-05-22T16:30:00+07:00",
}
REJECTION = {**APPROVAL, "status": "rejected", "at": "2024-05-23T10:00:00+07:00", "note": "แนบไฟล์ไม่ครบ"}


class FakeClock:
    """Returns `now` until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request_id": "pr-2567-0042",
        "document_number": "ศธ 04241/321",
        "request_date": "2024-05-20",
        "requester": {"name": "นางสาวสมใจ ทดสอบ", "position": "นักวิชาการคอมพิวเตอร์"},
        "group": "ict",
        "title": "ประกาศรับสมัครอบรมครูด้านดิจิทัล",
        "purpose": "ประชาสัมพันธ์ให้ครูในสังกัดทราบ",
        "kind": "information",
        "channels": ["website", "social"],
        "window": {"kind": "permanent"},
    }
    data.update(changes)
    return data


def request(**changes: Any) -> PublicationRequest:
    return PublicationRequest.model_validate(form(**changes))


def stamp(moment: datetime) -> str:
    """How the ledger stores a clock value."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def ledger(path: Path, clock: FakeClock) -> Iterator[Ledger]:
    with Ledger(path, clock=clock) as opened:
        yield opened


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


# --- opening and migrations ---------------------------------------------------------------


def test_opening_twice_applies_the_initial_migration_once(path: Path, clock: FakeClock) -> None:
    Ledger(path, clock=clock).close()
    clock.advance(days=1)
    Ledger(path, clock=clock).close()
    expected = [(m.__name__, stamp(T0)) for m in DEFAULT_MIGRATIONS]
    assert raw(path).execute("SELECT name, applied_at FROM migrations ORDER BY rowid").fetchall() == expected


def test_an_extra_migration_is_applied_once_and_recorded(path: Path, clock: FakeClock) -> None:
    calls = []

    def m900_add_tags(db: sqlite3.Connection) -> None:
        calls.append(1)
        db.execute("ALTER TABLE requests ADD COLUMN tags TEXT")

    Ledger(path, clock=clock).close()
    t1 = clock.advance(hours=1)
    for _ in range(2):
        Ledger(path, clock=clock, migrations=DEFAULT_MIGRATIONS + [m900_add_tags]).close()
    assert calls == [1]
    assert raw(path).execute("SELECT name, applied_at FROM migrations ORDER BY rowid").fetchall() == [
        *((m.__name__, stamp(T0)) for m in DEFAULT_MIGRATIONS),
        ("m900_add_tags", stamp(t1)),
    ]
    assert "tags" in [row[1] for row in raw(path).execute("PRAGMA table_info(requests)")]


def test_a_failing_migration_leaves_nothing_behind(path: Path, clock: FakeClock) -> None:
    def m900_broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        Ledger(path, clock=clock, migrations=DEFAULT_MIGRATIONS + [m900_broken])
    tables = {row[0] for row in raw(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "requests" in tables and "half_done" not in tables
    assert raw(path).execute("SELECT name FROM migrations").fetchall() == [(m.__name__,) for m in DEFAULT_MIGRATIONS]


def test_a_file_migrated_by_a_newer_version_is_refused(path: Path, clock: FakeClock) -> None:
    def m900_future(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE future (x)")

    Ledger(path, clock=clock, migrations=DEFAULT_MIGRATIONS + [m900_future]).close()
    with pytest.raises(LedgerError, match="newer cms-bridge.*m900_future"):
        Ledger(path, clock=clock)


def test_pragmas_wal_foreign_keys_busy_timeout_synchronous(ledger: Ledger, path: Path) -> None:
    # journal_mode is a property of the file, so a separate connection sees it.
    assert raw(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    pragma = lambda name: ledger.connection.execute(f"PRAGMA {name}").fetchone()[0]
    assert (pragma("foreign_keys"), pragma("busy_timeout"), pragma("synchronous")) == (1, 5000, 1)


def test_in_memory_ledger_works(clock: FakeClock) -> None:
    with Ledger(":memory:", clock=clock) as ledger:
        assert ledger.record_request(request(), source="form.toml", actor="tester").change == "added"
        assert ledger.list_request_ids() == ["pr-2567-0042"]


def test_unusable_files_raise_ledger_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.sqlite"
    garbage.write_bytes(b"this is not a database, it is a shopping list" * 100)
    with pytest.raises(LedgerError, match="not a usable ledger .*restore the last backup"):
        Ledger(garbage)
    with pytest.raises(LedgerError, match="cannot open"):
        Ledger(tmp_path / "missing-folder" / "ledger.sqlite")
    assert issubclass(LedgerError, CmsBridgeError)


def test_context_manager_closes_the_connection(path: Path, clock: FakeClock) -> None:
    with Ledger(path, clock=clock) as ledger:
        pass
    with pytest.raises(sqlite3.ProgrammingError):
        ledger.list_request_ids()


# --- requests, versions, decisions ----------------------------------------------------------


def test_new_request_is_added_with_a_version_and_an_event(ledger: Ledger) -> None:
    original = request()
    outcome = ledger.record_request(original, source="requests/pr-2567-0042.toml", actor="intake")
    assert (outcome.change, outcome.version_hash, outcome.decision_changed) == ("added", original.version_hash(), False)
    [version] = ledger.versions("pr-2567-0042")
    assert version.version_hash == original.version_hash()
    assert version.source == "requests/pr-2567-0042.toml"
    # The payload leaves the decision out, so it alone reproduces the hash it is stored under.
    assert "decision" not in version.payload
    assert PublicationRequest.model_validate(version.payload).version_hash() == version.version_hash
    [event] = ledger.events()
    assert (event.action, event.actor, event.request_id) == ("request.added", "intake", "pr-2567-0042")
    assert event.before is None
    assert event.after == {"version_hash": original.version_hash(), "source": "requests/pr-2567-0042.toml"}


def test_same_request_again_changes_nothing(ledger: Ledger, path: Path) -> None:
    ledger.record_request(request(), source="a.toml", actor="intake")
    before = raw(path).execute("SELECT * FROM requests").fetchall()
    outcome = ledger.record_request(request(), source="b.toml", actor="intake")
    assert (outcome.change, outcome.decision_changed) == ("unchanged", False)
    assert len(ledger.events()) == 1
    assert len(ledger.versions("pr-2567-0042")) == 1
    assert raw(path).execute("SELECT * FROM requests").fetchall() == before


def test_amended_request_keeps_every_version(ledger: Ledger, clock: FakeClock) -> None:
    first, second = request(), request(title="ประกาศรับสมัครอบรมครูด้านดิจิทัล (แก้ไขครั้งที่ 1)")
    ledger.record_request(first, source="a.toml", actor="intake")
    t1 = clock.advance(hours=2)
    outcome = ledger.record_request(second, source="b.toml", actor="somchai")
    assert (outcome.change, outcome.version_hash) == ("amended", second.version_hash())
    versions = ledger.versions("pr-2567-0042")
    assert [v.version_hash for v in versions] == [first.version_hash(), second.version_hash()]
    assert [v.payload["title"] for v in versions] == [first.title, second.title]
    assert [v.recorded_at for v in versions] == [T0, t1]
    assert ledger.get_request("pr-2567-0042") == second
    amended = ledger.events()[-1]
    assert (amended.action, amended.actor, amended.at) == ("request.amended", "somchai", t1)
    assert amended.before == {"version_hash": first.version_hash()}
    assert amended.after == {"version_hash": second.version_hash(), "source": "b.toml"}


def test_going_back_to_an_earlier_version_is_an_amendment(ledger: Ledger) -> None:
    first, second = request(), request(purpose="แจ้งครูทุกโรงเรียน")
    for each in (first, second, first):
        ledger.record_request(each, source="form.toml", actor="intake")
    assert len(ledger.versions("pr-2567-0042")) == 2
    assert ledger.get_request("pr-2567-0042") == first
    assert [e.action for e in ledger.events()] == ["request.added", "request.amended", "request.amended"]


def test_decision_carried_by_the_request_is_recorded_once(ledger: Ledger) -> None:
    approved = request(decision=APPROVAL)
    outcome = ledger.record_request(approved, source="form.toml", actor="intake")
    assert (outcome.change, outcome.decision_changed) == ("added", True)
    assert ledger.record_request(approved, source="form.toml", actor="intake").decision_changed is False
    assert [e.action for e in ledger.events()] == ["request.added", "decision.recorded"]
    assert ledger.current_decision("pr-2567-0042") == approved.decision

    outcome = ledger.record_request(request(decision=REJECTION), source="form.toml", actor="intake")
    assert (outcome.change, outcome.decision_changed) == ("unchanged", True)
    assert ledger.current_decision("pr-2567-0042") == Decision.model_validate(REJECTION)
    # A pending decision in a re-read file does not undo a recorded one.
    assert ledger.record_request(request(), source="form.toml", actor="intake").decision_changed is False
    assert ledger.current_decision("pr-2567-0042") == Decision.model_validate(REJECTION)


def test_decision_history_and_current_decision(ledger: Ledger, clock: FakeClock) -> None:
    ledger.record_request(request(), source="form.toml", actor="intake")
    assert ledger.current_decision("pr-2567-0042") is None
    assert ledger.get_request("pr-2567-0042").decision.status == "pending"
    approval, rejection = Decision.model_validate(APPROVAL), Decision.model_validate(REJECTION)
    t1 = clock.advance(hours=1)
    ledger.record_decision("pr-2567-0042", approval, actor="secretary")
    t2 = clock.advance(hours=1)
    ledger.record_decision("pr-2567-0042", rejection, actor="secretary")
    history = ledger.decisions_of("pr-2567-0042")
    assert [(h.decision, h.recorded_at, h.actor) for h in history] == [
        (approval, t1, "secretary"),
        (rejection, t2, "secretary"),
    ]
    assert {h.version_hash for h in history} == {request().version_hash()}
    assert ledger.current_decision("pr-2567-0042") == rejection
    last = ledger.events()[-1]
    assert (last.action, last.before, last.after) == (
        "decision.recorded",
        approval.model_dump(mode="json"),
        rejection.model_dump(mode="json"),
    )


def test_get_request_is_the_current_version_with_the_current_decision(ledger: Ledger) -> None:
    ledger.record_request(request(), source="form.toml", actor="intake")
    approval = Decision.model_validate(APPROVAL)
    ledger.record_decision("pr-2567-0042", approval, actor="secretary")
    amended = request(title="ประกาศรับสมัครอบรมครู รุ่นที่ 2")
    ledger.record_request(amended, source="form.toml", actor="intake")
    assert ledger.get_request("pr-2567-0042") == amended.model_copy(update={"decision": approval})


def test_a_decision_before_the_request_date_is_refused(ledger: Ledger) -> None:
    ledger.record_request(request(), source="form.toml", actor="intake")
    early = Decision.model_validate({**APPROVAL, "at": "2024-05-01T09:00:00+07:00"})
    with pytest.raises(LedgerError, match="pr-2567-0042"):
        ledger.record_decision("pr-2567-0042", early, actor="secretary")
    assert ledger.decisions_of("pr-2567-0042") == []
    assert len(ledger.events()) == 1


def test_an_amendment_the_recorded_decision_no_longer_fits_is_refused(ledger: Ledger) -> None:
    ledger.record_request(request(decision=APPROVAL), source="form.toml", actor="intake")
    with pytest.raises(LedgerError, match="decision does not fit"):
        ledger.record_request(request(request_date="2024-06-01"), source="form.toml", actor="intake")
    assert ledger.get_request("pr-2567-0042") == request(decision=APPROVAL)
    assert len(ledger.versions("pr-2567-0042")) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda led: led.get_request("pr-0000-9999"),
        lambda led: led.versions("pr-0000-9999"),
        lambda led: led.decisions_of("pr-0000-9999"),
        lambda led: led.current_decision("pr-0000-9999"),
        lambda led: led.record_decision("pr-0000-9999", Decision.model_validate(APPROVAL), actor="x"),
        lambda led: led.get_publication("pr-0000-9999"),
        lambda led: led.save_publication(
            "pr-0000-9999", post_id=1, post_key="pr-0000-9999", state="pending",
            published_version=None, url=None, actor="x", action="publication.planned",
        ),
        lambda led: led.media_for("pr-0000-9999"),
        lambda led: led.save_media("pr-0000-9999", MediaRecord(
            sha256="0" * 64, media_id=1, url="https://example.test/a.pdf", filename="a.pdf", size=1), actor="x"),
        lambda led: led.record_manual_publication(
            group_key="ict", channel="board", title="ป้าย", published_on=date(2024, 6, 1),
            recorded_by="x", request_id="pr-0000-9999",
        ),
    ],
)
def test_unknown_request_ids_raise_a_clear_error(ledger: Ledger, call: Any) -> None:
    with pytest.raises(LedgerError, match="unknown request 'pr-0000-9999'"):
        call(ledger)
    assert ledger.events() == []


# --- append-only history --------------------------------------------------------------------


@pytest.mark.parametrize("table", ["events", "decisions", "request_versions"])
@pytest.mark.parametrize("statement", ["UPDATE {} SET request_id = 'pr-9999-0001'", "DELETE FROM {}"])
def test_history_cannot_be_changed_or_deleted(ledger: Ledger, path: Path, table: str, statement: str) -> None:
    ledger.record_request(request(decision=APPROVAL), source="form.toml", actor="intake")
    con = raw(path)
    before = con.execute(f"SELECT * FROM {table}").fetchall()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute(statement.format(table))
    assert before and con.execute(f"SELECT * FROM {table}").fetchall() == before


def test_the_database_refuses_an_approval_without_who_and_when(ledger: Ledger, path: Path) -> None:
    ledger.record_request(request(), source="form.toml", actor="intake")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        raw(path).execute(
            "INSERT INTO decisions (request_id, status, recorded_at, actor) VALUES (?, 'approved', ?, 'script')",
            ("pr-2567-0042", stamp(T0)),
        )


# --- publications and media -----------------------------------------------------------------


def save(ledger: Ledger, state: str, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "post_id": 1042,
        "post_key": "pr-2567-0042",
        "state": state,
        "published_version": request().version_hash(),
        "url": "https://www.example-office.go.th/?p=1042",
        "actor": "daemon",
        "action": f"publication.{state}",
    }
    return ledger.save_publication("pr-2567-0042", **{**fields, **changes})


def test_publication_upsert_keeps_the_first_publication_time(ledger: Ledger, clock: FakeClock) -> None:
    ledger.record_request(request(decision=APPROVAL), source="form.toml", actor="intake")
    assert ledger.get_publication("pr-2567-0042") is None
    planned = save(ledger, "pending", post_id=None, published_version=None, url=None)
    assert planned.first_published_at is None
    t_published = clock.advance(hours=1)
    published = save(ledger, "published")
    assert (published.first_published_at, published.updated_at) == (t_published, t_published)
    t_withdrawn = clock.advance(days=30)
    save(ledger, "withdrawn")
    clock.advance(days=1)
    again = save(ledger, "published")
    assert again.first_published_at == t_published
    stored = ledger.get_publication("pr-2567-0042")
    assert stored == again and ledger.publications() == [again]

    events = [e for e in ledger.events("pr-2567-0042") if e.action.startswith("publication.")]
    assert [e.action for e in events] == [
        "publication.pending", "publication.published", "publication.withdrawn", "publication.published"
    ]
    assert events[0].before is None
    assert (events[2].before["state"], events[2].after["state"]) == ("published", "withdrawn")
    assert events[2].at == t_withdrawn


def test_saving_an_unchanged_publication_writes_no_event(ledger: Ledger, clock: FakeClock) -> None:
    ledger.record_request(request(decision=APPROVAL), source="form.toml", actor="intake")
    first = save(ledger, "published")
    count = len(ledger.events())
    clock.advance(hours=1)
    assert save(ledger, "published") == first
    assert len(ledger.events()) == count


def test_publication_rejects_unknown_states_and_versions(ledger: Ledger) -> None:
    ledger.record_request(request(), source="form.toml", actor="intake")
    with pytest.raises(LedgerError, match="state 'live'"):
        save(ledger, "live")
    with pytest.raises(LedgerError, match="no version"):
        save(ledger, "published", published_version="f" * 64)
    assert ledger.get_publication("pr-2567-0042") is None


def test_media_are_keyed_by_sha256(ledger: Ledger, clock: FakeClock) -> None:
    ledger.record_request(request(), source="form.toml", actor="intake")
    ledger.record_request(request(request_id="pr-2567-0043"), source="form.toml", actor="intake")
    pdf, jpg = hashlib.sha256(b"pdf").hexdigest(), hashlib.sha256(b"jpg").hexdigest()
    record = lambda sha, media_id, name: MediaRecord(
        sha256=sha, media_id=media_id, url=f"https://www.example-office.go.th/{name}", filename=name, size=2048
    )
    ledger.save_media("pr-2567-0042", record(pdf, 30, "ประกาศ.pdf"), actor="daemon")
    ledger.save_media("pr-2567-0042", record(jpg, 31, "ภาพกิจกรรม.jpg"), actor="daemon")
    t1 = clock.advance(minutes=5)
    replaced = ledger.save_media("pr-2567-0042", record(pdf, 35, "ประกาศ.pdf"), actor="daemon")

    media = ledger.media_for("pr-2567-0042")
    assert set(media) == {pdf, jpg}
    assert media[pdf] == replaced and (replaced.media_id, replaced.uploaded_at) == (35, t1)
    assert media[jpg].filename == "ภาพกิจกรรม.jpg" and media[jpg].uploaded_at == T0
    assert ledger.media_for("pr-2567-0043") == {}
    uploads = [e for e in ledger.events() if e.action == "media.uploaded"]
    assert len(uploads) == 3
    assert (uploads[2].before["media_id"], uploads[2].after["media_id"]) == (30, 35)


# --- manual publications --------------------------------------------------------------------


def test_manual_publications_filtered_by_date_both_ends_included(ledger: Ledger) -> None:
    days = [date(2024, 3, 31), date(2024, 4, 1), date(2024, 9, 30), date(2024, 10, 1)]
    for day in reversed(days):
        ledger.record_manual_publication(
            group_key="ict", channel="social", title=f"โพสต์ {day.isoformat()}", published_on=day,
            recorded_by="นายประชา สัมพันธ์",
        )
    on = lambda rows: [r.published_on for r in rows]
    assert on(ledger.manual_publications(date(2024, 4, 1), date(2024, 9, 30))) == days[1:3]
    assert on(ledger.manual_publications(start=date(2024, 4, 1))) == days[1:]
    assert on(ledger.manual_publications(end=date(2024, 4, 1))) == days[:2]
    assert on(ledger.manual_publications()) == days


def test_manual_publication_is_stored_with_its_event(ledger: Ledger) -> None:
    ledger.record_request(request(decision=APPROVAL), source="form.toml", actor="intake")
    record = ledger.record_manual_publication(
        group_key="ict", channel="board", title="  ติดประกาศที่บอร์ดหน้าสำนักงาน ", published_on=date(2024, 6, 2),
        recorded_by="นางสาวใจดี มีสุข", request_id="pr-2567-0042", note="บอร์ดชั้น 1",
    )
    assert record.title == "ติดประกาศที่บอร์ดหน้าสำนักงาน" and record.recorded_at == T0
    assert ledger.manual_publications() == [record]
    event = ledger.events()[-1]
    assert (event.action, event.actor) == ("manual_publication.recorded", "นางสาวใจดี มีสุข")
    assert event.request_id == "pr-2567-0042"
    assert event.after == record.model_dump(mode="json")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"channel": "radio"}, "unknown channel"),
        ({"group_key": "กลุ่มไอซีที"}, "not a mapping key"),
        ({"title": "   "}, "title may not be empty"),
    ],
)
def test_manual_publication_refuses_bad_values(ledger: Ledger, changes: dict[str, Any], message: str) -> None:
    fields = {"group_key": "ict", "channel": "board", "title": "ประกาศ", "published_on": date(2024, 6, 1),
              "recorded_by": "ผู้บันทึก"}
    with pytest.raises(LedgerError, match=message):
        ledger.record_manual_publication(**{**fields, **changes})
    assert ledger.manual_publications() == [] and ledger.events() == []


# --- Thai text ------------------------------------------------------------------------------

# Sara u (U+0E38) then mai ek (U+0E48) is the NFC order; typed the other way round it is not.
THAI_NFC = "ปุ่มกดผู้อำนวยการ ๑๒๓ «ทดสอบ»"
THAI_TONE_FIRST = "ป\u0e48\u0e38มกด"


def test_thai_text_round_trips_exactly(path: Path, clock: FakeClock) -> None:
    assert unicodedata.is_normalized("NFC", THAI_NFC)
    assert not unicodedata.is_normalized("NFC", THAI_TONE_FIRST)
    thai = request(title=THAI_NFC, body=f"{THAI_NFC}\nบรรทัดที่สอง", decision=APPROVAL)
    with Ledger(path, clock=clock) as ledger:
        ledger.record_request(thai, source=f"คำขอ/{THAI_NFC}.toml", actor="นางสาวสมใจ ทดสอบ")
        manual = ledger.record_manual_publication(
            group_key="ict", channel="social", title=THAI_TONE_FIRST, published_on=date(2024, 6, 1),
            recorded_by="ผู้บันทึก",
        )
    assert manual.title == unicodedata.normalize("NFC", THAI_TONE_FIRST)
    with Ledger(path, clock=clock) as ledger:
        back = ledger.get_request("pr-2567-0042")
        assert back == thai and back.title == THAI_NFC and back.body == thai.body
        assert ledger.versions("pr-2567-0042")[0].source == f"คำขอ/{THAI_NFC}.toml"
        assert ledger.events()[0].actor == "นางสาวสมใจ ทดสอบ"
        assert ledger.manual_publications()[0].title == manual.title
    # Stored as readable UTF-8, not \u escapes, for anyone opening the file directly.
    payload = raw(path).execute("SELECT payload FROM request_versions").fetchone()[0]
    assert THAI_NFC in payload


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text())
def test_event_data_round_trips_any_text(text: str) -> None:
    with Ledger(":memory:", clock=FakeClock(T0)) as ledger:
        ledger.append_event("note.added", actor=text or "x", after={"text": text, text: [text]})
        [event] = ledger.events()
    assert event.after == {"text": text, text: [text]} and event.actor == (text or "x")


# --- transactions, events, reopening, clock -------------------------------------------------


def test_a_failure_inside_transaction_rolls_back_the_row_and_its_event(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError, match="upload failed"), ledger.transaction():
        ledger.record_request(request(), source="form.toml", actor="intake")
        raise RuntimeError("upload failed")
    assert ledger.list_request_ids() == [] and ledger.events() == []


def test_a_failing_event_write_rolls_back_the_row(path: Path, clock: FakeClock) -> None:
    def m900_refuse_publication_events(db: sqlite3.Connection) -> None:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.action LIKE 'publication.%'"
            " BEGIN SELECT RAISE(ABORT, 'event refused'); END"
        )

    with Ledger(path, clock=clock, migrations=DEFAULT_MIGRATIONS + [m900_refuse_publication_events]) as ledger:
        ledger.record_request(request(decision=APPROVAL), source="form.toml", actor="intake")
        with pytest.raises(sqlite3.IntegrityError, match="event refused"):
            save(ledger, "published")
        assert ledger.get_publication("pr-2567-0042") is None and ledger.publications() == []


def test_nested_transaction_rolls_back_only_the_inner_block(ledger: Ledger) -> None:
    with ledger.transaction():
        ledger.record_request(request(), source="form.toml", actor="intake")
        with pytest.raises(RuntimeError), ledger.transaction():
            ledger.record_request(request(request_id="pr-2567-0043"), source="form.toml", actor="intake")
            raise RuntimeError("inner")
        ledger.append_event("batch.done", actor="intake")
    assert ledger.list_request_ids() == ["pr-2567-0042"]
    assert [(e.action, e.request_id) for e in ledger.events()] == [
        ("request.added", "pr-2567-0042"),
        ("batch.done", None),
    ]


def test_events_filtered_by_request_and_time(ledger: Ledger, clock: FakeClock) -> None:
    ledger.record_request(request(), source="form.toml", actor="intake")
    t1 = clock.advance(hours=1)
    ledger.append_event("sync.started", actor="daemon", after={"posts": 0})
    t2 = clock.advance(hours=1)
    ledger.append_event("note.added", actor="ict", request_id="pr-2567-0042", before={"n": 1}, after={"n": 2})
    assert [e.action for e in ledger.events("pr-2567-0042")] == ["request.added", "note.added"]
    # The same instant written in UTC: the ledger compares instants, not local clock text.
    assert [e.at for e in ledger.events(since=t1.astimezone(UTC))] == [t1, t2]
    assert [e.action for e in ledger.events("pr-2567-0042", since=t1)] == ["note.added"]
    with pytest.raises(LedgerError, match="timezone-aware"):
        ledger.events(since=datetime(2024, 6, 3, 9, 0))


def test_events_need_an_actor_and_json_data(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="actor"):
        ledger.append_event("sync.started", actor="")
    with pytest.raises(LedgerError, match="JSON"):
        ledger.append_event("sync.started", actor="daemon", after={"when": object()})
    assert ledger.events() == []


def snapshot(ledger: Ledger) -> dict[str, Any]:
    ids = ledger.list_request_ids()
    return {
        "ids": ids,
        "requests": [ledger.get_request(i) for i in ids],
        "versions": [ledger.versions(i) for i in ids],
        "decisions": [ledger.decisions_of(i) for i in ids],
        "media": [ledger.media_for(i) for i in ids],
        "publications": ledger.publications(),
        "manual": ledger.manual_publications(),
        "events": ledger.events(),
    }


def test_reopening_the_file_preserves_everything(path: Path, clock: FakeClock) -> None:
    with Ledger(path, clock=clock) as ledger:
        ledger.record_request(request(), source="a.toml", actor="intake")
        clock.advance(minutes=1)
        ledger.record_request(request(title="ประกาศฉบับแก้ไข", decision=APPROVAL), source="b.toml", actor="intake")
        ledger.record_request(request(request_id="pr-2567-0043"), source="form.toml", actor="intake")
        clock.advance(minutes=1)
        save(ledger, "published", published_version=request(title="ประกาศฉบับแก้ไข").version_hash())
        ledger.save_media("pr-2567-0042", MediaRecord(
            sha256="a" * 64, media_id=7, url="https://www.example-office.go.th/a.pdf", filename="ก.pdf", size=10
        ), actor="daemon")
        ledger.record_manual_publication(
            group_key="ict", channel="board", title="ป้ายประกาศ", published_on=date(2024, 6, 2), recorded_by="ผู้บันทึก"
        )
        before = snapshot(ledger)
    assert len(before["events"]) == 7
    with Ledger(path, clock=FakeClock(T0 + timedelta(days=365))) as reopened:
        assert snapshot(reopened) == before
        assert reopened.get_publication("pr-2567-0042").first_published_at == T0 + timedelta(minutes=2)


def test_every_timestamp_comes_from_the_injected_clock(ledger: Ledger, clock: FakeClock, path: Path) -> None:
    ledger.record_request(request(), source="form.toml", actor="intake")
    t1 = clock.advance(seconds=90.25)
    ledger.record_request(request(title="แก้ไขชื่อเรื่อง", decision=APPROVAL), source="form.toml", actor="intake")
    con = raw(path)
    assert con.execute("SELECT created_at, updated_at FROM requests").fetchone() == (stamp(T0), stamp(t1))
    assert [row[0] for row in con.execute("SELECT recorded_at FROM request_versions")] == [stamp(T0), stamp(t1)]
    assert con.execute("SELECT recorded_at FROM decisions").fetchone() == (stamp(t1),)
    t2 = clock.advance(minutes=1)
    save(ledger, "published", published_version=request(title="แก้ไขชื่อเรื่อง").version_hash())
    ledger.save_media("pr-2567-0042", MediaRecord(
        sha256="b" * 64, media_id=8, url="https://www.example-office.go.th/b.pdf", filename="b.pdf", size=1
    ), actor="daemon")
    ledger.record_manual_publication(
        group_key="ict", channel="board", title="ป้าย", published_on=date(2024, 6, 3), recorded_by="ผู้บันทึก"
    )
    assert con.execute("SELECT first_published_at, updated_at FROM publications").fetchone() == (stamp(t2), stamp(t2))
    assert con.execute("SELECT uploaded_at FROM publication_media").fetchone() == (stamp(t2),)
    assert con.execute("SELECT recorded_at FROM manual_publications").fetchone() == (stamp(t2),)
    assert [e.at for e in ledger.events()] == [T0, t1, t1, t2, t2, t2]
    assert [row[0] for row in con.execute("SELECT at FROM events")] == [stamp(T0)] + [stamp(t1)] * 2 + [stamp(t2)] * 3
    assert stamp(t1).endswith(".250000+00:00")


def test_a_naive_clock_is_refused(path: Path) -> None:
    with pytest.raises(LedgerError, match="naive"):
        Ledger(path, clock=lambda: datetime(2024, 6, 3, 9, 0))


# --- request origins ----------------------------------------------------------------------


def test_an_old_ledger_gets_origin_fields_from_its_source_texts(path: Path, clock: FakeClock, tmp_path: Path) -> None:
    # A ledger as cms-bridge wrote it before m004: the origin only as text.
    folder = tmp_path / "built-in-code"
    folder.mkdir()
    before_m004 = [m for m in DEFAULT_MIGRATIONS if m.__name__ != "m004_request_origin"]
    Ledger(path, clock=clock, migrations=before_m004).close()
    texts = {
        "pr-file": "inbox/pr-file/request.toml",
        "pr-folder": "inbox/pr-folder/",
        "pr-dir": str(folder),
        "pr-row": "exports/มิถุนายน.csv, row 7",
        "pr-none": None,
    }
    db = raw(path)
    with db:
        for rid, text in texts.items():
            payload = request(request_id=rid).model_dump_json(exclude={"decision"})
            db.execute("INSERT INTO request_versions (request_id, version_hash, payload, source, recorded_at)"
                       " VALUES (?, ?, ?, ?, ?)", (rid, "a" * 64, payload, text, stamp(T0)))
            db.execute("INSERT INTO requests (request_id, current_version, source, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, ?)", (rid, "a" * 64, text, stamp(T0), stamp(T0)))
    db.close()

    with Ledger(path, clock=clock) as ledger:
        expected = {
            "pr-file": Origin(folder="inbox/pr-file", file="request.toml"),
            "pr-folder": Origin(folder="inbox/pr-folder"),
            "pr-dir": Origin(folder=str(folder)),
            "pr-row": Origin(folder="exports", file="มิถุนายน.csv", row=7),
            "pr-none": None,
        }
        for rid, origin in expected.items():
            assert ledger.origin_of(rid) == origin
            assert ledger.versions(rid)[0].origin == origin
            # The text is kept as it was written.
            assert ledger.source_of(rid) == texts[rid] == ledger.versions(rid)[0].source
    # request_versions is append-only again after the migration.
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw(path).execute("UPDATE request_versions SET source = 'x'")


def test_an_origin_is_stored_as_fields_and_said_as_before(ledger: Ledger) -> None:
    origin = Origin.of_file(Path("exports") / "2567.xlsx", row=12)
    ledger.record_request(request(), source=origin, actor="intake")
    assert ledger.origin_of("pr-2567-0042") == origin
    assert ledger.source_of("pr-2567-0042") == str(Path("exports") / "2567.xlsx") + ", row 12"
    assert ledger.versions("pr-2567-0042")[0].origin == origin
    assert ledger.events()[-1].after["source"] == ledger.source_of("pr-2567-0042")
