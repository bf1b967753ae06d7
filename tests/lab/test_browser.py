"""Screenshots with a real headless Chromium on loopback pages: the web dashboard through the CLI
(and what happens without Chromium or without a configured URL), and pages shaped like Grafana's
dashboard through Playwright: late panels are waited for, a tall inner-scrolled page is captured
whole, a blank or never-drawn page is an error, not a picture."""

from __future__ import annotations

import shutil
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from chaoslab.browser import ScreenshotError, blank_reason, capture_page, screenshot
from chaoslab.grafana import PANELS_DRAWN_JS
from chaoslab.results import ExperimentResult
from chaoslab.runner import LabRunner
from PIL import Image

from tests.lab.builders import SPEC
from tests.lab.fake_grafana import LINE, PANEL_HEIGHT, fake_grafana
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


def needs_chromium() -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail("no Chromium: apt-get install chromium (or set CHAOSLAB_CHROMIUM)")


def test_a_real_headless_chromium_saves_the_page_at_the_window_size(page_url, tmp_path):
    needs_chromium()
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


def panels_with_ink(path) -> list[int]:
    """Which panel slots (from the top, PANEL_HEIGHT apart) of a capture show a drawn graph."""
    image = Image.open(path).convert("RGB")
    slots = range(image.height // PANEL_HEIGHT)
    return [
        slot
        for slot in slots
        if LINE in {c for _, c in image.crop((0, slot * PANEL_HEIGHT, image.width,
                                                 (slot + 1) * PANEL_HEIGHT)).getcolors(1 << 20)}
    ]  # fmt: skip


def capture_fake_dashboard(target, deadline: float = 30.0, **behaviour):
    with fake_grafana(**behaviour) as grafana:
        return capture_page(CHROMIUM, f"{grafana.base_url}/d/stockwatch", target,
                            PANELS_DRAWN_JS, deadline=deadline)  # fmt: skip


def test_a_page_that_draws_late_is_captured_once_every_panel_has_drawn(tmp_path):
    needs_chromium()
    target = tmp_path / "late.png"
    capture = capture_fake_dashboard(target, panels=2, draw_after_ms=3000)
    assert capture.waited >= 3 and capture.state.drawn == 2 and not capture.state.pending
    assert panels_with_ink(target) == [0, 1]


def test_a_tall_page_that_scrolls_an_inner_element_is_captured_to_its_bottom(tmp_path):
    needs_chromium()
    target = tmp_path / "tall.png"
    capture = capture_fake_dashboard(target, panels=9, draw_after_ms=200)  # ~2900 px of panels
    assert png_size(target.read_bytes()) == (1600, capture.height)
    assert capture.height >= 9 * PANEL_HEIGHT
    assert panels_with_ink(target) == list(range(9))


def test_a_blank_capture_is_an_error_not_a_picture(tmp_path):
    needs_chromium()
    target = tmp_path / "blank.png"
    with pytest.raises(ScreenshotError, match=r"blank: .* of its pixels are the one colour"):
        capture_fake_dashboard(target, panels=2, blank=True)
    assert not target.exists()


def test_a_page_that_never_draws_is_an_error_naming_what_is_still_loading(tmp_path):
    needs_chromium()
    with pytest.raises(ScreenshotError, match=r"had not drawn after 3s: .*panel 1 \(loading\)"):
        capture_fake_dashboard(tmp_path / "never.png", deadline=3, panels=2, draw_after_ms=60000)


def test_a_picture_that_cannot_be_read_is_a_reason_not_a_crash():
    assert blank_reason(b"\x89PNG\r\n\x1a\n truncated").startswith("the picture cannot be read")
