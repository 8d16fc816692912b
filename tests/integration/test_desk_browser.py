"""The desk's whole story in Debian's Chromium, against the real local WordPress.

A clerk files a request with a PDF and sees the ID-number finding (page and masked value), replaces
the file and downloads the memo; the group director endorses; the committee member approves; ``Bridge.sync`` publishes
and the public post answers with the title; PR records a notice-board posting; the director fills the round's report and downloads it. The desk runs as
``cms-bridge desk serve`` in its own process; each page is photographed into docs/desk/.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from docx import Document
from openpyxl import load_workbook
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from cms_bridge.bridge import Bridge
from cms_bridge.config import load_config
from cms_bridge.samples import png, text_pdf

from ..conftest import ROOT
from .conftest import run_script
from .test_browser import chromium

SHOTS = ROOT / "docs" / "desk"
PASSWORD = "long-enough-passphrase-7"
_PREFIX = "310990012876"
ID_NUMBER = _PREFIX + str((11 - sum(int(d) * (14 - i) for i, d in enumerate(_PREFIX, start=1)) % 11) % 10)
ID_MASKED = f"{ID_NUMBER[0]}-{ID_NUMBER[1:5]}-xxxxx-xx-{ID_NUMBER[12]}"
TITLE = "ประกาศรายชื่อผู้มีสิทธิ์สอบ <b>รอบ ๒</b>"  # the tag stays text, on the desk and on the site
SCRIPT = "<script>window.__pwned=1</script>"
PEOPLE = [
    ("clerk1", "clerk", "ict", "นางสาวทดลอง ใจดี", "นักวิชาการคอมพิวเตอร์"),
    ("director1", "group_director", "ict", "นายตัวอย่าง มั่นคง", "ผู้อำนวยการกลุ่ม"),
    ("chair", "committee", None, "นายประธาน สมมุติ", "รองผู้อำนวยการ"),
    ("pr1", "pr", None, "นางสาวข่าวดี สมมุติ", "เจ้าหน้าที่ประชาสัมพันธ์"),
]


@dataclass(frozen=True)
class Desk:
    url: str
    config_file: Path
    env: dict[str, str]
    work: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def desk(wordpress_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    reset = run_script("reset")
    if reset.returncode != 0:
        pytest.fail(f"could not reset the local WordPress:\n{reset.stderr}", pytrace=False)
    work = tmp_path_factory.mktemp("desk")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CMS_BRIDGE_SYNC_LEDGER": str(work / "ledger.sqlite3")}
    cli = [sys.executable, "-m", "cms_bridge", "--config", str(wordpress_site), "desk"]
    for username, role, group, name, position in PEOPLE:
        args = ["users", "add", username, "--role", role, "--name", name, "--position", position, "--password-stdin"]
        added = subprocess.run(cli + args + (["--group", group] if group else []), input=PASSWORD + "\n", env=env,
                               capture_output=True, text=True, timeout=120)
        assert added.returncode == 0, added.stderr
    port = free_port()
    log = (work / "desk.log").open("w")
    server = subprocess.Popen(cli + ["serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/login/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the desk did not start:\n{(work / 'desk.log').read_text()}", pytrace=False)
            time.sleep(0.2)  # polling for the server to listen, not timing the test
        yield Desk(url, wordpress_site, env, work)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    # A phone-and-tablet-sized window, in Thai.
    yield from chromium(size="900,1100", extra=("--lang=th",))


def open_page(browser: WebDriver, url: str) -> None:
    browser.get(url)
    wait_loaded(browser)


def wait_loaded(browser: WebDriver) -> None:
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def click(browser: WebDriver, element_id: str) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, element_id).click()
    WebDriverWait(browser, 30).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)
    wait_loaded(browser)


def shot(browser: WebDriver, name: str, width: int = 900) -> None:
    """A full-page PNG in docs/desk/, reduced to a small palette so the docs stay light."""
    browser.set_window_size(width, 1100)
    browser.execute_script("window.scrollTo(0, 0)")
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(width, min(max(height + 120, 600), 2400))
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    Image.open(path).convert("RGB").quantize(colors=48).save(path, optimize=True)
    browser.set_window_size(900, 1100)


def sign_in(browser: WebDriver, desk: Desk, username: str) -> None:
    open_page(browser, desk.url + "/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    click(browser, "login")
    assert browser.find_element(By.TAG_NAME, "h1").text == "งานที่รอฉัน"


def sign_out(browser: WebDriver) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "form.inline button").click()
    WebDriverWait(browser, 30).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)


def type_into(browser: WebDriver, field_id: str, text: str) -> None:
    box = browser.find_element(By.ID, field_id)
    box.clear()
    box.send_keys(text)


def test_the_request_goes_from_the_clerk_to_the_site_and_the_notice_board(desk: Desk, browser: WebDriver) -> None:
    bad, good = desk.work / "รายชื่อ.pdf", desk.work / "รายชื่อ-ปิดเลข.pdf"
    bad.write_bytes(text_pdf(["Candidates, round 2", f"1. Somsri  ID {ID_NUMBER[:1]}-{ID_NUMBER[1:5]}-"
                                                      f"{ID_NUMBER[5:10]}-{ID_NUMBER[10:12]}-{ID_NUMBER[12]}"]))
    good.write_bytes(text_pdf(["Candidates, round 2", "1. Somsri"]))

    open_page(browser, desk.url + "/login/")
    # The desk's Content-Security-Policy is sent, its stylesheet still applies, and a script put
    # into the page (as injected markup would be) is refused and reported as a violation.
    assert "default-src 'none'" in requests.get(desk.url + "/login/", timeout=30).headers["Content-Security-Policy"]
    assert browser.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(243, 245, 248)"
    browser.execute_script("""
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.effectiveDirective));
        const s = document.createElement('script'); s.textContent = 'window.__injected = 1';
        document.body.appendChild(s);""")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return window.__violations.length"))
    injected, directive = browser.execute_script("return [typeof window.__injected, window.__violations[0]]")
    assert injected == "undefined" and directive.startswith("script-src"), directive
    shot(browser, "login")
    sign_in(browser, desk, "clerk1")
    shot(browser, "home-clerk")
    open_page(browser, desk.url + "/requests/new/")
    # On a phone's width the form fits: nothing wider than the screen.
    browser.set_window_size(390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    shot(browser, "phone-request-form", width=390)
    type_into(browser, "id_document_number", "ศธ ๐๔๒๔๑/๑๒๓")
    type_into(browser, "id_title", TITLE)
    type_into(browser, "id_purpose", "เพื่อประชาสัมพันธ์ให้ผู้สมัครทราบ")
    type_into(browser, "id_file_count", "๑")
    type_into(browser, "id_page_count", "๒")
    browser.find_element(By.ID, "id_channels_0").click()  # เว็บไซต์
    browser.find_element(By.ID, "id_channels_2").click()  # บอร์ด/ป้ายประชาสัมพันธ์
    type_into(browser, "id_body", f"รายชื่อผู้มีสิทธิ์สอบตามไฟล์แนบ {SCRIPT}")
    Select(browser.find_element(By.ID, "id_kind")).select_by_value("other")
    browser.find_element(By.ID, "id_attachments").send_keys(str(bad))
    click(browser, "submit")
    box = browser.find_element(By.ID, "field-attachments").text
    assert "รายชื่อ.pdf, page 2" in box and ID_MASKED in box, box
    # The library's finding is said in Thai on the clerk's page (docs/cli.md, the catalogue).
    assert "เลขประจำตัวประชาชน" in box and "Thai national ID number" not in box, box
    assert ID_NUMBER not in browser.page_source
    shot(browser, "request-form-finding")

    # Replace the file: the text typed stays in the form.
    assert browser.find_element(By.ID, "id_title").get_attribute("value") == TITLE
    browser.find_element(By.CSS_SELECTOR, "input[name=remove][value='รายชื่อ.pdf']").click()
    browser.find_element(By.ID, "id_attachments").send_keys(str(good))
    click(browser, "submit")
    assert browser.find_element(By.ID, "stage").text == "รอผู้อำนวยการกลุ่มลงนาม"
    assert browser.find_element(By.ID, "req-title").text == TITLE
    assert SCRIPT in browser.find_element(By.ID, "req-body").text
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    request_id = browser.current_url.rstrip("/").rsplit("/", 1)[-1]
    shot(browser, "request-filed")
    # The memo to print and sign, downloaded in the clerk's session.
    memo_url = str(browser.find_element(By.ID, "memo-docx").get_attribute("href"))
    session = requests.Session()
    for cookie in browser.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    memo = session.get(memo_url, timeout=30)
    assert memo.status_code == 200 and memo.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    lines = [p.text for p in Document(io.BytesIO(memo.content)).paragraphs]
    assert lines[0] == "บันทึกข้อความ" and any(line.endswith(f"เรื่อง {TITLE}") for line in lines)
    assert "(นางสาวทดลอง ใจดี)" in lines
    sign_out(browser)

    sign_in(browser, desk, "director1")
    waiting = browser.find_element(By.ID, "waiting")
    waiting.find_element(By.LINK_TEXT, request_id).click()
    wait_loaded(browser)
    shot(browser, "endorse")
    click(browser, "endorse")
    assert browser.find_element(By.ID, "stage").text == "รอคณะกรรมการพิจารณา"
    sign_out(browser)

    sign_in(browser, desk, "chair")
    browser.find_element(By.ID, "waiting").find_element(By.LINK_TEXT, request_id).click()
    wait_loaded(browser)
    assert "ไม่พบเลขประจำตัวประชาชน" in browser.find_element(By.ID, "files").text
    browser.find_element(By.ID, "approve").click()
    shot(browser, "decide")
    click(browser, "decide")
    assert browser.find_element(By.ID, "stage").text == "อนุญาตให้เผยแพร่"
    sign_out(browser)

    config = load_config(desk.config_file, environ={"CMS_BRIDGE_SYNC_LEDGER": desk.env["CMS_BRIDGE_SYNC_LEDGER"]})
    with Bridge(config, actor="desk-browser-test") as bridge:
        report = bridge.sync()
        assert [a.error for a in report.actions if a.error] == []
        [row] = [r for r in bridge.status() if r.request_id == request_id]
        record = bridge.ledger.current_record(request_id)
    assert record is not None and record.channel == "ledger" and record.decision.by == "นายประธาน สมมุติ"
    assert row.state == "published" and row.url
    public = requests.get(row.url, timeout=30)
    assert public.status_code == 200
    assert "ประกาศรายชื่อผู้มีสิทธิ์สอบ &lt;b&gt;รอบ ๒&lt;/b&gt;" in public.text
    assert "<b>รอบ ๒</b>" not in public.text
    assert SCRIPT not in public.text and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in public.text

    sign_in(browser, desk, "pr1")
    browser.find_element(By.ID, "waiting").find_element(By.LINK_TEXT, request_id).click()
    wait_loaded(browser)
    Select(browser.find_element(By.ID, "id_channel")).select_by_value("board")
    type_into(browser, "id_published_on", "๓ ธันวาคม ๒๕๖๙")
    type_into(browser, "id_link", "บอร์ดประชาสัมพันธ์หน้าสำนักงาน")
    photo = desk.work / "บอร์ด.png"
    photo.write_bytes(png(64, 48))
    browser.find_element(By.ID, "id_evidence").send_keys(str(photo))
    shot(browser, "record")
    click(browser, "record")
    recorded = browser.find_element(By.ID, "manual")
    assert "บอร์ดประชาสัมพันธ์หน้าสำนักงาน" in recorded.text
    assert [a.text for a in recorded.find_elements(By.CSS_SELECTOR, "a.evidence")] == ["บอร์ด.png"]
    open_page(browser, desk.url + "/live/")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".live-published a.post")]
    assert links == [row.url]
    shot(browser, "live")
    with Bridge(config) as bridge:
        [manual] = bridge.ledger.manual_publications()
    assert (manual.request_id, manual.channel, manual.published_on.isoformat()) == (request_id, "board", "2026-12-03")
    assert manual.note == "บอร์ดประชาสัมพันธ์หน้าสำนักงาน"
    sign_out(browser)

    # The group director fills the round's report and downloads it.
    sign_in(browser, desk, "director1")
    open_page(browser, desk.url + "/report/?fiscal_year=2570&round=1")
    [outcome] = browser.find_elements(By.CSS_SELECTOR, "#report-items textarea")
    # Filled in advance with what PR noted when recording the board posting; the director
    # writes the outcome over it.
    assert outcome.get_attribute("value") == "บอร์ดประชาสัมพันธ์หน้าสำนักงาน"
    outcome.clear()
    outcome.send_keys("ผู้สมัครทราบรายชื่อก่อนวันสอบ")
    type_into(browser, "id_problems", "ป้ายประกาศมีพื้นที่น้อย")
    click(browser, "save-report")
    shot(browser, "report")
    session = requests.Session()
    for cookie in browser.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    xlsx = session.get(str(browser.find_element(By.ID, "report-xlsx").get_attribute("href")), timeout=60)
    assert xlsx.status_code == 200
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()]
    [row] = [r for r in rows if TITLE in r]
    assert row[3:] == ["✓", "✓", "ผู้สมัครทราบรายชื่อก่อนวันสอบ"]  # website and board, the outcome filled
