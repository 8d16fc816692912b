"""Intake and `cms-bridge validate`: every bad input gives a clear, located problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cms_bridge.cli import main
from cms_bridge.config import IntakeConfig
from cms_bridge.intake.inbox import IntakeReport, load_requests
from cms_bridge.mappings import load_mappings
from cms_bridge.samples import docx, text_pdf, zip_archive

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = load_mappings()

GOOD = """
request_id = "{rid}"
request_date = "๑๕ พฤศจิกายน ๒๕๖๙"
group = "ict"
kind = "1.17"
title = {title}
purpose = "เพื่อทราบ"
channels = ["website"]
{extra}

[requester]
name = "นางสาวทดลอง ใจดี"
position = "นักวิชาการคอมพิวเตอร์"

[window]
{window}

[[attachments]]
path = "{attachment}"

[decision]
status = "approved"
by = "นายสมมุติ ใจกว้าง"
at = 2026-11-16T10:00:00+07:00
"""


def write_request(folder: Path, *, rid: str = "2570-t-001", title: str = '"ประกาศทดสอบ"', extra: str = "",
                  window: str = 'kind = "permanent"', attachment: str = "doc.pdf",
                  attachment_bytes: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "request.toml"
    path.write_text(GOOD.format(rid=rid, title=title, extra=extra, window=window, attachment=attachment),
                    encoding="utf-8")
    if attachment_bytes is not None or attachment == "doc.pdf":
        (folder / attachment).write_bytes(attachment_bytes if attachment_bytes is not None
                                          else text_pdf(["Page one", "Page two"]))
    return path


def load(*paths: Path, **settings) -> IntakeReport:
    return load_requests(paths, mappings=MAPPINGS, settings=IntakeConfig(**settings))


def only_error(report: IntakeReport):
    errors = [p for p in report.problems if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in report.problems]
    return errors[0]


def test_a_good_request_loads_with_inspected_attachment(tmp_path: Path) -> None:
    write_request(tmp_path / "a")
    report = load(tmp_path)
    assert report.ok and report.problems == []
    loaded = report.requests[0]
    assert loaded.request.request_id == "2570-t-001"
    assert loaded.attachments["doc.pdf"].pages == 2


def test_missing_required_fields_are_all_reported_with_thai_labels(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('request_id = "2570-t-002"\nrequest_date = "2026-11-15"\n', encoding="utf-8")
    report = load(path)
    fields = {p.field: p for p in report.problems}
    for field, label in [("title", "เรื่อง"), ("purpose", "เพื่อ"), ("group", "กลุ่ม/หน่วย"),
                         ("channels", "ช่องทางเผยแพร่"), ("window", "ระยะเวลาในการเผยแพร่"),
                         ("requester", "ข้าพเจ้า… ตำแหน่ง…")]:
        assert fields[field].message == "required, but missing"
        assert f"{field} ({label})" in str(fields[field]) and str(path) in str(fields[field])


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"extra": 'document_number = "x"\nunknown = 1'}, "unknown", "not a field"),
    ({"window": 'kind = "range"\nstart = "10 ธ.ค. 2569"\nend = "1 ธ.ค. 2569"'}, "window", "2026-12-10"),
    ({"window": 'kind = "range"\nstart = "30 กุมภาพันธ์ 2567"\nend = "1 มี.ค. 2567"'}, "window.start",
     "has only 29 days"),
    ({"window": 'kind = "range"\nstart = "1 เม.ย. 2567"\nend = "31 เมษายน 2567"'}, "window.end", "has only 30 days"),
    ({"window": 'kind = "fiscal_year"\nfiscal_year = 2024'}, "window.fiscal_year", "2567"),
    ({"window": 'kind = "range"\nstart = "22/05/2019"\nend = "22/06/2562"'}, "window.start", "2562"),
    # An unquoted TOML date with a Buddhist Era year would be taken as 2569 CE.
    ({"window": 'kind = "range"\nstart = 2569-12-01\nend = "1 ม.ค. 2570"'}, "window.start", "write 2026-12-01"),
])
def test_bad_fields_are_located_and_explained(tmp_path: Path, change: dict, field: str, words: str) -> None:
    write_request(tmp_path / "a", **change)
    problem = only_error(load(tmp_path))
    assert problem.field == field and words in problem.message


def test_unknown_group_and_kind_list_the_valid_keys(tmp_path: Path) -> None:
    path = write_request(tmp_path / "a")
    path.write_text(path.read_text(encoding="utf-8").replace('group = "ict"', 'group = "กลุ่มที่ไม่มี"')
                    .replace('kind = "1.17"', 'kind = "1.99"'), encoding="utf-8")
    problems = {p.field: p.message for p in load(tmp_path).problems}
    assert "ict" in problems["group"] and "finance" in problems["group"]
    assert "1.99" in problems["kind"]


def test_duplicate_request_ids_name_both_files(tmp_path: Path) -> None:
    first = write_request(tmp_path / "a")
    second = write_request(tmp_path / "b")
    report = load(tmp_path)
    problem = only_error(report)
    assert problem.file == str(second) and str(first) in problem.message
    assert [r.request.request_id for r in report.requests] == ["2570-t-001"]


@pytest.mark.parametrize(("attachment", "content", "words"), [
    ("missing.pdf", None, "no such file"),
    ("doc.pdf", zip_archive({"a.txt": "x"}), "the extension says pdf but the content is zip"),
    ("doc.pdf", b"%PDF-1.4\nthis is not really a pdf", "doc.pdf"),
    ("doc.pdf", b"", "empty"),
    ("doc.docx", b"MZ\x90\x00 a renamed program", "doc.docx"),
])
def test_attachment_problems_name_the_file(tmp_path: Path, attachment: str, content: bytes | None, words: str) -> None:
    folder = tmp_path / "a"
    write_request(folder, attachment=attachment, attachment_bytes=content)
    problem = only_error(load(tmp_path))
    assert problem.field == "attachments.0" and words in problem.message


def test_path_escaping_the_inbox_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.pdf").write_bytes(text_pdf(["x"]))
    write_request(tmp_path / "inbox" / "a", attachment="../../secret.pdf", attachment_bytes=None)
    problem = only_error(load(tmp_path / "inbox"))
    assert problem.field == "attachments.0.path" and "'..'" in problem.message


def test_symlink_escaping_the_inbox_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.pdf").write_bytes(text_pdf(["x"]))
    folder = tmp_path / "inbox" / "a"
    write_request(folder, attachment="link.pdf", attachment_bytes=b"placeholder")
    (folder / "link.pdf").unlink()
    (folder / "link.pdf").symlink_to(tmp_path / "secret.pdf")
    assert "outside the request folder" in only_error(load(tmp_path / "inbox")).message


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(["x"]))))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    write_request(tmp_path / "a", attachment_bytes=out.getvalue())
    assert "password" in only_error(load(tmp_path)).message


def test_file_over_the_size_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    big = text_pdf(["x"]) + b"%" + b"0" * (1024 * 1024)
    write_request(tmp_path / "a", attachment_bytes=big)
    problem = only_error(load(tmp_path, max_attachment_mb=1))
    assert "larger than the limit of 1" in problem.message


def test_html_in_the_title_is_kept_as_text(tmp_path: Path) -> None:
    write_request(tmp_path / "a", title='"ประกาศ <script>alert(1)</script> & <b>สำคัญ</b>"')
    report = load(tmp_path)
    assert report.ok
    assert report.requests[0].request.title == "ประกาศ <script>alert(1)</script> & <b>สำคัญ</b>"


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = write_request(tmp_path / "a")
    text = path.read_bytes().replace("ประกาศทดสอบ".encode(), "ประกาศ".encode("cp874"))
    path.write_bytes(text)
    problem = only_error(load(tmp_path))
    assert "not valid UTF-8 at line 6" in problem.message


def test_malformed_toml_names_the_line(tmp_path: Path) -> None:
    path = write_request(tmp_path / "a")
    path.write_text(path.read_text(encoding="utf-8").replace('purpose = "เพื่อทราบ"', "purpose = "), encoding="utf-8")
    assert "line 7" in only_error(load(tmp_path)).message


def test_id_number_blocks_unless_acknowledged(tmp_path: Path) -> None:
    # 1-1017-00203-45-0 is made up; its check digit is valid.
    pdf = text_pdf(["Candidates", "Citizen ID 1-1017-00203-45-0"])
    write_request(tmp_path / "a", attachment_bytes=pdf)
    problem = only_error(load(tmp_path))
    assert problem.field == "id_number_acknowledgement"
    assert "doc.pdf, page 2" in problem.message and "1101700203450" not in problem.message
    write_request(tmp_path / "a", attachment_bytes=pdf,
                  extra='[id_number_acknowledgement]\nby = "นายสมมุติ ใจกว้าง"\nreason = "ต้องแสดงตามระเบียบ"')
    report = load(tmp_path)
    assert report.ok and len(report.requests) == 1
    assert any("acknowledged by นายสมมุติ" in p.message for p in report.problems)


def test_examples_report_exactly_the_planted_problems(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    report = load(tmp_path / "examples")
    # The activity photos are read by OCR (no text in them); the zip cannot be read and was
    # checked by hand, which is said; only the PDF with an ID number is an error.
    assert [(p.severity, Path(p.file).parent.name) for p in report.problems] == [
        ("error", "2570-personnel-002"), ("warning", "2570-supervision-001")]
    assert "supervision-report-2569.zip: the ID scan cannot read it (zip archive" in report.problems[1].message
    assert report.problems[1].message.endswith("checked by hand by นายทดสอบ ตรวจทาน")
    assert len(report.requests) == 11
    decisions = {r.request.decision.status for r in report.requests}
    windows = {r.request.window.kind for r in report.requests}
    assert decisions == {"approved", "pending", "rejected"} and windows == {"permanent", "fiscal_year", "range"}


def test_validate_command_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_request(tmp_path / "a")
    assert main(["validate", str(tmp_path)]) == 0
    write_request(tmp_path / "b", attachment="missing.pdf", rid="2570-t-009")
    assert main(["validate", "--json", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{"):])
    assert data["valid"] == ["2570-t-001"]
    assert data["problems"][0]["label"] == "เอกสารหรือไฟล์อิเล็กทรอนิกส์ที่แนบมา"


def test_an_id_number_in_a_file_or_folder_name_is_never_printed_whole(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # A clerk names the folder and the scan after the person: "๑๑๐๑๗ ๐๐๒๐๓ ๔๕ ๐.pdf" and digits.
    folder = tmp_path / "1101700203450"
    write_request(folder, attachment="สำเนา 1-1017-00203-45-0.pdf", attachment_bytes=text_pdf(["clean"]))
    assert main(["validate", str(tmp_path)]) == 1
    assert main(["validate", "--json", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "1-1017-xxxxx-xx-0" in text  # the masked form says where
    assert "1101700203450" not in text and "1-1017-00203-45-0" not in text


def test_inspect_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.docx").write_bytes(docx(["ติดต่อ 081-234-5678"]))
    assert main(["inspect", str(tmp_path / "a.docx")]) == 0
    out = capsys.readouterr().out
    assert "docx" in out and "phone number" in out and "081-234-5678" not in out


def test_schema_command_lists_the_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"request_id", "title", "window", "decision"} <= set(schema["properties"])


def test_python_api_checks_a_request_like_a_file(tmp_path: Path) -> None:
    from cms_bridge.intake.inbox import IntakeError, parse_request

    (tmp_path / "summary.pdf").write_bytes(text_pdf(["Monthly procurement summary"]))
    data = {"request_id": "2570-script-001", "request_date": "2026-11-24", "group": "finance", "kind": "1.9",
            "title": "สรุปผลการจัดซื้อจัดจ้าง ประจำเดือนตุลาคม ๒๕๖๙", "purpose": "รายงานรายเดือน",
            "channels": ["website"], "window": {"kind": "fiscal_year", "fiscal_year": 2570},
            "requester": {"name": "ระบบพัสดุ (สคริปต์)", "position": "งานพัสดุ"},
            "attachments": [{"path": "summary.pdf"}]}
    loaded = parse_request(data, base_dir=tmp_path)
    assert loaded.attachments["summary.pdf"].pages == 1
    with pytest.raises(IntakeError) as err:
        parse_request({**data, "channels": [], "attachments": [{"path": "missing.pdf"}]}, base_dir=tmp_path)
    # A field error does not hide the missing file: both are reported at once.
    assert [p.field for p in err.value.problems] == ["channels", "attachments.0"]
    assert "channels (ช่องทางเผยแพร่)" in str(err.value)


def test_an_unquoted_buddhist_era_request_date_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = write_request(tmp_path / "a")
    path.write_text(path.read_text(encoding="utf-8").replace('request_date = "๑๕ พฤศจิกายน ๒๕๖๙"',
                                                            "request_date = 2569-11-15"), encoding="utf-8")
    problem = only_error(load(tmp_path))
    assert problem.field == "request_date"
    assert "2026-11-15" in problem.message and '"15 พ.ย. 2569"' in problem.message


# --- named pipes, sockets and devices are never opened ------------------------------------------

@pytest.fixture
def no_hang():
    """Fail, not hang, when something opens a named pipe (the open waits forever for a writer)."""
    import signal

    def timeout(*_: object) -> None:
        raise TimeoutError("a named pipe was opened")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_fifo_in_the_inbox_is_skipped_with_a_problem_and_never_opened(tmp_path: Path, no_hang) -> None:
    import os

    write_request(tmp_path / "a")
    os.mkfifo(tmp_path / "b.toml")
    report = load(tmp_path)
    assert [r.request.request_id for r in report.requests] == ["2570-t-001"]
    assert [str(p) for p in report.problems] == [
        f"{tmp_path / 'b.toml'}: error: is a named pipe (FIFO), not a file: skipped without opening it "
        "(remove it from the inbox)"]


def test_a_socket_or_device_given_as_a_path_is_refused(tmp_path: Path, no_hang,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.chdir(tmp_path)  # a short relative name: socket paths are limited to ~100 bytes
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind("s.toml")
        report = load(Path("s.toml"), Path("/dev/zero"))
    finally:
        sock.close()
    assert [p.message for p in report.problems] == [
        "is a socket, not a file: skipped without opening it",
        "is a character device, not a file: skipped without opening it"]


def test_an_attachment_that_is_a_fifo_is_refused_before_it_is_opened(tmp_path: Path, no_hang) -> None:
    import os

    write_request(tmp_path / "a", attachment="doc.pdf", attachment_bytes=b"")
    (tmp_path / "a" / "doc.pdf").unlink()
    os.mkfifo(tmp_path / "a" / "doc.pdf")
    problem = only_error(load(tmp_path))
    assert problem.field == "attachments.0"
    assert problem.message == "doc.pdf: is a named pipe (FIFO), not a file; it was not opened (attach a regular file)"


def test_validate_and_inspect_of_a_fifo_exit_1_without_a_traceback(tmp_path: Path, capsys, no_hang) -> None:
    import os

    config = tmp_path / "cms-bridge.toml"
    config.write_text('[site]\nurl = "https://example.invalid"\nusername = "u"\n', encoding="utf-8")
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    assert main(["--config", str(config), "validate", str(fifo)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{fifo}: error: is a named pipe (FIFO), not a file: skipped without opening it"
    assert main(["--config", str(config), "inspect", str(fifo)]) == 1
    captured = capsys.readouterr()
    assert captured.out.strip() == (f"{fifo}: error: pipe.pdf: is a named pipe (FIFO), not a file; it was not "
                                    "opened (attach a regular file)")
    assert "Traceback" not in captured.err


# --- titles WordPress can store: wp_posts.post_title is TEXT, 65,535 bytes ------------------------

THAI = "ก"  # 3 bytes in UTF-8, as every Thai character


def test_a_thai_title_up_to_wordpress_s_limit_is_accepted_and_one_more_character_is_not(tmp_path: Path) -> None:
    write_request(tmp_path / "a", title=f'"{THAI * 21_845}"')
    assert load(tmp_path).ok
    write_request(tmp_path / "a", title=f'"{THAI * 21_846}"')
    problem = only_error(load(tmp_path))
    assert problem.field == "title" and problem.label == "เรื่อง"
    assert problem.message == (
        "is too long for WordPress, which stores a title or excerpt of at most 65,535 bytes: about 21,845 Thai characters "
        "(3 bytes each; each < > & \" ' [ ] takes 4-6); this one is 21,846 characters, 65,538 bytes: shorten it "
        "by at least 1 Thai character(s)")


def test_the_limit_counts_the_title_as_sent_with_its_markup_escaped(tmp_path: Path) -> None:
    # "&" is sent as "&amp;" (5 bytes): 13,107 of them fill the column exactly.
    write_request(tmp_path / "a", title=f'"{"&" * 13_107}"')
    assert load(tmp_path).ok
    write_request(tmp_path / "a", title=f'"{"&" * 13_108}"')
    assert "13,108 characters, 65,540 bytes" in only_error(load(tmp_path)).message


def test_a_purpose_too_long_for_the_excerpt_is_a_field_error(tmp_path: Path) -> None:
    # The purpose (เพื่อ) becomes the post's excerpt, wp_posts.post_excerpt: TEXT as the title.
    path = write_request(tmp_path / "a")
    path.write_text(path.read_text(encoding="utf-8").replace(
        'purpose = "', f'purpose = "{THAI * 21_846}'), encoding="utf-8")
    problem = only_error(load(tmp_path))
    assert problem.field == "purpose" and problem.label == "เพื่อ" and "65,535 bytes" in problem.message


def test_an_attachment_title_too_long_for_the_media_library_is_a_field_error(tmp_path: Path) -> None:
    path = write_request(tmp_path / "a")
    path.write_text(path.read_text(encoding="utf-8").replace(
        'path = "doc.pdf"', f'path = "doc.pdf"\ntitle = "{THAI * 30_000}"'), encoding="utf-8")
    problem = only_error(load(tmp_path))
    assert problem.field == "attachments.0.title" and "at most 65,535 bytes" in problem.message


def test_the_byte_count_is_that_of_the_text_the_bridge_sends() -> None:
    from cms_bridge.intake.request import stored_title_bytes
    from cms_bridge.publishing.post_body import inert_text

    text = "ประกาศ <b>ผล</b> & \"การ\" 'สอบ' [embed] ๒๕๗๐ 😀 é"
    assert stored_title_bytes(text) == len(inert_text(text).encode("utf-8"))


def test_validate_names_a_title_too_long_for_wordpress(tmp_path: Path, capsys) -> None:
    config = tmp_path / "cms-bridge.toml"
    config.write_text('[site]\nurl = "https://example.invalid"\nusername = "u"\n', encoding="utf-8")
    path = write_request(tmp_path / "a", title=f'"{THAI * 22_000}"')
    assert main(["--config", str(config), "validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert f"{path}: title (เรื่อง): error: is too long for WordPress" in captured.out
    assert "Traceback" not in captured.err
