"""Pages with the backend faked at the HTTP boundary: normal, slow, 5xx, refused, malformed."""

from __future__ import annotations

import re
import time

import pytest
import requests
from dashboard.metrics import ENDPOINTS, ERROR_REASONS, PAGES, create_every_series
from django.test import Client
from responses import matchers

from tests.webui.conftest import BACKEND, WATCHLIST, break_backend, history_json, quote_json

DEGRADED = re.compile(r"degraded — showing data from \d\d:\d\d:\d\d")


@pytest.fixture
def browser() -> Client:
    # raise_request_exception=False: a crash must show up as the 500 page a user would see.
    return Client(raise_request_exception=False)


def test_the_watchlist_shows_every_symbol_in_a_table(browser, healthy_backend):
    page = browser.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<table" in html and '<th scope="col">Symbol</th>' in html
    for symbol in WATCHLIST:
        assert f'href="/symbol/{symbol}"' in html


def test_prices_are_formatted_in_their_currency(browser, backend):
    backend.get(
        f"{BACKEND}/api/v1/quotes",
        json={
            "quotes": [
                quote_json("AAPL", price=1234.5, previous_close=1200.0),
                quote_json("7203.T", price=2950.0, previous_close=3000.0, currency="JPY"),
            ]
        },
    )
    html = browser.get("/").content.decode()
    assert "$1,234.50" in html
    assert "¥2,950" in html


def test_changes_carry_an_arrow_and_a_word_not_only_colour(browser, backend):
    backend.get(
        f"{BACKEND}/api/v1/quotes",
        json={
            "quotes": [
                quote_json("AAPL", price=190.0, previous_close=180.0),
                quote_json("MSFT", price=170.0, previous_close=180.0),
            ]
        },
    )
    html = browser.get("/").content.decode()
    assert "▲" in html and "▼" in html
    assert '<span class="visually-hidden">up</span>' in html
    assert '<span class="visually-hidden">down</span>' in html
    assert "+$10.00" in html and "\u2212$10.00" in html


def test_each_row_has_a_sparkline_of_todays_prices(browser, healthy_backend):
    html = browser.get("/").content.decode()
    assert html.count('class="spark-line"') == len(WATCHLIST)
    assert re.search(r'<polyline class="spark-line" points="[\d., ]+"/>', html)


def test_the_source_badge_says_live_simulated_or_stale(browser, backend):
    backend.get(
        f"{BACKEND}/api/v1/quotes",
        json={
            "quotes": [
                quote_json("AAPL", source="yfinance"),
                quote_json("MSFT", source="simulated"),
                quote_json("GOOGL", source="yfinance", stale=True),
            ]
        },
    )
    html = browser.get("/").content.decode()
    for badge in ("live", "simulated", "stale"):
        assert f'<span class="badge badge-{badge}">{badge}</span>' in html


def test_an_empty_watchlist_says_so(browser, backend):
    backend.get(f"{BACKEND}/api/v1/quotes", json={"quotes": []})
    page = browser.get("/")
    assert page.status_code == 200
    assert "The watchlist is empty" in page.content.decode()


def test_the_symbol_page_title_carries_the_price(browser, healthy_backend):
    assert (
        "<title>AAPL $190.50 · stockwatch</title>" in browser.get("/symbol/AAPL").content.decode()
    )


def test_a_missing_sparkline_does_not_hide_the_row(browser, backend):
    backend.get(f"{BACKEND}/api/v1/quotes", json={"quotes": [quote_json("AAPL", sparkline=None)]})
    page = browser.get("/")
    assert page.status_code == 200
    assert "no chart" in page.content.decode()


def test_the_live_fragment_holds_the_table_and_status_but_not_the_page(browser, healthy_backend):
    page = browser.get("/live/watchlist")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="live"' in html and 'id="status"' in html
    assert "<html" not in html


def test_the_page_refreshes_itself_even_without_javascript(browser, healthy_backend, settings):
    settings.REFRESH_SECONDS = 7
    html = browser.get("/").content.decode()
    assert '<noscript><meta http-equiv="refresh" content="7"></noscript>' in html
    assert 'data-refresh-seconds="7"' in html


def test_pages_are_not_cached_by_browsers_or_proxies(browser, healthy_backend):
    assert "no-store" in browser.get("/")["Cache-Control"]


