#!/usr/bin/env python3
"""Counts the HTTP requests of harvesting one round for every group on a site with many posts,
and writes the result into docs/benchmarks.md (between its HARVEST-COSTS markers).

    .venv/bin/python bench/harvest_costs.py [POSTS ...]     (default 1000 10000)

Posts are spread over the ten groups' categories and the six months of FY 2567 round 1.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import ROOT, reset_site, write_section  # also puts the project on sys.path

from cms_bridge.config import load_config
from cms_bridge.reports.harvest import harvest
from cms_bridge.ledger.store import Ledger
from cms_bridge.mappings import load_mappings
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient

START = datetime(2023, 10, 1, tzinfo=OFFICE_TZ)


def fill(rest: RestAdapter, categories: list[int], posts: int) -> None:
    writes = []
    for i in range(posts):
        when = (START + timedelta(minutes=i * (182 * 24 * 60) // posts)).astimezone(timezone.utc)
        writes.append(("POST", "/wp/v2/posts", {"title": f"bench {i}", "status": "publish",
                                                "categories": [categories[i % len(categories)]],
                                                "date_gmt": when.replace(tzinfo=None).isoformat()}))
    rest.batch(writes)


def measure(posts: int) -> tuple[int, int, float]:
    reset_site()
    config = load_config(ROOT / ".local" / "wordpress" / "config.toml", environ={})
    mappings = load_mappings()
    rest = RestAdapter(HttpClient(config))
    categories = [rest.ensure_category_path(g.category).id for g in mappings.groups.values() if g.category]
    fill(rest, categories, posts)
    http = HttpClient(config)
    with tempfile.TemporaryDirectory() as tmp, Ledger(Path(tmp) / "l.sqlite3") as ledger:
        started = time.perf_counter()
        reports = harvest(RestAdapter(http), ledger, mappings, 2567, 1)
        seconds = time.perf_counter() - started
    counted = sum(r.total() for r in reports)
    assert counted == posts, (counted, posts)
    return http.requests_sent, len(categories), seconds


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    lines = ["| posts on the site | groups with a category | requests | ⌈posts / 100⌉ + setup | time |",
             "|---|---|---|---|---|"]
    for posts in sizes:
        requests, groups, seconds = measure(posts)
        pages = -(-posts // 100)
        lines.append(f"| {posts} | {groups} | {requests} | {pages} + 5 = {pages + 5} | {seconds:.2f} s |")
        print(lines[-1], flush=True)
    write_section("HARVEST-COSTS", lines)


if __name__ == "__main__":
    main()
