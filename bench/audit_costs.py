#!/usr/bin/env python3
"""Speed, requests and memory of `cms-bridge audit`, on a generated fake site and on the local
WordPress. Writes docs/benchmarks.md (AUDIT-COSTS markers).

    .venv/bin/python bench/audit_costs.py [FAKE_N [REAL_N]]      (default 2000 40)

The fake site holds FAKE_N media items, every file different (its index is in its text):
text PDFs of 1-3 pages, DOCX, XLSX, and a share of pictures and scanned PDFs (read by OCR),
one in ten carrying a made-up ID number. The real run uploads REAL_N such files to the local
WordPress and audits it over REST. Peak memory is Python's (tracemalloc) plus the largest
resident set of a child process (Tesseract).
"""

from __future__ import annotations

import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from common import ROOT, reset_site, write_section  # also puts the project on sys.path

from openpyxl import Workbook
from PIL import Image, ImageDraw, ImageFont

from cms_bridge.audit import Audit
from cms_bridge.config import load_config
from cms_bridge.intake.idguard import is_valid_id_number
from cms_bridge.ledger.store import Ledger
from cms_bridge.samples import docx, text_pdf
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.fake import FakeCms
from cms_bridge.wordpress.http import HttpClient

FONT = Path("/usr/share/fonts/truetype/tlwg/Garuda.ttf")
#: Of every 100 files: 55 text PDFs, 20 DOCX, 15 XLSX, 5 pictures, 5 scanned PDFs.
MIX = [("pdf", 55), ("docx", 20), ("xlsx", 15), ("png", 5), ("scan", 5)]


def made_up_id(n: int) -> str:
    body = f"1{n:011d}"[:12]
    return next(body + str(d) for d in range(10) if is_valid_id_number(body + str(d)))


def kind_of(i: int) -> str:
    slot, total = i % 100, 0
    for kind, share in MIX:
        total += share
        if slot < total:
            return kind
    return "pdf"


def picture(lines: list[str]) -> Image.Image:
    image = Image.new("RGB", (1200, 400), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 36)
    for row, text in enumerate(lines):
        pen.text((40, 40 + 70 * row), text, fill="black", font=font)
    return image


def make_file(i: int) -> tuple[str, bytes, int]:
    """(name, bytes, pages) of file number *i*."""
    kind = kind_of(i)
    secret = f" {made_up_id(i)}" if i % 10 == 3 else ""
    if kind == "pdf":
        pages = 1 + i % 3
        return f"doc-{i}.pdf", text_pdf([f"Report {i} page {p}{secret if p == pages - 1 else ''}" for p in range(pages)]), pages
    if kind == "docx":
        return f"doc-{i}.docx", docx([f"ประกาศ ฉบับที่ {i}", f"รายละเอียด{secret}"]), 1
    if kind == "xlsx":
        book = Workbook()
        book.active.append(["ลำดับ", "ชื่อ", "เลข"])
        book.active.append([i, "ทดสอบ", secret.strip() or str(i)])
        out = io.BytesIO()
        book.save(out)
        return f"sheet-{i}.xlsx", out.getvalue(), 1
    out = io.BytesIO()
    image = picture([f"ประกาศ ฉบับที่ {i}", f"เลขที่{secret}" if secret else "ไม่มีข้อมูลส่วนบุคคล"])
    if kind == "png":
        image.save(out, "PNG")
        return f"photo-{i}.png", out.getvalue(), 1
    image.save(out, "PDF", resolution=150)
    return f"scan-{i}.pdf", out.getvalue(), 1


def child_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def fake_run(n: int, workers: int) -> list[str]:
    fake = FakeCms()
    pages = 0
    ocr = 0
    for i in range(n):
        name, data, count = make_file(i)
        fake.add_media(name, data)
        pages += count
        ocr += kind_of(i) in ("png", "scan")
    with tempfile.TemporaryDirectory() as tmp, Ledger(Path(tmp) / "l.sqlite3") as ledger:
        tracemalloc.start()
        started = time.perf_counter()
        result = Audit(fake, ledger, workers=workers).scan()
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        requests = sum(fake.requests.values())
        again_start = time.perf_counter()
        before = sum(fake.requests.values())
        rerun = Audit(fake, ledger, workers=workers).scan()
        rerun_seconds = time.perf_counter() - again_start
        rerun_requests = sum(fake.requests.values()) - before
    found = sum(r.verdict == "found" for r in result.rows)
    return [f"| fake, {n} files ({ocr} by OCR), {pages} pages | {workers} | {seconds:.0f} s | {n / seconds:.1f} | "
            f"{pages / seconds:.1f} | {requests / n:.2f} | {peak / 2**20:.0f} MiB + {child_peak_mib():.0f} MiB | "
            f"{found} found; rerun: {rerun.downloads} downloads, {rerun_requests} requests, {rerun_seconds:.1f} s |"]


def real_run(n: int, workers: int) -> list[str]:
    reset_site()
    config = load_config(ROOT / ".local" / "wordpress" / "config.toml", environ={})
    uploader = RestAdapter(HttpClient(config))
    pages = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            # Spread over the whole mix (text PDFs, DOCX, XLSX, pictures, scans), not its first slots.
            name, data, count = make_file(i * 37)
            path = Path(tmp) / name
            path.write_bytes(data)
            uploader.upload_media(path)
            pages += count
        http = HttpClient(config)
        cms = RestAdapter(http)
        with Ledger(Path(tmp) / "l.sqlite3") as ledger:
            started = time.perf_counter()
            result = Audit(cms, ledger, workers=workers).scan()
            seconds = time.perf_counter() - started
            requests = http.requests_sent
    found = sum(r.verdict == "found" for r in result.rows)
    ocr = sum(kind_of(i * 37) in ("png", "scan") for i in range(n))
    return [f"| local WordPress (REST), {n} files ({ocr} by OCR), {pages} pages | {workers} | {seconds:.0f} s | {n / seconds:.1f} | "
            f"{pages / seconds:.1f} | {requests / n:.2f} | – | {found} found (2 searches each, one more for a parent) |"]


def main() -> None:
    fake_n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    real_n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    workers = int(os.environ.get("AUDIT_WORKERS", "4"))
    load = os.getloadavg()[0]
    lines = ["| site | workers | time | files/s | pages/s | requests/file | peak memory (Python + Tesseract) | notes |",
             "|---|---|---|---|---|---|---|---|"]
    if fake_n:
        lines += fake_run(fake_n, workers)
        print(lines[-1], flush=True)
    if real_n:
        lines += real_run(real_n, workers)
        print(lines[-1], flush=True)
    lines.append("")
    lines.append(f"Measured on {os.cpu_count()} cores with a 1-minute load average of {load:.1f} at the start "
                 "(other work sharing the machine).")
    write_section("AUDIT-COSTS", lines)


if __name__ == "__main__":
    main()
