"""Security checks on the real stack: secrets stay secret, TLS is verified, uploaded file names
cannot escape or smuggle control characters."""

from __future__ import annotations

import http.server
import json
import logging
import shutil
import ssl
import subprocess
import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest

from cms_bridge.bridge import Bridge
from cms_bridge.cli import main
from cms_bridge.config import Config, load_config
from cms_bridge.errors import TransportError
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient


def test_password_never_in_logs_json_or_errors(clean_site: Config, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    password = clean_site.app_password()
    inbox = tmp_path / "inbox"
    (inbox / "sec-001").mkdir(parents=True)
    (inbox / "sec-001" / "doc.pdf").write_bytes(text_pdf(["x"]))
    (inbox / "sec-001" / "request.toml").write_text(request_toml("sec-001"), encoding="utf-8")
    site = clean_site.require_site()
    config = tmp_path / "cms-bridge.toml"
    config.write_text(f'[site]\nurl = "{site.url}"\nusername = "{site.username}"\n'
                      f'app_password_file = "{site.app_password_file}"\n[intake]\ninbox = "{inbox}"\n'
                      f'[sync]\nledger = "{tmp_path / "l.sqlite3"}"\n', encoding="utf-8")
    with caplog.at_level(logging.DEBUG):
        assert main(["--config", str(config), "--log-level", "DEBUG", "sync", "--json"]) == 0
        assert main(["--config", str(config), "status", "--json"]) == 0
        assert main(["--config", str(config), "check", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out[out.out.rindex('{\n  "site"'):])["usable"] is True
    for text in (out.out, out.err, caplog.text):
        assert password not in text and password.replace(" ", "") not in text
    wrong = load_config(config, environ={"CMS_BRIDGE_SITE_APP_PASSWORD": "abcd efgh ijkl mnop qrst uvwx"})
    with Bridge(wrong) as bridge, pytest.raises(Exception) as err:
        bridge.sync(datetime.now(OFFICE_TZ))
    assert "abcd efgh" not in str(err.value) and "abcd efgh" not in repr(err.value)


@pytest.fixture
def self_signed_https(tmp_path: Path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is needed to make a test certificate (Debian package openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://localhost:{server.server_address[1]}", cert
    server.shutdown()


def test_tls_is_verified_unless_the_ca_is_given(self_signed_https, tmp_path: Path) -> None:
    url, cert = self_signed_https
    base = {"CMS_BRIDGE_SITE_URL": url, "CMS_BRIDGE_SITE_USERNAME": "a", "CMS_BRIDGE_SITE_APP_PASSWORD": "pw"}
    with pytest.raises(TransportError, match="TLS verification failed"):
        HttpClient(load_config(environ=base)).request("GET", "/", retry=False)
    trusted = load_config(environ={**base, "CMS_BRIDGE_SITE_CA_BUNDLE": str(cert)})
    assert HttpClient(trusted).request("GET", "/", retry=False).status_code == 200


def test_uploaded_names_cannot_escape_or_carry_control_characters(clean_site: Config, tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(text_pdf(["x"]))
    media = RestAdapter(HttpClient(clean_site)).upload_media(path, filename='../../wp-config"\r\nX-Evil: 1.pdf')
    name = unquote(media.url.rsplit("/", 1)[-1])
    assert "/wp-content/uploads/" in media.url and ".." not in media.url
    assert not any(ch in name for ch in '\r\n"/\\') and name.endswith(".pdf")


HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"> [embed]http://127.0.0.1:9/x[/embed] [audio src=x.mp3]'


def test_hostile_request_text_is_inert_in_what_wordpress_renders(clean_site: Config, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / "xss-001"
    folder.mkdir(parents=True)
    (folder / "doc.pdf").write_bytes(text_pdf(["x"]))
    text = request_toml("xss-001", title="ประกาศ XSSTITLE")
    text = text.replace('title = "ประกาศ XSSTITLE"', f"title = '''ประกาศ {HOSTILE}'''")
    text = text.replace('purpose = "ทดสอบการเผยแพร่"', f"purpose = '''เพื่อทราบ {HOSTILE}'''")
    text = text.replace('path = "doc.pdf"', f"path = \"doc.pdf\"\ntitle = '''ไฟล์ {HOSTILE}'''")
    (folder / "request.toml").write_text(text, encoding="utf-8")
    site = clean_site.require_site()
    config = tmp_path / "cms-bridge.toml"
    config.write_text(f'[site]\nurl = "{site.url}"\nusername = "{site.username}"\n'
                      f'app_password_file = "{site.app_password_file}"\n[intake]\ninbox = "{inbox}"\n'
                      f'[sync]\nledger = "{tmp_path / "l.sqlite3"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "sync"]) == 0

    http = HttpClient(clean_site)
    api = f"{site.url.rstrip('/')}/?rest_route="
    [post] = http.request("GET", api + "/wp/v2/posts", params={"slug": "pr-xss-001", "context": "view"}).json()
    media = http.request("GET", api + "/wp/v2/media", params={"per_page": 100}).json()  # a clean site: ours only
    rendered = [post["title"]["rendered"], post["excerpt"]["rendered"], post["content"]["rendered"],
                *(m["title"]["rendered"] for m in media)]
    assert len(rendered) == 4
    for markup in rendered:
        for live in ("<script", "<img src=x", "onerror=\"", "<audio", "<iframe", "[embed]", "[audio"):
            assert live not in markup, (live, markup)
    # Shown as the text that was typed, not dropped.
    assert "&lt;script&gt;" in post["title"]["rendered"] and "&#91;embed&#93;" in post["content"]["rendered"]
