"""`cms-bridge audit` on the real WordPress: a library filled by hand, outside the bridge.

The site gets, through the media library's own upload (REST, multipart, as the admin page
sends it): a scanned order (a PDF of two pictures, no text layer, the number on page 2), a
photograph of a document (JPEG), a DOCX, and clean files of each kind; posts and a page link
them as a person would (parent, links in the content). The made-up numbers' check digits hold.
Everything is checked from outside: the command's stdout, its JSON and workbook (no whole
number), the ledger's rows, MariaDB's rows (posts' status, attachments) and HTTP on the URLs.
"""

from __future__ import annotations

import io
import json
import mimetypes
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests
from openpyxl import load_workbook
from PIL import Image, ImageDraw, ImageFont

from cms_bridge.config import Config
from cms_bridge.intake.idguard import is_valid_id_number
from cms_bridge.samples import docx, text_pdf
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient, MultipartFile

from ..conftest import ROOT
from .messy_site import query

FONT = Path("/usr/share/fonts/truetype/tlwg/Garuda.ttf")


def made_up_id(prefix: str) -> str:
    body = (prefix + "0" * 12)[:12]
    return next(body + str(d) for d in range(10) if is_valid_id_number(body + str(d)))


SCAN_ID = made_up_id("110170020345")
PHOTO_ID = made_up_id("320040011122")
DOCX_ID = made_up_id("570090033344")
IDS = (SCAN_ID, PHOTO_ID, DOCX_ID)


def grouped(d: str) -> str:
    return f"{d[0]} {d[1:5]} {d[5:10]} {d[10:12]} {d[12]}"


def no_whole_id(text: str) -> None:
    digits = re.sub(r"[^0-9]", "", text)
    for number in IDS:
        assert number not in digits, "a whole ID number was printed"


def drawn(lines: list[str], size: tuple[int, int] = (1400, 600)) -> Image.Image:
    picture = Image.new("RGB", size, "white")
    pen = ImageDraw.Draw(picture)
    font = ImageFont.truetype(str(FONT), 40)
    for i, text in enumerate(lines):
        pen.text((60, 60 + i * 80), text, fill="black", font=font)
    return picture


def scanned_pdf() -> bytes:
    first = drawn(["คำสั่งแต่งตั้งคณะกรรมการ", "หน้าแรก ไม่มีข้อมูลส่วนบุคคล"])
    second = drawn(["รายชื่อกรรมการ", f"นายสมมุติ ทดลองดี เลขประจำตัว {grouped(SCAN_ID)}"])
    out = io.BytesIO()
    first.save(out, "PDF", save_all=True, append_images=[second], resolution=150)
    return out.getvalue()


def photo() -> bytes:
    # A photographed page: off-white paper, slightly turned.
    picture = drawn(["ใบสมัครสอบ", f"เลขประจำตัวประชาชน {grouped(PHOTO_ID)}"]).rotate(1.5, fillcolor="white")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def clean_png() -> bytes:
    out = io.BytesIO()
    drawn(["กิจกรรมวันครู ๒๕๖๙", "ภาพบรรยากาศ"]).save(out, "PNG")
    return out.getvalue()


class Site:
    """The site as a person in the admin fills it (independent of the code under test)."""

    def __init__(self, config: Config) -> None:
        self.rest = RestAdapter(HttpClient(config))

    def entry(self, title: str, content: str = "", status: str = "publish", kind: str = "posts") -> int:
        return int(self.rest._call("POST", f"/wp/v2/{kind}", json={"title": title, "content": content,
                                                                   "status": status})["id"])

    def upload(self, name: str, data: bytes, tmp: Path, parent: int | None = None) -> dict:
        path = tmp / name
        path.write_bytes(data)
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        with MultipartFile(path, field="file", filename=name, content_type=mime) as body:
            answer = self.rest.http.request("POST", self.rest._url("/wp/v2/media"), data=body,
                                            params={"post": parent} if parent else {},
                                            headers={"Content-Type": body.content_type,
                                                     "Content-Length": str(len(body))})
        return answer.json()