@pytest.mark.parametrize(
    "failure",
    [requests.ReadTimeout("slow"), requests.ConnectionError("refused"), 503, 500],
    ids=["slow", "refused", "unavailable", "internal-error"],
)
def test_a_failing_backend_after_good_data_gives_a_degraded_page(browser, healthy_backend, failure):
    browser.get("/")
    break_backend(healthy_backend, failure)
    page = browser.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert DEGRADED.search(html)
    assert html.count('class="spark-line"') == len(WATCHLIST)  # last-good sparklines too


def test_a_malformed_payload_after_good_data_gives_a_degraded_page(browser, healthy_backend):
    browser.get("/")
    healthy_backend.reset()
    healthy_backend.get(f"{BACKEND}/api/v1/quotes", json={"quotes": [{"symbol": 42}]})
    page = browser.get("/")
    assert page.status_code == 200
    assert DEGRADED.search(page.content.decode())


@pytest.mark.parametrize(
    "failure",
    [requests.ReadTimeout("slow"), requests.ConnectionError("refused"), 503, 500],
    ids=["slow", "refused", "unavailable", "internal-error"],
)
def test_a_failing_backend_without_data_gives_a_friendly_error_state(browser, backend, failure):
    break_backend(backend, failure)
    page = browser.get("/")
    html = page.content.decode()
    assert page.status_code == 503
    assert "Prices are unavailable right now" in html
    assert "Traceback" not in html and "<table" not in html


def test_malformed_json_without_data_gives_a_friendly_error_state(browser, backend):
    backend.get(f"{BACKEND}/api/v1/quotes", body="not json at all")
    page = browser.get("/")
    assert page.status_code == 503
    assert "Prices are unavailable right now" in page.content.decode()


def test_degraded_and_unavailable_pages_are_counted(browser, healthy_backend, metric):
    before = metric("stockwatch_webui_degraded_pages_total", page="watchlist")
    browser.get("/")
    break_backend(healthy_backend, 503)
    browser.get("/")
    assert metric("stockwatch_webui_degraded_pages_total", page="watchlist") == before + 1


def test_the_watchlist_is_one_backend_call_with_sparklines(browser, healthy_backend):
    browser.get("/")
    assert [call.request.url for call in healthy_backend.calls] == [
        f"{BACKEND}/api/v1/quotes?sparkline=1d"
    ]


def test_an_outage_costs_one_failed_call_and_its_retry(browser, healthy_backend):
    browser.get("/")
    break_backend(healthy_backend, requests.ConnectTimeout("down"))
    browser.get("/")
    assert len(healthy_backend.calls) == 2  # since break_backend: the quotes call and its retry


def test_a_backend_slower_than_the_read_timeout_still_gets_a_quick_page(
    browser, settings, slow_server
):
    settings.BACKEND_URL = slow_server
    settings.BACKEND_READ_TIMEOUT = 0.3
    started = time.monotonic()
    page = browser.get("/")
    assert page.status_code == 503
    assert time.monotonic() - started < 2


def _stall(mock, seconds: float = 3.0) -> None:
    """From now on the backend answers every call only after `seconds`."""

    def slow(_request):
        time.sleep(seconds)
        return 503, {}, "{}"

    mock.reset()
    for path in ("/api/v1/quotes", *(f"/api/v1/quotes/{s}" for s in WATCHLIST)):
        mock.add_callback("GET", BACKEND + path, callback=slow)
        mock.add_callback("GET", f"{BACKEND + path}/history", callback=slow)


@pytest.mark.parametrize("path", ["/", "/live/watchlist", "/symbol/AAPL"])
def test_a_slow_backend_gets_a_degraded_page_within_the_budget(
    browser, healthy_backend, settings, metric, path
):
    settings.PAGE_BUDGET_SECONDS = 0.3
    settings.HISTORY_CACHE_SECONDS = 0  # the symbol page asks for its history again too
    name = "symbol" if path.startswith("/symbol") else "watchlist"
    browser.get(path)
    overruns = metric("stockwatch_webui_page_budget_overruns_total", page=name)
    degraded = metric("stockwatch_webui_degraded_pages_total", page=name)
    _stall(healthy_backend)
    started = time.monotonic()
    page = browser.get(path)
    assert time.monotonic() - started < 1.5  # well before the backend's 3 s
    assert page.status_code == 200
    assert DEGRADED.search(page.content.decode())
    assert metric("stockwatch_webui_page_budget_overruns_total", page=name) == overruns + 1
    assert metric("stockwatch_webui_degraded_pages_total", page=name) == degraded + 1


