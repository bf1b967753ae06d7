"""Headless Chromium (Debian's, driven by Playwright): the dashboard renders, refreshes itself
and degrades honestly when the backend goes away. Screenshots land in artifacts/webui/."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.servers import REPO
from tests.webui.conftest import Stack, delayed_stack, real_stack

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts" / "webui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set CHROMIUM")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")  # fresh user-data dir, no state
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield context
        context.close()


@pytest.fixture
def own_stack(tmp_path, collected_static) -> Iterator[Stack]:
    """A stack of its own, for the test that stops its backend; one worker each starts faster."""
    with real_stack(tmp_path, collected_static, workers=1, REFRESH_SECONDS="1") as servers:
        yield servers


@pytest.fixture
def script_errors() -> Iterator[list]:
    """JavaScript errors of every page opened with `_open`; none are allowed."""
    errors: list = []
    yield errors
    assert errors == []


def _open(chromium, url: str, errors: list, *, width=1280, height=800, scheme="light") -> Page:
    page = chromium.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page


def test_the_dashboard_renders_refreshes_and_degrades_when_the_backend_stops(
    chromium, own_stack, script_errors
):
    backend, webui = own_stack
    page = _open(chromium, webui.base_url + "/", script_errors)
    rows = page.locator("table.watchlist tbody tr")
    expect(rows.first).to_be_visible()
    symbols = rows.count()
    assert symbols >= 1
    expect(page.locator("svg.spark polyline.spark-line")).to_have_count(symbols)
    assert page.locator("svg.spark").first.bounding_box()["width"] > 20

    # The script swaps in fresh server-rendered rows without reloading the page.
    page.evaluate("window.notReloaded = true")
    page.wait_for_function(
        "Number(document.getElementById('live').dataset.refreshes) >= 2", timeout=15_000
    )
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator(".status .pill-up")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)

    backend.stop()
    banner = page.locator(".banner-degraded")
    expect(banner).to_be_visible(timeout=15_000)
    expect(banner).to_contain_text("degraded — showing data from")
    expect(rows).to_have_count(symbols)  # the last good prices stay on screen
    expect(page.locator(".status .pill-unreachable")).to_be_visible()
    assert "Server Error" not in page.content() and "Traceback" not in page.content()
    page.screenshot(path=ARTIFACTS / "dashboard-degraded.png", full_page=True)
    page.close()


def test_a_slow_backend_gives_quick_degraded_pages_not_slow_ones(
    chromium, tmp_path, collected_static, script_errors
):
    with delayed_stack(
        tmp_path, collected_static, REFRESH_SECONDS="1", PAGE_BUDGET_SECONDS="1"
    ) as (proxy, webui):
        page = _open(chromium, webui.base_url + "/", script_errors)
        rows = page.locator("table.watchlist tbody tr")
        expect(rows.first).to_be_visible()
        symbols = rows.count()

        proxy.set_delay(3.0)  # every answer from the backend now arrives 3 s late
        # the live refresh swaps in the degraded state without waiting for the backend
        expect(page.locator(".banner-degraded")).to_be_visible(timeout=10_000)
        started = time.monotonic()
        page.reload()
        assert time.monotonic() - started < 2.0  # the 1 s budget and a margin, not 3 s
        expect(page.locator(".banner-degraded")).to_contain_text("degraded — showing data from")
        expect(rows).to_have_count(symbols)
        expect(page.locator("svg.spark polyline.spark-line")).to_have_count(symbols)
        assert "Server Error" not in page.content()
        page.screenshot(path=ARTIFACTS / "dashboard-slow-backend.png", full_page=True)

        proxy.set_delay(0)
        expect(page.locator(".banner-degraded")).to_have_count(0, timeout=10_000)  # recovers
        page.close()


def test_the_symbol_page_and_phone_and_dark_layouts_render(chromium, shared_stack, script_errors):
    _, webui = shared_stack
    page = _open(chromium, webui.base_url + "/symbol/NVDA?period=5d", script_errors)
    expect(page.locator("svg.chart path.chart-line")).to_be_visible()
    expect(page.locator('.periods a[aria-current="page"]')).to_have_text("5d")
    chart = page.locator("svg.chart").bounding_box()
    page.mouse.move(chart["x"] + chart["width"] * 0.5, chart["y"] + chart["height"] * 0.5)
    expect(page.locator(".hover-label")).to_contain_text("$")  # the hover read-out
    page.screenshot(path=ARTIFACTS / "symbol.png", full_page=True)
    page.close()

    phone = _open(
        chromium, webui.base_url + "/", script_errors, width=390, height=844, scheme="dark"
    )
    expect(phone.locator("table.watchlist")).to_be_visible()
    phone.screenshot(path=ARTIFACTS / "dashboard-phone-dark.png", full_page=True)
    # nothing sticks out sideways at phone width, not even inside the table's scroll box
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    scroll_width, client_width = phone.evaluate(
        "[...['scrollWidth', 'clientWidth'].map(k => document.querySelector('.table-wrap')[k])]"
    )
    assert scroll_width <= client_width
    expect(phone.locator("svg.spark").first).to_be_visible()
    phone.close()


def test_an_unknown_page_is_friendly_in_the_browser(chromium, shared_stack, script_errors):
    _, webui = shared_stack
    page = _open(chromium, webui.base_url + "/nothing/here", script_errors)
    expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the watchlist")).to_be_visible()
    page.close()
