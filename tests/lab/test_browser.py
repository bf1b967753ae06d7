"""Web dashboard screenshots: a real headless Chromium on a loopback page, and what happens
without Chromium or without a configured URL."""

from __future__ import annotations

import shutil
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from chaoslab.browser import ScreenshotError, screenshot
from chaoslab.results import ExperimentResult
from chaoslab.runner import LabRunner

from tests.lab.builders import SPEC
from tests.lab.synthetic import pod_kill

CHROMIUM = "chromium"  # Debian's package, as CHAOSLAB_CHROMIUM defaults to
PAGE = b"<!doctype html><title>stockwatch</title><h1>Watchlist</h1><p>AAPL 123.45</p>"


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), data[:16]
    return struct.unpack(">II", data[16:24])  # the IHDR chunk: width, height


def test_a_real_headless_chromium_saves_the_page_at_the_window_size(page_url, tmp_path):
    if shutil.which(CHROMIUM) is None:
        pytest.fail("no Chromium: apt-get install chromium (or set CHAOSLAB_CHROMIUM)")
    target = tmp_path / "shots" / "webui-during.png"
    screenshot(CHROMIUM, page_url, target)
    assert png_size(target.read_bytes()) == (1280, 1100)


def test_a_missing_chromium_is_named_with_the_knob_to_set(tmp_path):
    with pytest.raises(ScreenshotError, match="CHAOSLAB_CHROMIUM"):
        screenshot("no-such-chromium", "http://127.0.0.1:30080/", tmp_path / "webui.png")


def test_a_missing_chromium_becomes_a_note_in_the_report_not_an_error(tmp_path):
    runner = LabRunner(SPEC, None, None, chromium="no-such-chromium",
                       webui_url="http://127.0.0.1:30080/")  # fmt: skip
    result = ExperimentResult(pod_kill().experiment)
    runner.capture_webui(result, tmp_path, "during")
    assert result.webui_screenshots == []
    assert result.notes == [
        "No web dashboard screenshot during the fault: no Chromium at 'no-such-chromium' "
        "(install it or set CHAOSLAB_CHROMIUM)."
    ]


def test_without_a_webui_url_nothing_is_captured(tmp_path):
    runner = LabRunner(SPEC, None, None, chromium="no-such-chromium")
    result = ExperimentResult(pod_kill().experiment)
    runner.capture_webui(result, tmp_path, "after")
    assert (result.webui_screenshots, result.notes) == ([], [])
