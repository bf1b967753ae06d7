"""Screenshots with headless Chromium: the web dashboard through Chromium's own CLI (a window
of the page as it loads), and pages that draw late inside a scrolled element (Grafana) through
Playwright, waiting until they have drawn; such a capture that is blank or cut is an error."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

# Root in a container needs --no-sandbox; the rest keeps a one-shot run quiet and offline.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-background-networking", "--disable-component-update")  # fmt: skip
WINDOW = "1280,1100"
# A picture whose pixels all lie within this distance (0-255 per channel) of its most common
# colour, but for this share of them, shows nothing: an all-black capture taken before the page
# drew, a white page, a dashboard with empty panels only.
BLANK_TOLERANCE, BLANK_INK_SHARE = 24, 0.005

# The elements that scroll their content: visible ones only, since resize detectors (Grafana 7.5
# has many) hide oversized scrolled boxes of their own.
_SCROLLERS_JS = """[...document.querySelectorAll('body *')].filter(el => {
    const overflow = getComputedStyle(el).overflowY;
    return (overflow === 'auto' || overflow === 'scroll') && el.clientHeight > 0
      && el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  })"""
# The height of a page's content, also when it scrolls an inner element rather than the page
# (Grafana does): the bottom of every scrolled element's whole content, or the page's own height.
CONTENT_HEIGHT_JS = f"""() => {{
  let bottom = document.documentElement.scrollHeight;
  for (const el of {_SCROLLERS_JS}) {{
    bottom = Math.max(bottom, el.getBoundingClientRect().top + window.scrollY + el.scrollHeight);
  }}
  return Math.ceil(bottom);
}}"""
# Before the window grows: scroll every scrolled element through its content and back, so a page
# that loads what comes into view on scroll (Grafana 7.5's panels: lazily, and only when its
# scroll position changes) has met every part of itself once.
SCROLL_THROUGH_JS = f"""async () => {{
  const frame = () => new Promise(resolve => setTimeout(resolve, 50));
  for (const el of {_SCROLLERS_JS}) {{
    const top = el.scrollTop;
    for (let y = 0; y < el.scrollHeight; y += Math.max(100, el.clientHeight / 2)) {{
      el.scrollTop = y;
      el.dispatchEvent(new Event('scroll'));
      await frame();
    }}
    el.scrollTop = top;
    el.dispatchEvent(new Event('scroll'));
  }}
}}"""


class ScreenshotError(RuntimeError):
    """No picture: Chromium is missing or failed, the page never drew, or the capture is blank or
    cut; the message says which."""


def _executable(chromium: str) -> str:
    executable = shutil.which(chromium)
    if executable is None:
        raise ScreenshotError(f"no Chromium at '{chromium}' (install it or set CHAOSLAB_CHROMIUM)")
    return executable


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header; ScreenshotError for anything that is not a PNG."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 24:
        raise ScreenshotError("the picture is not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def blank_reason(data: bytes) -> str | None:
    """Why a PNG shows nothing (nearly every pixel one colour), or None when it shows something."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels = image.convert("RGB")
    except (OSError, ValueError) as error:  # Pillow's errors for truncated or foreign data
        return f"the picture cannot be read ({error})"
    pixels.thumbnail((400, 400), Image.Resampling.NEAREST)  # every pixel counted would be slow
    colours = pixels.getcolors(maxcolors=pixels.width * pixels.height) or []
    _, dominant = max(colours)
    ink = sum(n for n, c in colours if max(abs(a - b) for a, b in zip(c, dominant, strict=True))
              > BLANK_TOLERANCE)  # fmt: skip
    share = ink / (pixels.width * pixels.height)
    if share >= BLANK_INK_SHARE:
        return None
    return (f"the capture is blank: {1 - share:.1%} of its pixels are the one colour "
            f"rgb{dominant}")  # fmt: skip