def test_a_slow_backend_without_earlier_data_gets_the_unavailable_state_in_budget(
    browser, backend, settings
):
    settings.PAGE_BUDGET_SECONDS = 0.3
    _stall(backend)
    started = time.monotonic()
    page = browser.get("/")
    assert time.monotonic() - started < 1.5
    assert page.status_code == 503
    assert "Prices are unavailable right now" in page.content.decode()


def test_pages_over_the_concurrency_limit_are_served_from_last_good_data(
    browser, healthy_backend, settings, metric
):
    settings.PAGE_BUDGET_SECONDS = 0.2
    settings.BACKEND_MAX_IN_FLIGHT = 1
    browser.get("/")
    _stall(healthy_backend, seconds=2)
    browser.get("/")  # its call still holds the only slot after the page is gone
    shed = metric("stockwatch_webui_upstream_shed_total", endpoint="quotes")
    started = time.monotonic()
    page = browser.get("/")
    assert time.monotonic() - started < 0.15  # shed at once: no wait for a slot or the budget
    assert page.status_code == 200 and DEGRADED.search(page.content.decode())
    assert metric("stockwatch_webui_upstream_shed_total", endpoint="quotes") == shed + 1


def test_the_symbol_page_keeps_its_history_for_a_while(browser, healthy_backend, settings):
    settings.HISTORY_CACHE_SECONDS = 60
    for _ in range(3):
        assert browser.get("/symbol/AAPL").status_code == 200
    paths = [call.request.path_url for call in healthy_backend.calls]
    assert paths.count("/api/v1/quotes/AAPL") == 3
    assert paths.count("/api/v1/quotes/AAPL/history?period=1d&interval=5m") == 1


def test_every_webui_series_is_exported_before_anything_happens(browser):
    create_every_series()
    text = browser.get("/metrics").content.decode()
    for page in PAGES:
        assert f'stockwatch_webui_degraded_pages_total{{page="{page}"}}' in text
        assert f'stockwatch_webui_page_budget_overruns_total{{page="{page}"}}' in text
    for endpoint in ENDPOINTS:
        assert f'stockwatch_webui_upstream_shed_total{{endpoint="{endpoint}"}}' in text
        assert f'stockwatch_webui_upstream_request_seconds_count{{endpoint="{endpoint}"}}' in text
    for reason in ERROR_REASONS:
        assert f'stockwatch_webui_upstream_errors_total{{reason="{reason}"}}' in text


def test_the_status_strip_shows_backend_state_latency_age_and_links(browser, healthy_backend):
    html = browser.get("/").content.decode()
    assert "backend reachable" in html
    assert re.search(r"last call <strong>\d+ ms</strong>", html)
    assert re.search(r"data age <strong>\d+ s</strong>", html)
    assert 'href="https://grafana.example/"' in html
    assert 'href="https://prometheus.example/"' in html


def test_a_new_answer_shows_on_the_next_page_though_tables_and_rows_are_kept(browser, backend):
    backend.get(f"{BACKEND}/api/v1/quotes", json={"quotes": [quote_json("AAPL", price=190.5)]})
    assert "$190.50" in browser.get("/").content.decode()
    backend.replace(
        "GET", f"{BACKEND}/api/v1/quotes", json={"quotes": [quote_json("AAPL", price=191.25)]}
    )
    html = browser.get("/").content.decode()
    assert "$191.25" in html and "$190.50" not in html


def test_changed_monitoring_links_show_on_the_next_page(browser, healthy_backend, settings):
    browser.get("/")
    settings.GRAFANA_URL = "https://grafana.elsewhere.example/"
    assert 'href="https://grafana.elsewhere.example/"' in browser.get("/").content.decode()


def test_the_status_strip_says_when_the_backend_is_unreachable(browser, backend):
    break_backend(backend, requests.ConnectionError("refused"))
    assert "backend unreachable" in browser.get("/").content.decode()


def test_pages_have_a_title_and_a_favicon(browser, healthy_backend):
    html = browser.get("/").content.decode()
    assert "<title>Watchlist · stockwatch</title>" in html
    assert re.search(r'<link rel="icon" href="/static/dashboard/favicon\.\w+\.svg"', html)


# --- symbol page -------------------------------------------------------------------------------


def test_the_symbol_page_draws_a_chart_with_a_period_selector(browser, healthy_backend):
    page = browser.get("/symbol/AAPL")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<path class="chart-line" d="M[\d., L]+"/>', html)
    for period in ("1d", "5d", "1mo", "6mo", "1y"):
        assert f'href="?period={period}"' in html
    assert 'href="?period=1d" aria-current="page"' in html


