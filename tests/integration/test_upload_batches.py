"""Uploads in XML-RPC multicalls against the real site: request counts, names, one refusal.

What WordPress stored is read back with the mariadb client (wp_posts), not through the adapters.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cms_bridge.config import Config
from cms_bridge.errors import SiteError
from cms_bridge.wordpress import RestAdapter, XmlRpcAdapter
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import Media, UploadItem

from ..conftest import ROOT


def attachments_in_sql() -> dict[str, str]:
    """post_name -> post_title of every attachment, straight from WordPress's table."""
    import pwd

    socket = ROOT / ".local" / "wordpress" / "run" / "mariadb.sock"
    user = os.environ.get("USER") or pwd.getpwuid(os.getuid()).pw_name
    done = subprocess.run(["mariadb", f"--socket={socket}", "-u", user, "-N", "--raw", "wordpress", "-e",
                           "SELECT post_name, post_title FROM wp_posts WHERE post_type = 'attachment'"],
                          capture_output=True, text=True, timeout=30, check=True)
    return dict(line.split("\t", 1) for line in done.stdout.splitlines() if line)


def items(tmp_path: Path, count: int) -> list[UploadItem]:
    made = []
    for n in range(count):
        path = tmp_path / f"{n}.pdf"
        path.write_bytes(b"%PDF-1.4\n%" + f"file {n}".encode() * 20 + b"\ntrailer<<>>\n%%EOF\n")
        made.append(UploadItem(path=path, filename=f"คำสั่ง {n}.pdf", title=f"คำสั่งที่ {n}",
                               mime_type="application/pdf", slug=f"pr-mc-{n}-0123456789ab"))
    return made


@pytest.mark.parametrize("api", ["rest", "xmlrpc"])
def test_n_uploads_cost_ceil_n_over_25_multicalls_plus_one_naming(clean_site: Config, tmp_path: Path,
                                                                  api: str) -> None:
    http = HttpClient(clean_site)
    cms = RestAdapter(http) if api == "rest" else XmlRpcAdapter(http)
    wanted = items(tmp_path, 60)
    if isinstance(cms, RestAdapter):
        assert cms.multicall_allowed()  # the probe ("auto"): one request, remembered
    before = http.requests_sent
    results = cms.upload_media_many(wanted)
    assert http.requests_sent - before == 3 + 1  # ceil(60 / 25) uploads + one multicall naming them all
    assert all(isinstance(r, Media) for r in results)
    stored = attachments_in_sql()
    assert {f"pr-mc-{n}-0123456789ab": f"คำสั่งที่ {n}" for n in range(60)}.items() <= stored.items()
    assert len(stored) == 60  # none duplicated


def test_a_refused_file_in_the_middle_of_a_multicall_fails_alone(clean_site: Config, tmp_path: Path) -> None:
    cms = RestAdapter(HttpClient(clean_site))
    wanted = items(tmp_path, 4)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ" + b"\0" * 64)
    wanted.insert(2, UploadItem(path=exe, filename="tool.exe", mime_type="application/x-msdownload",
                                slug="pr-mc-x-0123456789ab"))
    results = cms.upload_media_many(wanted)
    assert isinstance(results[2], SiteError) and "file type" in str(results[2])
    assert sum(isinstance(r, Media) for r in results) == 4
    assert sorted(attachments_in_sql()) == sorted(f"pr-mc-{n}-0123456789ab" for n in range(4))


def test_a_large_file_goes_alone_as_a_streamed_rest_upload(clean_site: Config, tmp_path: Path) -> None:
    config = clean_site.model_copy(update={"site": clean_site.require_site().model_copy(
        update={"multicall": "on", "multicall_max_bytes": 64 * 1024})})
    http = HttpClient(config)
    cms = RestAdapter(http)
    wanted = items(tmp_path, 3)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n%" + b"x" * (200 * 1024) + b"\ntrailer<<>>\n%%EOF\n")
    wanted.append(UploadItem(path=big, filename="ใหญ่.pdf", title="ไฟล์ใหญ่", mime_type="application/pdf",
                             slug="pr-mc-big-0123456789ab"))
    assert cms.root  # the REST root is discovered once, outside the count
    before = http.requests_sent
    results = cms.upload_media_many(wanted)
    assert http.requests_sent - before == 1 + 1 + 1  # one multicall, one REST upload, one naming
    assert all(isinstance(r, Media) for r in results)
    assert attachments_in_sql()["pr-mc-big-0123456789ab"] == "ไฟล์ใหญ่"