def seed(config: Config, tmp: Path) -> tuple[dict[str, dict], dict[str, int]]:
    site = Site(config)
    order_post = site.entry("คำสั่งแต่งตั้งกรรมการ")
    made = {"order.pdf": site.upload("คำสั่ง-กรรมการ.pdf", scanned_pdf(), tmp, parent=order_post)}
    made["photo.jpg"] = site.upload("ใบสมัคร.jpg", photo(), tmp)
    made["list.docx"] = site.upload("รายชื่อ.docx", docx(["รายชื่อผู้สมัคร", f"นางสาวตัวอย่าง ใจดี {grouped(DOCX_ID)}"]), tmp)
    made["clean.pdf"] = site.upload("annual-report.pdf", text_pdf(["Annual report 2569", "Budget summary"]), tmp)
    made["clean.png"] = site.upload("กิจกรรม.png", clean_png(), tmp)
    made["clean.docx"] = site.upload("ประกาศ.docx", docx(["ประกาศรับสมัคร", "ติดต่อกลุ่มงาน"]), tmp)
    entries = {
        "order post": order_post,
        "photo page": site.entry("ใบสมัครสอบ", f'<p><img src="{made["photo.jpg"]["source_url"]}" /></p>',
                                 kind="pages"),
        "list post": site.entry("ผลการคัดเลือก", f'<p><a href="{made["list.docx"]["source_url"]}">รายชื่อ</a></p>'),
        "list draft": site.entry("ร่าง", f'<p><a href="{made["list.docx"]["source_url"]}">รายชื่อ</a></p>',
                                 status="draft"),
        "unrelated": site.entry("ข่าวอื่น", "<p>ไม่มีไฟล์</p>"),
    }
    return made, entries


def write_config(site: Config, folder: Path) -> Path:
    assert site.site is not None
    path = folder / "cms-bridge.toml"
    path.write_text(f"""
[site]
url = "{site.site.url}"
username = "{site.site.username}"
app_password_file = "{site.site.app_password_file}"
[sync]
ledger = "{folder / 'ledger.sqlite3'}"
""", encoding="utf-8")
    return path


