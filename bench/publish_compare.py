#!/usr/bin/env python3
"""Bulk publish side by side: N approved requests with one small PDF each, published by
cms-bridge (REST, and with ``api = "xmlrpc"``), by a plain loop of `requests` calls and by a
python-wordpress-xmlrpc loop (each as a user would write it, one request after another, and again
given the same connections as cms-bridge), and by two floors: one PHP process calling WordPress's
functions (today's floor: bare upload + post; the fuller floor: what a bridge post really makes
WordPress do, timed from before WordPress loads). Every method runs on a freshly reset local site;
the methods are rotated over the rounds, and each round's times are taken as ratios to that
round's fuller floor, so a busy machine shifts a round, not one method. Writes the table into
docs/benchmarks.md (PUBLISH-COMPARE markers).

    .venv/bin/python bench/publish_compare.py [N] [ROUNDS]      (default 200 and 3)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
FULL_FLOOR = "fuller floor (PHP: metadata, category, slug, excerpt, 1.3 KB body, incl. WordPress load)"


def reset() -> None:
    reset_site()


def with_bridge(n: int, tmp: Path, api: str) -> tuple[float, int]:
    inbox = tmp / f"inbox-{api}-{time.monotonic_ns()}"
    for i in range(n):
        folder = inbox / f"cmp-{i:04d}"
        folder.mkdir(parents=True)
        (folder / "doc.pdf").write_bytes(text_pdf([f"Document {i}"]))
        (folder / "request.toml").write_text(request_toml(f"cmp-{i:04d}"), encoding="utf-8")
    site = load_config(SITE / "config.toml", environ={})
    config = site.model_copy(update={
        "site": site.require_site().model_copy(update={"api": api}),
        "intake": site.intake.model_copy(update={"inbox": inbox}),
        "sync": site.sync.model_copy(update={"ledger": inbox.parent / f"{inbox.name}.sqlite3"})})
    with Bridge(config) as bridge:
        bridge.intake()  # reading and checking the files is not part of publishing
        before = bridge.cms.http.requests_sent  # type: ignore[attr-defined]
        started = time.perf_counter()
        report = bridge.sync()
        seconds = time.perf_counter() - started
        assert len(report.actions) == n and not report.failed, report.failed[:3]
        return seconds, bridge.cms.http.requests_sent - before  # type: ignore[attr-defined]


def _threads(n: int, connections: int, one: Callable[[int], None]) -> None:
    if connections == 1:
        for i in range(n):
            one(i)
        return
    one(0)  # the first alone: WordPress makes the month's upload folder on demand
    with ThreadPoolExecutor(max_workers=connections) as pool:
        for future in [pool.submit(one, i) for i in range(1, n)]:
            future.result()


def with_requests_loop(n: int, pdf: bytes, connections: int = 1) -> tuple[float, int]:
    config = load_config(SITE / "config.toml", environ={})
    site = config.require_site()
    auth = (site.username, config.app_password())
    api = site.url + "/?rest_route=/wp/v2"
    session = requests.Session()

    def one(i: int) -> None:
        media = session.post(f"{api}/media", auth=auth, data=pdf, headers={
            "Content-Type": "application/pdf", "Content-Disposition": f'attachment; filename="loop-{i}.pdf"'}).json()
        session.post(f"{api}/posts", auth=auth, json={
            "title": f"loop {i}", "status": "publish",
            "content": f'<a href="{media["source_url"]}">doc</a>'}).raise_for_status()

    started = time.perf_counter()
    _threads(n, connections, one)
    return time.perf_counter() - started, 2 * n


def with_xmlrpc_loop(n: int, pdf: bytes, connections: int = 1) -> tuple[float, int]:
    config = load_config(SITE / "config.toml", environ={})
    site = config.require_site()

    def one(i: int) -> None:
        client = Client(site.url + "/xmlrpc.php", site.username, config.app_password())
        media = client.call(UploadFile({"name": f"x-{i}.pdf", "type": "application/pdf",
                                        "bits": xmlrpc.client.Binary(pdf)}))
        post = WordPressPost()
        post.title, post.post_status = f"xmlrpc {i}", "publish"
        post.content = f'<a href="{media["url"]}">doc</a>'
        client.call(NewPost(post))

    # wordpress_xmlrpc.Client() asks the site for its methods when made: once per thread in real
    # use; here once per item, the same for both variants, and counted.
    started = time.perf_counter()
    _threads(n, connections, one)
    return time.perf_counter() - started, 3 * n


def with_php(script: str, n: int, pdf_path: Path) -> tuple[float, int]:
    out = subprocess.run(["php", str(ROOT / "bench" / script), str(SITE / "site"), str(pdf_path), str(n)],
                         check=True, capture_output=True, text=True, cwd=SITE / "site")
    return float(out.stdout.strip().splitlines()[-1]), 0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    pdf = text_pdf(["Document"])
    connections = load_config(SITE / "config.toml", environ={}).require_site().connections
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "doc.pdf").write_bytes(pdf)
        methods: dict[str, Callable[[], tuple[float, int]]] = {
            "PHP floor (wp_insert_post + attachment, no HTTP)": lambda: with_php("php_floor.php", n, tmp / "doc.pdf"),
            FULL_FLOOR: lambda: with_php("php_floor_full.php", n, tmp / "doc.pdf"),
            "cms-bridge sync (REST + upload multicalls)": lambda: with_bridge(n, tmp, "rest"),
            'cms-bridge sync, `api = "xmlrpc"`': lambda: with_bridge(n, tmp, "xmlrpc"),
            "plain `requests` loop (upload + post)": lambda: with_requests_loop(n, pdf),
            f"plain `requests` loop on {connections} connections": lambda: with_requests_loop(n, pdf, connections),
            "python-wordpress-xmlrpc loop": lambda: with_xmlrpc_loop(n, pdf),
            f"python-wordpress-xmlrpc loop on {connections} connections":
                lambda: with_xmlrpc_loop(n, pdf, connections),
        }
        names = list(methods)
        seconds: dict[str, list[float]] = {name: [] for name in names}
        ratios: dict[str, list[float]] = {name: [] for name in names}
        requests_sent: dict[str, int] = {}
        for r in range(rounds):
            order = names[r % len(names):] + names[:r % len(names)]  # rotated: no method always first
            this_round: dict[str, float] = {}
            for name in order:
                reset()
                took, sent = methods[name]()
                this_round[name], requests_sent[name] = took, sent
                seconds[name].append(took)
                print(f"round {r + 1}: {name}: {took:.2f} s, {sent} requests", flush=True)
            for name in names:
                ratios[name].append(this_round[name] / this_round[FULL_FLOOR])
    loop = statistics.median(ratios["plain `requests` loop (upload + post)"])
    xmlrpc_loop = statistics.median(ratios["python-wordpress-xmlrpc loop"])
    lines = [f"N = {n} requests, one small PDF each; {rounds} rounds, methods rotated; {connections} connections "
             "where a method uses several. Ratios are to the fuller floor of the same round; the range is the "
             "lowest and highest over the rounds.", "",
             "| method | seconds (median) | × fuller floor (median) | range | speed vs `requests` loop "
             "| speed vs xmlrpc loop | HTTP requests |",
             "|---|---|---|---|---|---|---|"]
    for name in names:
        median = statistics.median(ratios[name])
        lines.append(f"| {name} | {statistics.median(seconds[name]):.2f} | {median:.2f} | "
                     f"{min(ratios[name]):.2f}–{max(ratios[name]):.2f} | {loop / median:.2f}× | "
                     f"{xmlrpc_loop / median:.2f}× | {requests_sent[name]} |")
    write_section("PUBLISH-COMPARE", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
