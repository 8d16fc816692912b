"""Runs a cms-bridge command and kills itself with SIGKILL at the Nth HTTP request.

Used by the crash tests: `python -m tests.integration.crash_driver N before|after ARGS...` runs
`cms-bridge ARGS...`. With
"after", the request reaches WordPress and its answer arrives before the kill (the worst case:
the site changed, the ledger does not know); with "before", it is never sent. A kill -9 leaves
no chance to clean up, exactly like a power cut.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from cms_bridge.cli import main
from cms_bridge.wordpress.http import HttpClient


def arm(limit: int, mode: str) -> None:
    original = HttpClient._send_once
    count = 0
    lock = threading.Lock()  # uploads run on several threads

    def send(self: HttpClient, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal count
        with lock:
            count += 1
            mine = count
        if mine == limit and mode == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        response = original(self, *args, **kwargs)
        if mine == limit:
            os.kill(os.getpid(), signal.SIGKILL)
        return response

    HttpClient._send_once = send  # type: ignore[method-assign]


if __name__ == "__main__":
    limit, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    arm(limit, mode)
    sys.exit(main(args))
