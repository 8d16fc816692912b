#!/usr/bin/env python3
"""HTTP requests of a category migration that moves N posts, against the local WordPress.
Writes docs/benchmarks.md (MIGRATION-COSTS markers).

    .venv/bin/python bench/migration_costs.py [N ...]      (default 100 1000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from math import ceil
from pathlib import Path

from common import ROOT, reset_site, write_section  # also puts the project on sys.path

from cms_bridge.categories.engine import MigrationEngine
from cms_bridge.config import load_config
from cms_bridge.ledger.store import Ledger
from cms_bridge.categories.plan import load_plan
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient


def measure(n: int) -> tuple[int, float, int]:
    reset_site()
    config = load_config(ROOT / ".local" / "wordpress" / "config.toml", environ={})
    rest = RestAdapter(HttpClient(config))
    old = rest.ensure_category_path("เก่า").id
    rest.batch([("POST", "/wp/v2/posts", {"title": f"p{i}", "status": "publish", "categories": [old]}) for i in range(n)])
    with tempfile.TemporaryDirectory() as tmp:
        plan_file = Path(tmp) / "plan.toml"
        plan_file.write_text('name = "move"\n[[steps]]\naction = "create_tree"\npaths = ["ใหม่"]\n'
                             '[[steps]]\naction = "move_posts"\nmode = "replace"\nto = "ใหม่"\n'
                             '[steps.filter]\ncategory = "เก่า"\n', encoding="utf-8")
        plan, digest = load_plan(plan_file)
        http = HttpClient(config)
        cms = RestAdapter(http)
        limit = cms.site_info().batch_limit
        with Ledger(Path(tmp) / "l.sqlite3") as ledger:
            before, started = http.requests_sent, time.perf_counter()
            MigrationEngine(cms, ledger).apply(plan, digest)
            return http.requests_sent - before, time.perf_counter() - started, limit


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000]
    lines = ["| posts moved | requests | 1 listing + ceil(N/100) reads + 1 creation + ceil(N/limit) writes | time |",
             "|---|---|---|---|"]
    for n in sizes:
        requests, seconds, limit = measure(n)
        lines.append(f"| {n} | {requests} | 1 + {ceil(n / 100)} + 1 + {ceil(n / limit)} = {2 + ceil(n / 100) + ceil(n / limit)} "
                     f"| {seconds:.2f} s |")
        print(lines[-1], flush=True)
    write_section("MIGRATION-COSTS", lines)


if __name__ == "__main__":
    main()
