"""A fault-injecting HTTP proxy on loopback, in front of the local WordPress.

Each request is forwarded unless the (seeded, so repeatable) dice say otherwise; then it gets one
of the failures a small shared server and a flaky network produce: a burst of 503s, a 429 with
Retry-After, a reset connection, an answer slower than the client's timeout, a truncated body,
or an HTML error page. The proxy rewrites the site's own address in response headers (the REST
`Link` header) so clients keep talking through it.
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("503_burst", "429", "reset", "slow", "truncated", "html_page")


class FaultProxy:
    """Start with :meth:`start`; ``url`` is where clients connect.

    Args:
        upstream: the real site, e.g. ``http://127.0.0.1:28080``.
        fault_rate: the share of requests that fail (0..1).
        seed: for repeatable dice.
        slow_seconds: how long a "slow" answer is held (longer than the client's timeout).
    """

    def __init__(self, upstream: str, *, fault_rate: float, seed: int = 7, slow_seconds: float = 1.5) -> None:
        self.upstream = urlsplit(upstream)
        self.fault_rate = fault_rate
        self.random = random.Random(seed)
        self.slow_seconds = slow_seconds
        self.injected: Counter[str] = Counter()
        self.forwarded = 0
        self._burst = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _dice(self) -> str | None:
        with self._lock:
            if self._burst:
                self._burst -= 1
                self.injected["503_burst"] += 1
                return "503_burst"
            if self.random.random() >= self.fault_rate:
                self.forwarded += 1
                return None
            fault = self.random.choice(FAULTS)
            if fault == "503_burst":
                self._burst = self.random.randint(1, 3)
            self.injected[fault] += 1
            return fault

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy._dice()
                if fault in ("503_burst", "429", "html_page"):
                    status, text, extra = {
                        "503_burst": (503, "<html><body>Service Unavailable</body></html>", {}),
                        "429": (429, '{"code":"too_many_requests","message":"slow down"}', {"Retry-After": "0"}),
                        "html_page": (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", {}),
                    }[fault]
                    self._send(status, text.encode(), {"Content-Type": "text/html", **extra})
                    return
                if fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.connection.close()
                    return
                upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                headers["Host"] = proxy.upstream.netloc
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                out = {k: v.replace(proxy.upstream.netloc, urlsplit(proxy.url).netloc)
                       for k, v in response.getheaders() if k.lower() not in ("transfer-encoding", "connection", "content-length")}
                upstream.close()
                if fault == "slow":
                    time.sleep(proxy.slow_seconds)  # the fault itself: slower than the client waits
                if fault == "truncated":
                    out["Content-Length"] = str(len(data))
                    self.send_response(response.status)
                    for k, v in out.items():
                        self.send_header(k, v)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.close_connection = True
                    return
                self._send(response.status, data, out)

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _relay  # noqa: N815

        return Handler
