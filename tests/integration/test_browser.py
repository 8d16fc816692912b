"""What a visitor's browser does with a published request: hostile request text stays text.

A request carrying script, event-handler and shortcode payloads in every text field is published
on the real local WordPress through :class:`cms_bridge.Bridge`, then its post, its attachment
page and the home page are opened in Debian's Chromium (headless, through /usr/bin/chromedriver).
The REST-level check in test_security.py reads the markup WordPress renders; this one runs the
theme's whole page in a browser, where a payload that got through would execute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config, load_config
from cms_bridge.samples import text_pdf
from cms_bridge.wordpress.http import HttpClient

from .conftest import run_script

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SITE_TITLE = "สพม. ตัวอย่าง (local)"  # given by scripts/wordpress-local

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
SVG = '"><svg onload=window.__pwned=3>'
SHORTCODES = ("[embed]http://127.0.0.1/x[/embed]", '[audio src="x.mp3"]', "[gallery]")
PAYLOADS = (SCRIPT, IMG, SVG, *SHORTCODES)
HOSTILE = " ".join(PAYLOADS)

# Anything the payloads would have made live, as the page's own script sees it.
LIVE_PAYLOAD_JS = """
const found = [];
if (document.querySelector('img[src="x"]')) found.push('img[src=x]');
for (const el of document.querySelectorAll('svg')) {
  if (el.hasAttribute('onload')) found.push('svg[onload]');
}
for (const el of document.scripts) {
  if (el.textContent.includes('__pwned')) found.push('script with __pwned');
}
for (const el of document.querySelectorAll('*')) {
  for (const attr of el.attributes) {
    if (attr.name.startsWith('on') && attr.value.includes('__pwned')) found.push(el.tagName + '[' + attr.name + ']');
  }
}
const main = document.querySelector('main') || document.body;
for (const sel of ['audio', 'video', 'iframe', '.wp-audio-shortcode', '.wp-embedded-audio', '.gallery', '.wp-block-embed',
                   'a[href="http://127.0.0.1/x"]']) {
  if (main.querySelector(sel)) found.push(sel);
}
return found;
"""


@dataclass(frozen=True)
class Published:
    post_url: str
    attachment_page: str  # the attachment's own page on the site (?attachment_id=…)
    file_bytes: bytes


def chromium(*, size: str = "1280,1024", extra: tuple[str, ...] = ()) -> Iterator[WebDriver]:
    """Debian's Chromium, headless, through its own chromedriver (nothing downloads a browser);
    quit when the generator is closed. *size* is the window, *extra* more switches."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            pytest.fail(f"{path} is missing: scripts/setup-dev installs Debian's chromium and chromium-driver",
                        pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={size}", "--no-first-run", "--disable-extensions", *extra):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    yield from chromium()


@pytest.fixture(scope="module")
def hostile_post(wordpress_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """A freshly reset site with one published request whose every text field is hostile."""
    reset = run_script("reset")
    if reset.returncode != 0:
        pytest.fail(f"could not reset the local WordPress:\n{reset.stderr}", pytrace=False)
    work = tmp_path_factory.mktemp("browser")
    folder = work / "xss-browser"
    folder.mkdir()
    pdf = text_pdf(["browser check"])
    (folder / "doc.pdf").write_bytes(pdf)
    config: Config = load_config(wordpress_site, environ={"CMS_BRIDGE_SYNC_LEDGER": str(work / "ledger.sqlite3")})
    request = {
        "request_id": "xss-browser-001",
        "request_date": "2026-09-01",
        "group": "ict",
        "kind": "other",
        "title": f"ประกาศ {HOSTILE}",
        "purpose": f"เพื่อทราบ {HOSTILE}",
        "body": f"รายละเอียด {HOSTILE}",
        "source": f"ที่มา {HOSTILE}",
        "channels": ["website"],
        "window": {"kind": "permanent"},
        "requester": {"name": "นางสาวทดลอง ใจดี", "position": "นักวิชาการ"},
        "attachments": [{"path": "doc.pdf", "title": f"ไฟล์ {HOSTILE}"}],
    }
    with Bridge(config, actor="browser-test") as bridge:
        bridge.submit(request, base_dir=folder)
        bridge.record_decision("xss-browser-001", status="approved", by="นายสมมุติ ใจกว้าง")
        report = bridge.sync()
        assert [a.error for a in report.actions if a.error] == []
        [row] = [r for r in bridge.status() if r.request_id == "xss-browser-001"]
    assert row.state == "published" and row.url, row
    api = f"{config.require_site().url.rstrip('/')}/?rest_route="
    media = HttpClient(config).request("GET", api + "/wp/v2/media", params={"per_page": 100}).json()
    [attachment] = media  # a freshly reset site: ours only
    return Published(post_url=row.url, attachment_page=attachment["link"], file_bytes=pdf)


def open_page(browser: WebDriver, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete",
                                     message=f"{url} did not finish loading")
    # Once loaded, a page the theme rendered has its <main> at once; an empty page never will.
    WebDriverWait(browser, 5).until(ec.presence_of_element_located((By.CSS_SELECTOR, "main")),
                                    message=f"{url} has no <main>: is the site's theme active?")


def assert_inert(browser: WebDriver) -> str:
    """Nothing from the payloads ran or became an element; returns the page's visible text."""
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.execute_script(LIVE_PAYLOAD_JS) == []
    return str(browser.find_element(By.TAG_NAME, "body").text)


def assert_shown_literally(text: str, where: str) -> None:
    for payload in PAYLOADS:
        assert payload in text, f"{payload!r} is not shown as typed in the {where}: {text!r}"


def test_the_post_page_shows_hostile_text_as_typed_and_runs_none_of_it(
        browser: WebDriver, hostile_post: Published) -> None:
    open_page(browser, hostile_post.post_url)
    text = assert_inert(browser)
    heading = browser.find_element(By.CSS_SELECTOR, "main h1").text
    assert heading == f"ประกาศ {HOSTILE}"
    assert SCRIPT in browser.title
    content = browser.find_element(By.CSS_SELECTOR, ".wp-block-post-content").text
    for field in ("รายละเอียด", "ที่มา: ที่มา", "ไฟล์"):  # body, source, attachment label
        line = next((line for line in content.splitlines() if line.startswith(field)), "")
        assert_shown_literally(line, f"post's {field!r} line")
    assert "<script>" in text

    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a[href*='/wp-content/uploads/']")]
    assert links, "the post links no attachment"
    for href in set(links):
        got = requests.get(str(href), timeout=30)
        assert got.status_code == 200, href
        assert got.content == hostile_post.file_bytes


def test_the_attachment_page_shows_its_hostile_title_as_typed(browser: WebDriver, hostile_post: Published) -> None:
    open_page(browser, hostile_post.attachment_page)
    assert_inert(browser)
    heading = browser.find_element(By.CSS_SELECTOR, "main h1").text
    assert heading == f"ไฟล์ {HOSTILE}"


def test_the_home_page_renders_the_theme_with_the_post_listed(browser: WebDriver, hostile_post: Published) -> None:
    open_page(browser, hostile_post.post_url.split("?", 1)[0])
    assert browser.find_element(By.CSS_SELECTOR, ".wp-block-site-title").text == SITE_TITLE
    titles = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".wp-block-post-template .wp-block-post-title")]
    assert f"ประกาศ {HOSTILE}" in titles, titles
    assert_inert(browser)


