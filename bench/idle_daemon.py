#!/usr/bin/env python3
"""An idle daemon's cost: CPU time and memory of `cms-bridge daemon` over a few minutes with the
examples already published (nothing due), read from /proc. Writes docs/benchmarks.md
(IDLE-DAEMON markers).

    .venv/bin/python bench/idle_daemon.py [SECONDS]      (default 300)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, write_section


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    config = ROOT / ".local" / "demo" / "cms-bridge.toml"
    subprocess.run(["bash", str(ROOT / "scripts" / "demo")], check=True, capture_output=True)  # examples published
    daemon = subprocess.Popen([str(ROOT / ".venv" / "bin" / "cms-bridge"), "--config", str(config), "daemon"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(10)  # let the first (catch-up) pass finish before measuring
    cpu0, rss = cpu_seconds(daemon.pid), [rss_mib(daemon.pid)]
    for _ in range(seconds // 10):
        time.sleep(10)
        rss.append(rss_mib(daemon.pid))
    cpu = cpu_seconds(daemon.pid) - cpu0
    daemon.send_signal(signal.SIGTERM)
    code = daemon.wait(timeout=60)
    line = (f"| {seconds} s | {cpu:.2f} s ({100 * cpu / seconds:.2f} % of one core) | {min(rss):.0f}–{max(rss):.0f} MiB "
            f"| exit {code} on SIGTERM |")
    write_section("IDLE-DAEMON", ["| watched | CPU time | resident memory | stop |", "|---|---|---|---|", line])
    print(line)


if __name__ == "__main__":
    main()
