#!/usr/bin/env python3
"""Peak Python memory while uploading a 200 MB attachment: cms-bridge's streamed upload next to
reading the file and posting it whole (what a naive loop does). Writes docs/benchmarks.md
(UPLOAD-MEMORY markers).

    .venv/bin/python bench/upload_memory.py [MEGABYTES]     (default 200)
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

from common import ROOT, reset_site, write_section  # also puts the project on sys.path

from cms_bridge.config import load_config
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient


def peak(action) -> float:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    reset_site()
    config = load_config(ROOT / ".local" / "wordpress" / "config.toml", environ={})
    cms = RestAdapter(HttpClient(config))
    cms.site_info()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.pdf"
        with path.open("wb") as f:
            f.write(b"%PDF-1.4\n")
            f.truncate(megabytes * 2**20)
        streamed = peak(lambda: cms.upload_media(path))
        whole = peak(lambda: cms.http.request("POST", cms._url("/wp/v2/media"), data=path.read_bytes(), headers={
            "Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="whole.pdf"'}, retry=False)
            if megabytes <= 100 else path.read_bytes())
    note = "" if megabytes <= 100 else " (file read only: WordPress itself runs out of PHP memory on a raw body this large)"
    lines = ["| upload of | cms-bridge (streamed multipart) | reading the file whole |", "|---|---|---|",
             f"| {megabytes} MB | {streamed:.1f} MiB | {whole:.1f} MiB{note} |"]
    write_section("UPLOAD-MEMORY", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
