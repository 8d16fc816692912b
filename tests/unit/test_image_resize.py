# ruff: noqa: F811 - the fixtures imported from test_fake_sync are parameters here
"""[sync] max_image_pixels: a smaller copy of a large picture is uploaded, the original kept, and
the publish gate scans the copy it uploads (on the fake site)."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config
from cms_bridge.intake.idguard import Finding
from cms_bridge.publishing import gate as gate_module
from cms_bridge.publishing.images import resized_copy
from cms_bridge.samples import png
from cms_bridge.wordpress.fake import FakeCms

from .test_fake_sync import NOW, inbox, make_config, run, site, site_clock, write_request  # noqa: F401 - fixtures


#: The name resized_copy gives a copy: <store name>.<w>x<h>-<w>x<h>.<ext>
COPY = re.compile(r"\.\d+x\d+-\d+x\d+\.(png|jpg)$")


def photo(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def bridge(config: Config, tmp_path: Path, inbox: Path, site: FakeCms):
    with Bridge(make_config(config, tmp_path, inbox, max_image_pixels=40_000), cms=site, clock=lambda: NOW) as b:
        yield b


def test_a_large_picture_goes_as_a_smaller_copy_the_store_keeps_the_original(bridge: Bridge, inbox: Path,
                                                                             site: FakeCms) -> None:
    write_request(inbox, "img", images=("cover.png", "small.png"))
    big = png(400, 300, 90)
    (inbox / "img" / "cover.png").write_bytes(big)
    report = run(bridge, NOW, site)
    assert not report.failed
    sent = {m.filename: m.data for m in site.media.values()}
    with Image.open(io.BytesIO(sent["cover.png"])) as copy:
        width, height = copy.size
    assert width * height <= 40_000 and abs(width / height - 4 / 3) < 0.02
    assert sent["small.png"] == png(40, 30)  # already small: sent as it is
    assert bridge.ledger.files.has(hashlib.sha256(big).hexdigest())  # the original, kept
    # The ledger knows the upload by the original's digest: a second pass uploads nothing.
    before = site.files_sent
    assert [a for a in run(bridge, NOW, site).actions if a.kind in ("create", "update")] == []
    assert site.files_sent == before


def test_the_gate_scans_the_copy_it_uploads(bridge: Bridge, inbox: Path, site: FakeCms,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_request(inbox, "imgid", images=("cover.png",))
    (inbox / "imgid" / "cover.png").write_bytes(png(400, 300, 90))
    real = gate_module.scan_file
    scanned: list[str] = []

    def scan(path: Path | str, source: str | None = None) -> list[Finding]:
        scanned.append(Path(path).name)
        if COPY.search(Path(path).name):
            # Only the smaller copy "carries" an ID number: the gate must look at it too.
            return [Finding(kind="id_number", source=source or "", masked="1-2345-xxxxx-xx-3")]
        return real(path, source=source)

    monkeypatch.setattr(gate_module, "scan_file", scan)
    report = run(bridge, NOW, site)
    assert [a.kind for a in report.failed] == ["create"] and "ID" in (report.failed[0].error or "")
    assert [m.filename for m in site.media.values()] == ["doc.pdf"]  # the picture never left
    assert any(COPY.search(name) for name in scanned) and len(scanned) >= 3  # doc, cover, its copy


def test_resized_copy_keeps_the_aspect_and_turns_by_exif(tmp_path: Path) -> None:
    source = tmp_path / "p.jpg"
    source.write_bytes(photo(1200, 800))
    copy = resized_copy(source, "jpg", 240_000, tmp_path)
    assert copy is not None
    with Image.open(copy) as image:
        assert image.size == (600, 400)
    assert resized_copy(source, "jpg", 2_000_000, tmp_path) is None
    assert resized_copy(source, "pdf", 10, tmp_path) is None
