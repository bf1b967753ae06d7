"""A loopback stand-in for Grafana's HTTP API: annotations, the render API and a dashboard page."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

USER, PASSWORD = "admin", "test-only-password"
# The smallest valid PNG (1x1, transparent), what a renderer would send back.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
DASHBOARD_PAGE = b"""<!doctype html><html><head><title>stockwatch</title></head>
<body style="background:#111;color:#eee;font:24px sans-serif"><h1>stockwatch dashboard</h1>
<p id="range"></p><script>document.getElementById('range').textContent = location.search</script>
</body></html>"""


@dataclass
class FakeGrafana:
    """What the fake received, and whether it has an image renderer."""

    renderer: bool = False
    annotations: dict[int, dict] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    base_url: str = ""


class _Handler(BaseHTTPRequestHandler):
    grafana: FakeGrafana

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return self.headers.get("Authorization") == expected

    def _handle(self) -> None:
        url = urlsplit(self.path)
        self.grafana.requests.append((self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        path = url.path.removeprefix("/grafana")
        if path.startswith("/d/"):  # anonymous viewers may look (as in the cluster)
            self._send(200, DASHBOARD_PAGE, "text/html; charset=utf-8")
        elif not self._authorised():
            self._send(401, b'{"message":"Unauthorized"}')
        elif path == "/api/annotations" and self.command == "POST":
            annotation_id = len(self.grafana.annotations) + 1
            self.grafana.annotations[annotation_id] = body
            self._send(
                200, json.dumps({"id": annotation_id, "message": "Annotation added"}).encode()
            )
        elif path.startswith("/api/annotations/") and self.command == "PATCH":
            self.grafana.annotations[int(path.rsplit("/", 1)[1])].update(body)
            self._send(200, b'{"message":"Annotation patched"}')
        elif path.startswith("/render/d/"):
            if self.grafana.renderer and "from" in parse_qs(url.query):
                self._send(200, PNG, "image/png")
            else:
                self._send(500, b'{"message":"No image renderer available/installed"}')
        else:
            self._send(404, b'{"message":"Not found"}')

    do_GET = do_POST = do_PATCH = _handle

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the requests list says what happened."""


@contextmanager
def fake_grafana(renderer: bool = False) -> Iterator[FakeGrafana]:
    """The fake under /grafana on a free loopback port, as behind the Ingress."""
    grafana = FakeGrafana(renderer=renderer)
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), type("Handler", (_Handler,), {"grafana": grafana})
    )
    grafana.base_url = f"http://127.0.0.1:{server.server_address[1]}/grafana"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield grafana
    finally:
        server.shutdown()
        server.server_close()
