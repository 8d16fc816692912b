"""A 200 MB attachment goes to WordPress without being read into memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from cms_bridge.config import Config
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient

SIZE = 200 * 1024 * 1024


def test_upload_of_200_mb_streams(clean_site: Config, tmp_path: Path) -> None:
    path = tmp_path / "รายงานประจำปี.pdf"
    with path.open("wb") as f:
        f.write(b"%PDF-1.4\n")  # recognised as a PDF by its content; the rest is a sparse hole
        f.truncate(SIZE)
    cms = RestAdapter(HttpClient(clean_site))
    cms.site_info()  # not part of what is measured
    tracemalloc.start()
    try:
        media = cms.upload_media(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert media.size == SIZE
    # Reading the file whole would allocate 200 MB; streaming stays within a few buffers.
    assert peak < 16 * 1024 * 1024, f"peak Python allocation {peak / 2**20:.1f} MiB"