def _check_picture(target: Path, what: str) -> None:
    reason = blank_reason(target.read_bytes())
    if reason:
        target.unlink()
        raise ScreenshotError(f"{what}: {reason}")


def screenshot(chromium: str, url: str, target: Path, timeout: float = 30.0) -> None:
    """Load `url` in a fresh headless Chromium and save the window as PNG at `target`."""
    executable = _executable(chromium)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    argv = [executable, *FLAGS, f"--window-size={WINDOW}", f"--screenshot={target}", url]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ScreenshotError(f"Chromium did not finish {url} within {timeout:.0f}s") from None
    if not target.is_file() or target.stat().st_size == 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ScreenshotError(f"Chromium wrote no screenshot of {url} (exit {done.returncode}: "
                              f"{tail[0]})")  # fmt: skip


@dataclass(frozen=True)
class DrawnState:
    """What a page's own probe says: parts still drawing, parts drawn empty, parts drawn."""

    pending: tuple[str, ...]
    empty: tuple[str, ...]
    drawn: int


@dataclass(frozen=True)
class Capture:
    """A saved capture: its size, how long the page took to draw, what it drew empty."""

    width: int
    height: int
    waited: float
    state: DrawnState


def _state(page: object, probe_js: str) -> DrawnState:
    raw = page.evaluate(probe_js)
    return DrawnState(tuple(raw["pending"]), tuple(raw["empty"]), int(raw["drawn"]))


def capture_page(
    chromium: str,
    url: str,
    target: Path,
    probe_js: str,
    width: int = 1600,
    deadline: float = 90.0,
    max_height: int = 12000,
    credentials: tuple[str, str] | None = None,
) -> Capture:
    """Open `url`, size the window to the page's whole content and wait, up to `deadline` seconds,
    until `probe_js` (a JS function returning {pending, empty, drawn}) reports nothing pending
    twice in a row at an unchanged height; then save the window as PNG at `target`.

    Not "networkidle": a dashboard's panels draw after their queries answer and after they
    scroll into view, and the network may fall quiet before that (or never, with live refresh).
    """
    from playwright.sync_api import Error, sync_playwright  # only this path needs Playwright

    executable = _executable(chromium)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    login = {"username": credentials[0], "password": credentials[1]} if credentials else None
    started = time.monotonic()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable)
            try:
                page = browser.new_page(viewport={"width": width, "height": 1000},
                                        http_credentials=login)  # fmt: skip
                page.goto(url, wait_until="load", timeout=deadline * 1000)
                state, height, settled = _state(page, probe_js), 1000, 0
                while settled < 2:
                    content = int(page.evaluate(CONTENT_HEIGHT_JS))
                    if content > max_height:
                        raise ScreenshotError(
                            f"{url} is {content} px tall, more than {max_height} px: the capture "
                            f"would be cut")  # fmt: skip
                    if content != height:  # panels below the fold draw once they are in view
                        height, settled = content, 0
                        page.evaluate(SCROLL_THROUGH_JS)
                        page.set_viewport_size({"width": width, "height": height})
                    state = _state(page, probe_js)
                    settled = 0 if state.pending else settled + 1
                    if settled < 2 and time.monotonic() - started > deadline:
                        waiting = ", ".join(state.pending[:6]) or "the height to settle"
                        raise ScreenshotError(
                            f"{url} had not drawn after {deadline:.0f}s: still waiting for "
                            f"{waiting}"
                        )
                    if settled < 2:
                        page.wait_for_timeout(500)
                page.screenshot(path=str(target))
            finally:
                browser.close()
    except Error as error:
        raise ScreenshotError(f"browser capture of {url} failed: {error}") from error
    size = png_size(target.read_bytes())
    if size[1] < height:
        raise ScreenshotError(f"{url}: the capture is {size[1]} px tall, the page {height} px: cut")
    _check_picture(target, url)
    return Capture(size[0], size[1], time.monotonic() - started, state)
