"""Screenshots of the web dashboard as a user sees it, with headless Chromium's own CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# Root in a container needs --no-sandbox; the rest keeps a one-shot run quiet and offline.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-background-networking", "--disable-component-update")  # fmt: skip
WINDOW = "1280,1100"


class ScreenshotError(RuntimeError):
    """No picture: Chromium is missing, failed or wrote nothing; the message says which."""


def screenshot(chromium: str, url: str, target: Path, timeout: float = 30.0) -> None:
    """Load `url` in a fresh headless Chromium and save the window as PNG at `target`."""
    executable = shutil.which(chromium)
    if executable is None:
        raise ScreenshotError(f"no Chromium at '{chromium}' (install it or set CHAOSLAB_CHROMIUM)")
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