@pytest.mark.parametrize(
    ("period", "interval"),
    [("1d", "5m"), ("5d", "30m"), ("1mo", "1h"), ("6mo", "1d"), ("1y", "1d")],
)
def test_each_period_asks_for_a_fitting_interval(browser, backend, period, interval):
    backend.get(f"{BACKEND}/api/v1/quotes/AAPL", json=quote_json("AAPL"))
    history = backend.get(
        f"{BACKEND}/api/v1/quotes/AAPL/history",
        json=history_json("AAPL", period=period, interval=interval),
        match=[matchers.query_param_matcher({"period": period, "interval": interval})],
    )
    assert browser.get(f"/symbol/AAPL?period={period}").status_code == 200
    assert history.call_count == 1


def test_an_unknown_period_falls_back_to_one_day(browser, healthy_backend):
    html = browser.get("/symbol/AAPL?period=forever").content.decode()
    assert 'href="?period=1d" aria-current="page"' in html


def test_a_lower_case_symbol_redirects_to_the_canonical_page(browser):
    page = browser.get("/symbol/aapl?period=5d")
    assert page.status_code == 302
    assert page["Location"] == "/symbol/AAPL?period=5d"


def test_a_symbol_the_backend_does_not_know_is_a_friendly_404(browser, backend):
    backend.get(
        f"{BACKEND}/api/v1/quotes/ZZZZ",
        status=404,
        json={"error": {"code": "not_found", "message": "unknown symbol"}},
    )
    page = browser.get("/symbol/ZZZZ")
    assert page.status_code == 404
    assert "Back to the watchlist" in page.content.decode()


@pytest.mark.parametrize("symbol", ["NOT!A!SYMBOL", "AAPL%0A"])
def test_a_malformed_symbol_is_a_404_without_asking_the_backend(browser, backend, symbol):
    page = browser.get(f"/symbol/{symbol}")
    assert page.status_code == 404
    assert len(backend.calls) == 0


def test_the_symbol_page_degrades_to_last_good_data(browser, healthy_backend, metric):
    browser.get("/symbol/MSFT")
    before = metric("stockwatch_webui_degraded_pages_total", page="symbol")
    break_backend(healthy_backend, requests.ConnectionError("refused"))
    page = browser.get("/symbol/MSFT")
    html = page.content.decode()
    assert page.status_code == 200
    assert DEGRADED.search(html) and 'class="chart-line"' in html
    assert metric("stockwatch_webui_degraded_pages_total", page="symbol") == before + 1


def test_the_symbol_page_without_any_data_is_a_friendly_error_state(browser, backend):
    break_backend(backend, 503)
    page = browser.get("/symbol/AAPL")
    assert page.status_code == 503
    assert "AAPL is unavailable right now" in page.content.decode()


# --- service endpoints and errors ------------------------------------------------------------


def test_an_unknown_path_gets_the_friendly_404_page(browser):
    page = browser.get("/no/such/page")
    html = page.content.decode()
    assert page.status_code == 404
    assert "Nothing here" in html and 'href="/"' in html


def test_healthz_answers_without_the_backend(browser):
    assert browser.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ready_with_static_files_whatever_the_backend_does(browser, backend):
    break_backend(backend, requests.ConnectionError("refused"))
    browser.get("/")
    answer = browser.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["checks"] == {"static_files": "ok", "backend": "unreachable"}


def test_metrics_exposes_the_webui_series(browser, healthy_backend):
    browser.get("/")
    text = browser.get("/metrics").content.decode()
    for series in (
        "stockwatch_webui_upstream_request_seconds_bucket",
        "django_http_requests_latency_seconds_by_view_method_bucket",
    ):
        assert series in text


def test_static_files_are_served_by_the_app_itself(browser, healthy_backend):
    html = browser.get("/").content.decode()
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    answer = browser.get(stylesheet)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/css")


def test_an_unexpected_crash_shows_a_plain_error_page_without_a_trace(browser, monkeypatch):
    def crash(*_):
        raise RuntimeError("a bug in the dashboard itself")

    monkeypatch.setattr("dashboard.pages.watchlist_page", crash)  # stands in for any bug
    page = browser.get("/")
    html = page.content.decode()
    assert page.status_code == 500
    assert "Something went wrong" in html
    assert "RuntimeError" not in html and "Traceback" not in html