# -- what a visitor sees of an ordinary notice --------------------------------------------------


@pytest.fixture(scope="module")
def notice(hostile_post: Published, wordpress_site: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An ordinary Thai notice with a PDF and a photo, published on the same site; its address."""
    from cms_bridge.samples import png

    work = tmp_path_factory.mktemp("notice")
    folder = work / "notice"
    folder.mkdir()
    (folder / "announcement.pdf").write_bytes(text_pdf(["Announcement of the procurement result"]))
    (folder / "photo.png").write_bytes(png(320, 200))
    config: Config = load_config(wordpress_site, environ={"CMS_BRIDGE_SYNC_LEDGER": str(work / "ledger.sqlite3")})
    request = {
        "request_id": "notice-browser-001",
        "request_date": "2026-09-01",
        "group": "finance",
        "kind": "procurement",
        "title": "ประกาศผลการจัดซื้อวัสดุสำนักงาน ประจำเดือนกันยายน ๒๕๖๙",
        "purpose": "เพื่อเผยแพร่ผลการจัดซื้อจัดจ้างต่อสาธารณะ",
        "body": "สำนักงานได้ดำเนินการจัดซื้อวัสดุสำนักงานเรียบร้อยแล้ว รายละเอียดตามเอกสารแนบ",
        "channels": ["website"],
        "window": {"kind": "permanent"},
        "requester": {"name": "นางสาวทดลอง ใจดี", "position": "นักวิชาการพัสดุ"},
        "attachments": [{"path": "announcement.pdf", "title": "ประกาศผลการจัดซื้อ"}],
        "images": [{"path": "photo.png"}],
        "checked_by_hand": [{"path": "photo.png", "by": "นางสาวทดลอง ใจดี"}],
    }
    with Bridge(config, actor="browser-test") as bridge:
        bridge.submit(request, base_dir=folder)
        bridge.record_decision("notice-browser-001", status="approved", by="นายสมมุติ ใจกว้าง")
        report = bridge.sync()
        assert [a.error for a in report.actions if a.error] == []
        [row] = [r for r in bridge.status() if r.request_id == "notice-browser-001"]
    assert row.state == "published" and row.url, row
    return row.url


def test_a_published_notice_shows_its_files_and_a_screenshot_is_taken(browser: WebDriver, notice: str,
                                                                      tmp_path: Path) -> None:
    open_page(browser, notice)
    assert browser.find_element(By.CSS_SELECTOR, "main h1").text == \
        "ประกาศผลการจัดซื้อวัสดุสำนักงาน ประจำเดือนกันยายน ๒๕๖๙"
    main = browser.find_element(By.TAG_NAME, "main")
    addresses = {
        "link": [a.get_attribute("href") for a in main.find_elements(By.CSS_SELECTOR, "a[href*='/wp-content/uploads/']")],
        "PDF embed": [o.get_attribute("data") for o in main.find_elements(By.CSS_SELECTOR, "object[type='application/pdf']")],
        "image": [i.get_attribute("src") for i in main.find_elements(By.CSS_SELECTOR, "img[src*='/wp-content/uploads/']")],
    }
    for what, urls in addresses.items():
        assert urls, f"the post shows no {what}"
        for url in set(urls):
            answer = requests.get(str(url), timeout=30)
            assert answer.status_code == 200 and answer.content, (what, url)
    # The photo really displays (decoded by the browser), not a broken-image box.
    assert browser.execute_script(
        "return [...document.querySelectorAll('main img')].every(i => i.complete && i.naturalWidth > 0)")
    # The screenshot is kept where a person can look at it (CI keeps the test's folder).
    target = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path) / "published-notice.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    # The whole page, not only the first screen (the theme shows the photo full width on top).
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(1280, min(height, 6000))
    try:
        assert browser.save_screenshot(str(target)) and target.stat().st_size > 10_000
    finally:
        browser.set_window_size(1280, 1024)
