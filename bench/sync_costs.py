#!/usr/bin/env python3
"""Counts the HTTP requests a sync costs, against the local WordPress, and writes the table in
docs/benchmarks.md (between its SYNC-COSTS markers).

    .venv/bin/python bench/sync_costs.py [N ...]      (default N = 10 50 100)

For each N: reset the site, make N approved requests with one small PDF each, sync them,
then run an idle pass. Requests are classified by what they did.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections import Counter
from math import ceil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from common import ROOT, reset_site, write_section  # also puts the project on sys.path

from cms_bridge.bridge import Bridge
from cms_bridge.config import load_config
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient


class CountingClient(HttpClient):
    """Records what each request was for."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.kinds: Counter[str] = Counter()

    def _send_once(self, method, url, authenticated, kwargs):  # type: ignore[no-untyped-def]
        route = parse_qs(urlsplit(url).query).get("rest_route", [urlsplit(url).path])[0]
        route = re.sub(r"/\d+", "/{id}", route)
        body = kwargs.get("data")
        if route.endswith("/xmlrpc.php") and isinstance(body, bytes):
            # Multicalls all go to one URL: told apart by the first method they carry.
            found = re.search(rb"<(?:string|methodName)>(wp\.\w+)</", body)
            route += " " + (found.group(1).decode() if found else "?")
        self.kinds[f"{method} {route}"] += 1
        return super()._send_once(method, url, authenticated, kwargs)


def make_inbox(folder: Path, n: int) -> None:
    for i in range(n):
        sub = folder / f"b-{i:04d}"
        sub.mkdir(parents=True)
        (sub / "doc.pdf").write_bytes(text_pdf([f"Bench document {i}"]))
        (sub / "request.toml").write_text(request_toml(
            f"bench-{i:04d}", title=f"ประกาศทดสอบประสิทธิภาพ {i}", group="finance", kind="procurement"),
            encoding="utf-8")


def measure(n: int) -> dict[str, object]:
    reset_site()
    site = load_config(ROOT / ".local" / "wordpress" / "config.toml", environ={})
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        make_inbox(inbox, n)
        config = site.model_copy(update={
            "intake": site.intake.model_copy(update={"inbox": inbox}),
            "sync": site.sync.model_copy(update={"ledger": Path(tmp) / "ledger.sqlite3"})})
        http = CountingClient(config)
        with Bridge(config, cms=RestAdapter(http)) as bridge:
            bridge.intake()
            started = time.perf_counter()
            report = bridge.sync()
            seconds = time.perf_counter() - started
            assert not report.failed and len(report.actions) == n
            first = Counter(http.kinds)
            # Two idle passes as the daemon runs them (inbox, then sync): the first after
            # publishing plans every request in full and keeps them as settled; later ones
            # plan none. Client CPU is this process's.
            idle = []
            for _ in range(2):
                http.kinds.clear()
                cpu = time.process_time()
                report = bridge.daemon_pass()
                assert report.actions == [], report.actions[:3]
                idle.append((sum(http.kinds.values()), time.process_time() - cpu))
            return {"n": n, "first": first, "idle": idle, "seconds": seconds,
                    "batch": bridge.cms.site_info().batch_limit}


def render(results: list[dict]) -> str:
    lines = ["| N requests | post lookups | media lookups | uploads | naming uploads | post writes | categories | other "
             "| total | wall time | idle pass: requests (ceil(N/100)) | idle pass client CPU: first, settled |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c: Counter[str] = r["first"]  # type: ignore[assignment]
        lookups = c["GET /wp/v2/posts"]
        media_lookups = c["GET /wp/v2/media"]
        uploads = c["POST /wp/v2/media"] + c["POST /xmlrpc.php wp.uploadFile"]
        naming = c["POST /xmlrpc.php wp.editPost"]
        writes = c["POST /batch/v1"] + c["POST /wp/v2/posts"]
        cats = c["GET /wp/v2/categories"] + c["POST /wp/v2/categories"]
        total = sum(c.values())
        other = total - lookups - media_lookups - uploads - naming - writes - cats
        n, batch = r["n"], r["batch"]
        lines.append(f"| {n} | {lookups} (ceil(N/100) = {ceil(n / 100)}) | {media_lookups} | {uploads} (ceil(N/25) = {ceil(n / 25)}) | {naming} | "
                     f"{writes} (ceil(N/{batch}) = {ceil(n / batch)}) | {cats} | {other} | {total} | "
                     f"{r['seconds']:.2f} s | {r['idle'][1][0]} ({ceil(n / 100)}) | "  # type: ignore[index]
                     f"{r['idle'][0][1]:.2f} s, {r['idle'][1][1]:.2f} s |")  # type: ignore[index]
    return "\n".join(lines)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10, 50, 100]
    table = render([measure(n) for n in sizes])
    write_section("SYNC-COSTS", table.splitlines())
    print(table)


if __name__ == "__main__":
    main()
