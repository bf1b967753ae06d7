"""A loopback stand-in for Grafana (no Grafana runs where the tests run): the annotation API, the
render API with and without an image renderer, and a dashboard page shaped like Grafana's.

What it copies from Grafana's behaviour (7.5.5 and current source read; the lab's 7.5.5 seen):
- without a renderer, /render answers 200 image/png with the same small "plugin not installed"
  picture whatever was asked, and /api/frontend/settings says `rendererAvailable: false`;
- the dashboard page lays panels out as `.react-grid-item`s inside an inner element that scrolls
  (the page itself does not), shows a loading indicator per panel until its query answers, and
  draws each graph on a canvas after that; a panel below the window starts loading only when a
  scroll brings it into view (7.5 decides on scroll events, not when the window grows).
"""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageDraw

USER, PASSWORD = "admin", "test-only-password"
# The panel colour the fake dashboard draws its graphs in, to find them in a capture.
LINE = (115, 191, 105)
PANEL_HEIGHT = 320  # from the top of one panel to the next (10 px margins)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _placeholder() -> bytes:
    """A stand-in for Grafana's placeholder: a small grey card with a line of text."""
    image = Image.new("RGB", (478, 208), (22, 23, 25))
    ImageDraw.Draw(image).text((40, 95), "No image renderer available/installed", fill="white")
    return _png(image)


PLACEHOLDER = _placeholder()


def rendered(width: int, height: int = 900) -> bytes:
    """What an image renderer sends back: the dashboard at the asked width, with a graph on it."""
    image = Image.new("RGB", (width, height), (17, 18, 23))
    draw = ImageDraw.Draw(image)
    for top in range(20, height - 200, 300):
        draw.rectangle((10, top, width - 10, top + 280), fill=(24, 27, 31))
        draw.line([(20 + x * 10, top + 140 + (x % 7) * 12) for x in range((width - 40) // 10)],
                  fill=LINE, width=3)  # fmt: skip
    return _png(image)


def dashboard_page(panels: int, draw_after_ms: int, blank: bool = False) -> bytes:
    """Grafana-shaped dashboard: an inner scroller with `panels` graphs that each load for
    `draw_after_ms` once visible, then draw; `blank`: everything black on black, as the
    captures that came out all black."""
    items = "".join(
        f'<div class="react-grid-item" style="height:{PANEL_HEIGHT - 10}px">'
        f'<div class="panel-title-text">panel {i + 1}</div><div class="panel-loading">…</div>'
        f'<div class="panel-content"></div></div>'
        for i in range(panels)
    )
    stroke = "0, 0, 0" if blank else f"{LINE[0]}, {LINE[1]}, {LINE[2]}"
    # As Grafana 7.5 decides which panels are in view: on the scroller's scroll events (and at
    # start), from its scroll position and the window's height; not when the window grows.
    script = f"""
const scroller = document.querySelector('.scrollbar-view');
function draw(item) {{
  item.querySelector('.panel-loading').remove();
  const canvas = document.createElement('canvas');
  canvas.width = 1500; canvas.height = 240;
  item.querySelector('.panel-content').appendChild(canvas);
  const g = canvas.getContext('2d');
  g.strokeStyle = 'rgb({stroke})'; g.lineWidth = 4; g.beginPath();
  for (let x = 0; x < 1500; x += 20) g.lineTo(x, 120 + 80 * Math.sin(x / 90));
  g.stroke();
}}
function look() {{
  const bottom = scroller.scrollTop + window.innerHeight;
  document.querySelectorAll('.react-grid-item').forEach(item => {{
    if (item.dataset.started || item.offsetTop > bottom) return;
    item.dataset.started = 1;
    setTimeout(() => draw(item), {draw_after_ms});
  }});
}}
scroller.addEventListener('scroll', look);
look();"""
    style = "color:#000" if blank else "background:#181b1f;border:1px solid #333;color:#ccc"
    return f"""<!doctype html><html><head><title>stockwatch</title><style>
html, body {{ margin: 0; height: 100%; overflow: hidden; background: #000 }}
.scrollbar-view {{ height: 100%; overflow: auto }}
.react-grid-item {{ margin: 10px; {style} }}
</style></head><body><div class="scrollbar-view">{items}</div>
<script>{script}</script></body></html>""".encode()


@dataclass
class FakeGrafana:
    """What the fake received, and how it behaves."""

    renderer: bool = False  # what /api/frontend/settings says
    renders: bool | None = None  # whether /render draws (None: as `renderer` says)
    panels: int = 3
    draw_after_ms: int = 300
    blank: bool = False
    annotations: dict[int, dict] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    base_url: str = ""
    next_id: int = 1


class _Handler(BaseHTTPRequestHandler):
    grafana: FakeGrafana

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, document: object, status: int = 200) -> None:
        self._send(status, json.dumps(document).encode())

    def _authorised(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return self.headers.get("Authorization") == expected

    def _handle(self) -> None:
        grafana, url = self.grafana, urlsplit(self.path)
        grafana.requests.append((self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        path, query = url.path.removeprefix("/grafana"), parse_qs(url.query)
        if path.startswith("/d/"):  # anonymous viewers may look (as in the cluster)
            page = dashboard_page(grafana.panels, grafana.draw_after_ms, grafana.blank)
            self._send(200, page, "text/html; charset=utf-8")
        elif not self._authorised():
            self._json({"message": "Unauthorized"}, 401)
        elif path == "/api/frontend/settings":
            self._json({"rendererAvailable": grafana.renderer, "appSubUrl": "/grafana"})
        elif path == "/api/annotations" and self.command == "POST":
            annotation_id, grafana.next_id = grafana.next_id, grafana.next_id + 1
            grafana.annotations[annotation_id] = body
            self._json({"id": annotation_id, "message": "Annotation added"})
        elif path == "/api/annotations" and self.command == "GET":
            tags = set(query.get("tags", []))
            self._json([{"id": i, **a} for i, a in grafana.annotations.items()
                        if tags & set(a.get("tags", []))])  # fmt: skip
        elif path.startswith("/api/annotations/") and self.command in ("PATCH", "DELETE"):
            annotation_id = int(path.rsplit("/", 1)[1])
            if annotation_id not in grafana.annotations:
                self._json({"message": "Could not find annotation to update"}, 404)
            elif self.command == "PATCH":
                grafana.annotations[annotation_id].update(body)
                self._json({"message": "Annotation patched"})
            else:
                del grafana.annotations[annotation_id]
                self._json({"message": "Annotation deleted"})
        elif path.startswith("/render/d/"):
            width = int(query.get("width", ["800"])[0])
            renders = grafana.renderer if grafana.renders is None else grafana.renders
            self._send(200, rendered(width) if renders else PLACEHOLDER, "image/png")
        else:
            self._json({"message": "Not found"}, 404)

    do_GET = do_POST = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the requests list says what happened."""


@contextmanager
def fake_grafana(renderer: bool = False, **behaviour: object) -> Iterator[FakeGrafana]:
    """The fake under /grafana on a free loopback port, as behind the Gateway."""
    grafana = FakeGrafana(renderer=renderer, **behaviour)
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
