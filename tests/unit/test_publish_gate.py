"""The publish gate and version binding on the in-memory site: what a hostile user or script tries.

Each test is one way around intake that used to reach the site (issue: the publish gate): a file
``[decision]`` overriding ``decide``, a request recorded straight into the ledger, a tampered
file store, markup in what is written, and an unchanged file scanned on every pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_bridge.bridge import Bridge
from cms_bridge.errors import GateRefusedError
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.ledger.keeper import FileKeeper
from cms_bridge.publishing.gate import PublishGate
from cms_bridge.publishing.post_body import UploadedFile, render_post
from cms_bridge.samples import request_toml, sample_file, text_pdf
from cms_bridge.tomlfile import read_toml
from cms_bridge.wordpress.fake import FakeCms
from cms_bridge.wordpress.models import PostInput

from .test_fake_sync import NOW, bridge, inbox, kinds, post_of, run, site, site_clock, write_request

__all__ = ["bridge", "inbox", "site", "site_clock"]  # fixtures used by name below

ID = "1101700203450"  # made up; its checksum holds


def test_a_file_decision_cannot_override_one_recorded_with_decide(bridge: Bridge, inbox: Path,
                                                                  site: FakeCms) -> None:
    path = write_request(inbox, "ovr")
    run(bridge, NOW, site)
    bridge.record_decision("ovr", status="rejected", by="นางสมมุติ ตรวจดี", at=NOW)
    assert kinds(run(bridge, NOW, site)) == [("ovr", "withdraw")]
    # The clerk edits the file's own [decision] to a later approval.
    text = path.read_text(encoding="utf-8").replace("2026-09-01T10:00:00+07:00", "2026-10-02T10:00:00+07:00")
    path.write_text(text, encoding="utf-8")
    report = bridge.intake()
    conflicts = [p for p in report.problems if p.field == "decision"]
    assert len(conflicts) == 1 and "cms-bridge decide stands (rejected" in conflicts[0].message
    assert kinds(bridge.sync(NOW)) == []
    assert post_of(site, "pr-ovr").status == "draft"
    assert bridge.ledger.current_decision("ovr").status == "rejected"
    # The stale approval the file carried at the rejection and the edited one: each reported once.
    assert [e.action for e in bridge.ledger.events("ovr")].count("decision.conflict") == 2
    bridge.intake()
    assert [e.action for e in bridge.ledger.events("ovr")].count("decision.conflict") == 2


def test_decisions_are_ordered_by_the_ledger_not_by_the_time_a_file_claims(bridge: Bridge, inbox: Path,
                                                                           site: FakeCms) -> None:
    path = write_request(inbox, "ord")
    run(bridge, NOW, site)
    text = path.read_text(encoding="utf-8")
    # A rejection typed into the file with a time *before* the approval still comes after it.
    rejected = text.replace('status = "approved"', 'status = "rejected"').replace(
        "2026-09-01T10:00:00+07:00", "2026-09-01T09:00:00+07:00")
    assert rejected != text
    path.write_text(rejected, encoding="utf-8")
    assert kinds(run(bridge, NOW, site)) == [("ord", "withdraw")]


def test_a_request_recorded_around_intake_is_held_back(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    folder = inbox.parent / "script"
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(b"%PDF-1.4 not what the guard saw\n")
    request = PublicationRequest.model_validate(read_toml_text(request_toml("byp"), folder),
                                                context={"mappings": bridge.mappings})
    # A script writes the ledger itself: no intake, so no kept and scanned file.
    bridge.ledger.record_request(request, source=str(folder / "request.toml"), actor="script")
    report = bridge.sync(NOW)
    assert [(a.kind, a.detail) for a in report.actions] == [("byp", "blocked")] or \
        [(a.kind, a.detail) for a in report.actions] == [("blocked", "held back by the publish gate")]
    assert "not in the file store" in (report.actions[0].error or "")
    assert site.find_by_keys(["pr-byp"]) == {} and not site.media


def read_toml_text(text: str, folder: Path) -> dict[str, object]:
    path = folder / "request.toml"
    path.write_text(text, encoding="utf-8")
    return read_toml(path)


def test_a_tampered_store_file_is_not_uploaded(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "tam", approved_at=None)
    bridge.intake()
    sha = bridge.ledger.site_version("tam").files["doc.pdf"]
    kept = bridge.ledger.files.path_of(sha)
    kept.chmod(0o600)
    kept.write_bytes(kept.read_bytes() + f"\n% {ID}\n".encode())
    bridge.record_decision("tam", status="approved", by="นางสมมุติ อนุมัติ", at=NOW)
    report = run(bridge, NOW, site)
    assert report.failed and "was changed after intake" in (report.failed[0].error or "")
    assert not site.media and site.find_by_keys(["pr-tam"]) == {}


def test_an_approval_binds_the_files_digests(bridge: Bridge, inbox: Path) -> None:
    write_request(inbox, "bnd")
    bridge.intake()
    version = bridge.ledger.site_version("bnd")
    record = bridge.ledger.current_record("bnd")
    assert record is not None and record.version_hash == version.version_hash
    assert version.version_hash == version.request.version_hash(version.files)
    assert version.version_hash != version.request.version_hash()  # the files are part of it


def test_an_unchanged_file_is_neither_hashed_nor_scanned_again(bridge: Bridge, inbox: Path, site: FakeCms,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    write_request(inbox, "idl")
    run(bridge, NOW, site)
    from cms_bridge.ledger import files as files_module
    from cms_bridge.ledger import keeper as keeper_module

    calls: list[str] = []
    monkeypatch.setattr(keeper_module, "scan_file", lambda *a, **k: calls.append("scan") or [])
    real_put = files_module.FileStore.put
    monkeypatch.setattr(files_module.FileStore, "put", lambda self, p: calls.append("put") or real_put(self, p))
    assert kinds(run(bridge, NOW, site)) == []
    assert calls == []
    (inbox / "idl" / "doc.pdf").write_bytes((inbox / "idl" / "doc.pdf").read_bytes() + b"\n")
    run(bridge, NOW, site)
    assert calls == ["put", "scan"]  # a changed file is read once


def test_validate_keeps_nothing(bridge: Bridge, inbox: Path) -> None:
    write_request(inbox, "val")
    assert bridge.validate([inbox]).ok
    assert not bridge.ledger.files.root.exists() or not any(bridge.ledger.files.root.rglob("*"))


def gate(tmp_path: Path) -> PublishGate:
    from cms_bridge.ledger.store import Ledger

    return PublishGate(FileKeeper(Ledger(tmp_path / "l.sqlite3")))


HOSTILE = ['<script>window.x=1</script>', '<img src=x onerror="x()">', '"><svg onload=x()>',
           '[embed]http://127.0.0.1/x[/embed]', '[audio src="x.mp3"]']


@pytest.mark.parametrize("text", HOSTILE)
def test_the_bridges_own_rendering_of_hostile_text_passes_the_inert_check(tmp_path: Path, text: str,
                                                                           bridge: Bridge) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    data = read_toml_text(request_toml("xss"), folder)
    data["title"] = text
    data["purpose"] = text
    data["body"] = f"{text}\n\n{text}"
    data["source"] = text
    data["attachments"] = []
    request = PublicationRequest.model_validate(data, context={"mappings": bridge.mappings})
    rendered = render_post(request, {}, {})
    post = PostInput(key="pr-xss", title=rendered.title, content=rendered.content, excerpt=rendered.excerpt,
                     status="publish")
    gate(tmp_path).inert("xss", post)


@pytest.mark.parametrize(("place", "value", "said"), [
    ("title", "<b>x</b>", "raw < >"),
    ("excerpt", "[gallery]", "raw [ ]"),
    ("content", "<p><script>x()</script></p>", "<script> tag"),
    ("content", '<p><a href="javascript:x()">y</a></p>', "not a web address"),
    ("content", '<p><img src="http://a/b.png" onerror="x()"></p>', "onerror attribute"),
    ("content", "<p>[embed]http://a[/embed]</p>", "shortcode bracket"),
    ("content", "<!-- wp:paragraph --><p>x</p><!-- /wp:paragraph -->", None),
    ("content", "<!-- wp:html --><p>x</p><!-- /wp:html -->", "wp:html block"),
    ("content", "<p>x</p><!-- anything -->", "comment"),
    # A browser ends a comment at "--!>": what follows would be live markup.
    ("content", "<!-- wp:paragraph --!><script>x()</script> -->", "comment"),
    ("content", "<!--><img src=x onerror=alert(1)>-->", "comment"),
    ("content", '<!-- wp:file {"id":1,"href":"http://evil.example/x.pdf"} -->', "href of none"),
    ("content", '<!-- wp:file {"id":1,"onload":"x()"} -->', "attributes the bridge never writes"),
    ("content", '<!-- wp:image {"id":"1"} -->', "attribute values"),
    ("content", '<p><a href="http://evil.example/phish.pdf">y</a></p>', "web address of none"),
    ("content", '<div class="wp-block-file"><object type="text/html"></object></div>', "type other than"),
    ("content", '<div class="wp-block-file"><object type="application/pdf" '
                'style="position:fixed;top:0;width:100%;height:100%"></object></div>', "style other than"),
])
def test_the_inert_check_refuses_markup_the_bridge_never_writes(tmp_path: Path, place: str, value: str,
                                                                said: str | None) -> None:
    fields = {"title": "t", "excerpt": "e", "content": "<p>c</p>", place: value}
    post = PostInput(key="pr-x", status="publish", **fields)
    if said is None:
        gate(tmp_path).inert("x", post)  # a block comment with plain content is the bridge's own markup
        return
    with pytest.raises(GateRefusedError, match=said.replace("[", r"\[").replace("]", r"\]")):
        gate(tmp_path).inert("x", post)


def test_uploaded_file_links_pass_the_inert_check(tmp_path: Path, bridge: Bridge) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    data = read_toml_text(request_toml("lnk", images=("cover.png",)), folder)
    request = PublicationRequest.model_validate(data, context={"mappings": bridge.mappings})
    files = {"doc.pdf": UploadedFile(media_id=1, url="http://127.0.0.1/wp-content/uploads/doc.pdf"),
             "cover.png": UploadedFile(media_id=2, url="http://127.0.0.1/wp-content/uploads/cover.png")}
    rendered = render_post(request, files, {})
    post = PostInput(key="pr-lnk", title=rendered.title, content=rendered.content, excerpt=rendered.excerpt,
                     status="publish")
    urls = {f.url for f in files.values()}
    gate(tmp_path).inert("lnk", post, urls=urls)
    # The same body pointing at an address that is not one of the request's uploads is refused.
    with pytest.raises(GateRefusedError, match="of none of the request's uploads"):
        gate(tmp_path).inert("lnk", post, urls=urls - {files["cover.png"].url})


def test_an_escaped_bracket_in_an_attribute_is_inert_and_a_raw_one_is_not(tmp_path: Path) -> None:
    fine = PostInput(key="pr-x", title="t", excerpt="e", status="publish",
                     content='<div class="wp-block-file"><object aria-label="&#91;audio&#93;"></object></div>')
    gate(tmp_path).inert("x", fine)
    raw = fine.model_copy(update={"content": '<div class="wp-block-file"><object aria-label="[audio]"></object></div>'})
    with pytest.raises(GateRefusedError, match="shortcode bracket in <object>"):
        gate(tmp_path).inert("x", raw)


def test_a_failed_update_never_makes_the_older_version_visible(bridge: Bridge, inbox: Path,
                                                               site: FakeCms) -> None:
    path = write_request(inbox, "rjv")
    run(bridge, NOW, site)
    bridge.record_decision("rjv", status="rejected", by="นางสมมุติ ตรวจดี", at=NOW)
    run(bridge, NOW, site)
    path.write_text(path.read_text(encoding="utf-8").replace("ประกาศ rjv", "ประกาศ rjv (ใหม่)"), encoding="utf-8")
    bridge.intake()
    bridge.record_decision("rjv", status="approved", by="นางสมมุติ อนุมัติ", at=NOW)
    site.fail("write")
    report = run(bridge, NOW, site)
    assert {a.kind for a in report.failed} == {"update", "publish"}
    assert post_of(site, "pr-rjv").status == "draft"  # the rejected content stays off


def test_a_version_row_edited_in_the_ledger_is_held_back(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    write_request(inbox, "edt")
    bridge.intake()
    db = bridge.ledger.connection
    db.execute("DROP TRIGGER request_versions_no_update")
    row = db.execute("SELECT version_hash, payload FROM request_versions WHERE request_id = 'edt'").fetchone()
    db.execute("UPDATE request_versions SET payload = ? WHERE version_hash = ?",
               (row["payload"].replace("ประกาศ edt", "UNAPPROVED"), row["version_hash"]))
    report = bridge.sync(NOW)
    assert "approval is of another version" in (report.actions[0].error or "")
    assert site.find_by_keys(["pr-edt"]) == {}


def test_an_approval_of_a_version_without_files_is_not_carried_to_files(bridge: Bridge, tmp_path: Path,
                                                                        site: FakeCms) -> None:
    folder = tmp_path / "nof"
    folder.mkdir()
    data = read_toml_text(request_toml("nof", approved_at=None), folder)
    request = PublicationRequest.model_validate(data, context={"mappings": bridge.mappings})
    bridge.ledger.record_request(request, source=str(folder / "request.toml"), actor="script")
    bridge.record_decision("nof", status="approved", by="นางสมมุติ อนุมัติ", at=NOW)
    (folder / "doc.pdf").write_bytes(b"%PDF-1.4\n")
    bridge.ledger.record_request(request, source=str(folder / "request.toml"), actor="script",
                                 files={"doc.pdf": "0" * 64})
    assert bridge.ledger.site_version("nof").awaiting_approval


# -- what the scan cannot read needs a person's look ------------------------------------------


def picture_request(inbox: Path, rid: str, *, checked: bool) -> Path:
    folder = inbox / rid
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.pdf").write_bytes(text_pdf(["Document"]))
    # An arithmetic-coded JPEG: valid, shown by browsers, but OCR (Pillow) cannot decode it.
    (folder / "photo.jpg").write_bytes(sample_file("jpg"))
    path = folder / "request.toml"
    path.write_text(request_toml(rid, images=["photo.jpg"], checked_by_hand=None if checked else []),
                    encoding="utf-8")
    return path


def test_a_picture_nobody_checked_keeps_its_request_off_the_site(bridge: Bridge, inbox: Path,
                                                                 site: FakeCms) -> None:
    picture_request(inbox, "pic", checked=False)
    report = bridge.intake()
    errors = [p for p in report.problems if p.severity == "error"]
    assert [(p.field, "photo.jpg" in p.message, "[[checked_by_hand]]" in p.message) for p in errors] == [
        ("checked_by_hand", True, True)]
    assert kinds(bridge.sync(NOW)) == [] and site.find_by_keys(["pr-pic"]) == {} and not site.media
    picture_request(inbox, "pic", checked=True)
    assert kinds(run(bridge, NOW, site)) == [("pic", "create")]
    assert post_of(site, "pr-pic").status == "publish"


def test_a_hand_check_must_name_a_file_of_the_request(bridge: Bridge, inbox: Path) -> None:
    path = picture_request(inbox, "stray", checked=True)
    path.write_text(path.read_text(encoding="utf-8").replace('path = "photo.jpg"\nby', 'path = "other.png"\nby'),
                    encoding="utf-8")
    problems = [p for p in bridge.intake().problems if p.severity == "error"]
    assert len(problems) == 1 and "checked_by_hand names other.png" in problems[0].message


def test_the_gate_refuses_an_unread_file_recorded_around_intake(bridge: Bridge, inbox: Path, site: FakeCms) -> None:
    path = picture_request(inbox, "byp2", checked=True)
    bridge.intake()  # the files are kept and scanned
    version = bridge.ledger.site_version("byp2")
    # A script records the same files without anyone's look, and approves that version itself.
    data = read_toml_text(path.read_text(encoding="utf-8"), path.parent)
    data.pop("checked_by_hand")
    data["decision"] = {"status": "pending"}
    unchecked = PublicationRequest.model_validate(data, context={"mappings": bridge.mappings})
    bridge.ledger.record_request(unchecked, source=None, actor="script", files=version.files)
    bridge.record_decision("byp2", status="approved", by="สคริปต์ อนุมัติเอง", at=NOW)
    report = bridge.sync(NOW)
    assert [a.kind for a in report.actions] == ["blocked"]
    assert "photo.jpg" in (report.actions[0].error or "") and "checked_by_hand" in (report.actions[0].error or "")
    assert site.find_by_keys(["pr-byp2"]) == {} and not site.media
