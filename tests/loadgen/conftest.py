"""Fixtures of the load generator tests: a real, deliberately slow HTTP server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prometheus_client import CollectorRegistry

from loadgen.metrics import LoadgenMetrics


@dataclass
class SlowServer:
    """An HTTP server on 127.0.0.1 that answers every GET after `delay` seconds with `status`."""

    delay: float
    status: int = 200
    arrivals: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def arrival_count(self) -> int:
        with self.lock:
            return len(self.arrivals)


def _handler(server: SlowServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with server.lock:
                server.arrivals.append(time.monotonic())
            time.sleep(server.delay)  # the slowness under test, not a wait for an event
            body = b'{"ok": true}'
            self.send_response(server.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Bursts of concurrent connections must not overflow the listen backlog (default 5) and
    # wait for a SYN retry: that would add the server's delay to the arrival times under test.
    request_queue_size = 128


@pytest.fixture
def slow_server_factory() -> Iterator:
    """Start SlowServers on free loopback ports; all are shut down after the test."""
    started: list[_Server] = []

    def start(delay: float, status: int = 200) -> SlowServer:
        server = SlowServer(delay=delay, status=status)
        httpd = _Server(("127.0.0.1", 0), _handler(server))
        server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return server

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def metrics() -> LoadgenMetrics:
    """Load generator metrics on a registry of their own."""
    return LoadgenMetrics(CollectorRegistry(), ["backend", "webui"])
