#!/usr/bin/env python3
"""An idle daemon pass at scale: N approved, published requests with one small PDF each, on the
in-memory site (client work only), measured in a fresh process as a restarted daemon would run
it. Writes docs/benchmarks.md (IDLE-PASS markers).

    .venv/bin/python bench/idle_pass.py [N ...]      (default N = 1000 5000 10000)

For each N: make the inbox, publish it (one pass), run one more pass (which plans every request
in full once and keeps them as settled), save the fake site; then a new process loads the site,
opens the ledger and runs one daemon pass, counting its client CPU time, its resident memory
(peak, and before the pass: imports and the fake site's own data), SQL statements and writes,
requests to the site, and requests planned.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from common import ROOT, write_section  # also puts the project on sys.path

from cms_bridge.bridge import Bridge
from cms_bridge.config import Config, load_config
from cms_bridge.daemon import Daemon
from cms_bridge.samples import request_toml, text_pdf
from cms_bridge.thaidate import OFFICE_TZ
from cms_bridge.wordpress.fake import FakeCms

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=OFFICE_TZ)
WRITES = ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


class Clock:
    """The fixed time of the run (picklable, for the fake site)."""

    def __call__(self) -> datetime:
        return NOW


def config_for(folder: Path) -> Config:
    path = folder / "cms-bridge.toml"
    if not path.exists():
        path.write_text('[site]\nurl = "https://www.example-office.go.th"\nusername = "bridge"\n', encoding="utf-8")
    config = load_config(path, environ={"CMS_BRIDGE_SITE_APP_PASSWORD": "abcd EFGH 1234 ijkl MNOP 5678"})
    return config.model_copy(update={
        "intake": config.intake.model_copy(update={"inbox": folder / "inbox"}),
        "sync": config.sync.model_copy(update={"ledger": folder / "ledger.sqlite3", "upload_workers": 1})})


def prepare(folder: Path, n: int) -> None:
    for i in range(n):
        sub = folder / "inbox" / f"b-{i:05d}"
        sub.mkdir(parents=True)
        (sub / "doc.pdf").write_bytes(text_pdf([f"Bench document {i}"]))
        (sub / "request.toml").write_text(request_toml(
            f"bench-{i:05d}", title=f"ประกาศทดสอบประสิทธิภาพ {i}", group="finance", kind="procurement"),
            encoding="utf-8")
    site = FakeCms(clock=Clock())
    with Bridge(config_for(folder), cms=site, clock=Clock()) as bridge:
        published = bridge.daemon_pass(NOW)
        assert not published.failed and len(published.actions) == n, published.failed[:3]
        assert bridge.daemon_pass(NOW).actions == []  # planned in full once more, kept as settled
    with (folder / "site.pickle").open("wb") as out:
        pickle.dump(site, out)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(folder: Path) -> dict[str, object]:
    """One daemon pass in this (fresh) process."""
    with (folder / "site.pickle").open("rb") as source:
        site: FakeCms = pickle.load(source)
    before_requests = site.requests_sent
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) counts from here
    baseline = _status_kib("VmRSS")
    cpu = time.process_time()
    bridge = Bridge(config_for(folder), cms=site, clock=Clock())
    statements: list[str] = []
    bridge.ledger.connection.set_trace_callback(statements.append)
    daemon = Daemon(bridge, interval_minutes=60, heartbeat=None, clock=Clock())
    daemon.run_pass()
    cpu = time.process_time() - cpu
    bridge.close()
    return {"cpu": cpu, "peak_mib": _status_kib("VmHWM") / 1024, "baseline_mib": baseline / 1024,
            "sql": len(statements), "writes": sum(s.lstrip().upper().startswith(WRITES) for s in statements),
            "site_requests": site.requests_sent - before_requests,
            "failures": daemon.failures}


def render(results: list[dict[str, object]]) -> list[str]:
    lines = ["| N published | client CPU | resident memory (peak; before the pass) | SQL statements | writes | "
             "requests to the site |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['n']:,} | {r['cpu']:.2f} s | {r['peak_mib']:.0f} MiB; {r['baseline_mib']:.0f} MiB "
                     f"| {r['sql']} | {r['writes']} | {r['site_requests']} |")
    return lines


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(Path(sys.argv[2]))))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 5000, 10000]
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="cms-bridge-idle-") as tmp:
            prepare(Path(tmp), n)
            out = subprocess.run([sys.executable, __file__, "--measure", tmp], check=True, capture_output=True,
                                 text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
            result = {"n": n, **json.loads(out.strip().splitlines()[-1])}
            assert result["failures"] == 0, result
            results.append(result)
            print(result, flush=True)
    lines = render(results)
    write_section("IDLE-PASS", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