def cli(config: Path, *args: str, kill_at: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = ([sys.executable, "-m", "tests.integration.crash_driver", str(kill_at), "after"] if kill_at
               else [sys.executable, "-m", "cms_bridge"])
    return subprocess.run([*command, "--config", str(config), *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=900)


def site_state() -> dict[str, list]:
    """What a visitor's view depends on: posts' and pages' status, and every attachment (by its
    address: a re-upload has a new id) with its parent, title, caption, description and file."""
    entries = query("SELECT JSON_OBJECT('id', ID, 'type', post_type, 'status', post_status) FROM wp_posts"
                    " WHERE post_type IN ('post', 'page') ORDER BY ID")
    files = query("SELECT JSON_OBJECT('guid', p.guid, 'parent', p.post_parent, 'title', p.post_title,"
                  " 'caption', p.post_excerpt, 'description', p.post_content, 'mime', p.post_mime_type,"
                  " 'file', m.meta_value) FROM wp_posts p LEFT JOIN wp_postmeta m ON m.post_id = p.ID"
                  " AND m.meta_key = '_wp_attached_file' WHERE p.post_type = 'attachment' ORDER BY p.guid")
    return {"entries": entries, "files": files}


def recorded(folder: Path) -> int:
    """Files the audit has recorded in the ledger."""
    ledger = folder / "ledger.sqlite3"
    if not ledger.exists():
        return 0
    with sqlite3.connect(ledger) as db:
        return int(db.execute("SELECT count(*) FROM audit_scans").fetchone()[0])


def served(url: str) -> bytes | None:
    answer = requests.get(url, timeout=30)
    return answer.content if answer.status_code == 200 else None


def test_audit_finds_every_planted_number_remembers_resumes_and_fix_rolls_back(clean_site: Config,
                                                                               tmp_path: Path) -> None:
    made, entries = seed(clean_site, tmp_path)
    config = write_config(clean_site, tmp_path)

    # A first run killed with SIGKILL at a download, after two files were read and recorded
    # (one file at a time; how many requests come before the first download is the adapter's
    # business, so the kill moves later until two records are in the ledger).
    kept = 0
    for kill_at in range(3, 20):
        killed = cli(config, "audit", "--workers", "1", kill_at=kill_at)
        assert killed.returncode == -9, killed.stderr
        kept = recorded(tmp_path)
        if kept >= 2:
            break
    assert 2 <= kept < 6
    first = cli(config, "audit", "--json", "--xlsx", str(tmp_path / "audit.xlsx"))
    assert first.returncode == 1, first.stderr  # ID numbers found
    report = json.loads(first.stdout)
    assert (report["downloads"], report["remembered"]) == (6 - kept, kept)  # resumed, not restarted
    files = {f["id"]: f for f in report["files"]}
    verdicts = {name: files[m["id"]]["verdict"] for name, m in made.items()}
    assert verdicts == {"order.pdf": "found", "photo.jpg": "found", "list.docx": "found",
                        "clean.pdf": "clean", "clean.png": "clean", "clean.docx": "clean"}
    order = files[made["order.pdf"]["id"]]
    assert [(f["kind"], f["page"]) for f in order["findings"] if f["kind"] == "id_number"] == [("id_number", 2)]
    assert "OCR" in order["findings"][0]["part"]
    assert [(e["type"], e["how"]) for e in order["linking"]] == [("post", "parent")]
    listed = files[made["list.docx"]["id"]]
    assert sorted((e["status"], e["how"]) for e in listed["linking"]) == [("draft", "content"), ("publish", "content")]
    assert [e["type"] for e in files[made["photo.jpg"]["id"]]["linking"]] == ["page"]
    assert all(not f["findings"] or {x["kind"] for x in f["findings"]} <= {"phone", "email"}
               for f in report["files"] if f["verdict"] == "clean")
    no_whole_id(first.stdout + first.stderr)
    book = load_workbook(tmp_path / "audit.xlsx").active
    cells = [[c for c in row] for row in book.iter_rows(values_only=True)]
    assert cells[0][0] == "ลำดับ" and len(cells) == 1 + 3
    no_whole_id(" ".join(str(c) for row in cells for c in row if c is not None))
    text = cli(config, "--lang", "th", "audit")
    assert "พบเลขประจำตัวประชาชน" in text.stdout
    no_whole_id(text.stdout + text.stderr)
    assert json.loads(cli(config, "audit", "--json").stdout)["downloads"] == 0  # nothing read again

    # Fix everything found, then roll back: the site as it was, by SQL and over HTTP.
    before = site_state()
    urls = {name: m["source_url"] for name, m in made.items()}
    bytes_before = {name: served(url) for name, url in urls.items()}
    plan = cli(config, "audit", "plan", "--all-found")
    assert plan.returncode == 0 and plan.stdout.count("removed from") == 3 and "cannot come back" not in plan.stdout
    no_whole_id(plan.stdout)
    applied = cli(config, "audit", "fix", "--all-found", "--masked-dir", str(tmp_path / "masked"))
    assert applied.returncode == 0, applied.stderr
    run_id = re.search(r"run (fix-[0-9a-f]+): done", applied.stdout).group(1)
    for name in ("order.pdf", "photo.jpg", "list.docx"):
        assert served(urls[name]) is None, name
    assert all(served(urls[n]) == bytes_before[n] for n in ("clean.pdf", "clean.png", "clean.docx"))
    now = {e["id"]: e["status"] for e in site_state()["entries"]}
    assert {name: now[i] for name, i in entries.items()} == {
        "order post": "draft", "photo page": "draft", "list post": "draft", "list draft": "draft",
        "unrelated": "publish"}
    assert (tmp_path / "masked").is_dir() and len(list((tmp_path / "masked").iterdir())) == 1  # the DOCX only
    rolled = cli(config, "audit", "rollback", run_id)
    assert rolled.returncode == 0, rolled.stderr
    assert "NEW address" not in rolled.stdout
    assert site_state() == before
    assert {name: served(url) for name, url in urls.items()} == bytes_before
