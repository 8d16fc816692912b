#!/usr/bin/env python3
"""Bulk publish side by side: N approved requests with one small PDF each, published by
cms-bridge, by a plain loop of `requests` calls, by a python-wordpress-xmlrpc loop, and by the
server's own floor (one PHP process calling WordPress's functions), in the same run on a reset
local site each time. Writes the table into docs/benchmarks.md (PUBLISH-COMPARE markers).

    .venv/bin/python bench/publish_compare.py [N]      (default 500)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import requests
from common import ROOT, reset_site, write_section  # also puts the project on sys.path
from wordpress_xmlrpc import Client, WordPressPost
from wordpress_xmlrpc.methods.media import UploadFile
from wordpress_xmlrpc.methods.posts import NewPost

from cms_bridge.bridge import Bridge
from cms_bridge.config import load_config
from cms_bridge.samples import request_toml, text_pdf

SITE = ROOT / ".local" / "wordpress"


def reset() -> None:
    reset_site()


def with_bridge(n: int, tmp: Path) -> float:
    inbox = tmp / "inbox"
    for i in range(n):
        folder = inbox / f"cmp-{i:04d}"
        folder.mkdir(parents=True)
        (folder / "doc.pdf").write_bytes(text_pdf([f"Document {i}"]))
        (folder / "request.toml").write_text(request_toml(f"cmp-{i:04d}"), encoding="utf-8")
    site = load_config(SITE / "config.toml", environ={})
    config = site.model_copy(update={"intake": site.intake.model_copy(update={"inbox": inbox}),
                                     "sync": site.sync.model_copy(update={"ledger": tmp / "ledger.sqlite3"})})
    with Bridge(config) as bridge:
        bridge.intake()  # reading and checking the files is not part of publishing
        started = time.perf_counter()
        report = bridge.sync()
        seconds = time.perf_counter() - started
        assert len(report.actions) == n and not report.failed
    return seconds


def with_requests_loop(n: int, pdf: bytes) -> float:
    site = load_config(SITE / "config.toml", environ={}).require_site()
    auth = (site.username, load_config(SITE / "config.toml", environ={}).app_password())
    api = site.url + "/?rest_route=/wp/v2"
    session = requests.Session()
    started = time.perf_counter()
    for i in range(n):
        media = session.post(f"{api}/media", auth=auth, data=pdf, headers={
            "Content-Type": "application/pdf", "Content-Disposition": f'attachment; filename="loop-{i}.pdf"'}).json()
        session.post(f"{api}/posts", auth=auth, json={
            "title": f"loop {i}", "status": "publish",
            "content": f'<a href="{media["source_url"]}">doc</a>'}).raise_for_status()
    return time.perf_counter() - started


def with_xmlrpc_loop(n: int, pdf: bytes) -> float:
    config = load_config(SITE / "config.toml", environ={})
    site = config.require_site()
    client = Client(site.url + "/xmlrpc.php", site.username, config.app_password())
    started = time.perf_counter()
    for i in range(n):
        media = client.call(UploadFile({"name": f"x-{i}.pdf", "type": "application/pdf",
                                        "bits": xmlrpc.client.Binary(pdf)}))
        post = WordPressPost()
        post.title, post.post_status = f"xmlrpc {i}", "publish"
        post.content = f'<a href="{media["url"]}">doc</a>'
        client.call(NewPost(post))
    return time.perf_counter() - started


def with_php_floor(n: int, pdf_path: Path) -> float:
    out = subprocess.run(["php", str(ROOT / "bench" / "php_floor.php"), str(SITE / "site"), str(pdf_path), str(n)],
                         check=True, capture_output=True, text=True, cwd=SITE / "site")
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    pdf = text_pdf(["Document"])
    results = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "doc.pdf").write_bytes(pdf)
        for name, run in [("PHP floor (wp_insert_post + attachment, no HTTP)", lambda: with_php_floor(n, tmp / "doc.pdf")),
                          ("cms-bridge sync", lambda: with_bridge(n, tmp)),
                          ("plain `requests` loop (upload + post)", lambda: with_requests_loop(n, pdf)),
                          ("python-wordpress-xmlrpc loop", lambda: with_xmlrpc_loop(n, pdf))]:
            reset()
            results[name] = run()
            print(f"{name}: {results[name]:.2f} s", flush=True)
    floor = results["PHP floor (wp_insert_post + attachment, no HTTP)"]
    loop = results["plain `requests` loop (upload + post)"]
    lines = [f"N = {n} requests, one small PDF each.", "",
             "| method | seconds | items/s | × floor time | speed vs `requests` loop |", "|---|---|---|---|---|"]
    for name, seconds in results.items():
        lines.append(f"| {name} | {seconds:.2f} | {n / seconds:.0f} | {seconds / floor:.2f} | {loop / seconds:.2f}× |")
    write_section("PUBLISH-COMPARE", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
