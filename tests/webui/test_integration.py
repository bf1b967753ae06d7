"""End to end on loopback: the real backend (simulated prices) and the real webui under gunicorn."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support.metrics import sample_sum
from tests.support.servers import RunningProcess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def webui(shared_stack) -> RunningProcess:
    return shared_stack[1]


@pytest.fixture(scope="module")
def watchlist(shared_stack) -> list[str]:
    backend = shared_stack[0]
    return requests.get(f"{backend.base_url}/api/v1/symbols", timeout=5).json()["symbols"]


def test_the_watchlist_shows_the_backends_symbols_with_sparklines(webui, watchlist):
    page = requests.get(webui.base_url + "/", timeout=10)
    assert page.status_code == 200
    for symbol in watchlist:
        assert f'href="/symbol/{symbol}"' in page.text
    assert page.text.count('class="spark-line"') == len(watchlist)
    assert "badge-simulated" in page.text and "backend reachable" in page.text
    assert "degraded" not in page.text


def test_the_live_fragment_renders_from_real_data(webui, watchlist):
    fragment = requests.get(webui.base_url + "/live/watchlist", timeout=10)
    assert fragment.status_code == 200
    assert fragment.text.count("<tr>") == len(watchlist) + 1  # header row + one per symbol


@pytest.mark.parametrize("period", ["1d", "5d", "1mo", "6mo", "1y"])
def test_every_chart_period_is_one_the_backend_serves(webui, period):
    page = requests.get(f"{webui.base_url}/symbol/AAPL?period={period}", timeout=10)
    assert page.status_code == 200
    assert re.search(r'<path class="chart-line" d="M[\d., L]+"/>', page.text)
    assert "degraded" not in page.text


def test_static_files_are_served_with_long_caching(webui):
    page = requests.get(webui.base_url + "/", timeout=10)
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text).group(1)
    answer = requests.get(webui.base_url + stylesheet, timeout=10)
    assert answer.status_code == 200
    assert "immutable" in answer.headers["Cache-Control"]


def test_metrics_add_up_across_gunicorn_workers(webui):
    series = ("stockwatch_webui_upstream_request_seconds_count", {"endpoint": "quotes"})
    before = sample_sum(requests.get(webui.metrics_url, timeout=5).text, series[0], **series[1])
    pages = 12  # with 2 workers, both serve some of these
    for _ in range(pages):
        assert requests.get(f"{webui.base_url}/symbol/MSFT?period=5d", timeout=10).ok
    after = sample_sum(requests.get(webui.metrics_url, timeout=5).text, series[0], **series[1])
    assert after - before == pages


def test_metrics_show_build_info_and_django_series(webui):
    text = requests.get(webui.metrics_url, timeout=5).text
    assert 'stockwatch_build_info{service="webui"' in text
    assert "django_http_responses_total_by_status_view_method_total" in text


def test_metrics_are_not_served_on_the_app_port(webui):
    assert requests.get(webui.base_url + "/metrics", timeout=5).status_code == 404


def test_readyz_reports_ready_with_the_backend_up(webui):
    requests.get(webui.base_url + "/", timeout=10)
    answer = requests.get(webui.base_url + "/readyz", timeout=5)
    assert answer.status_code == 200
    assert answer.json()["checks"]["static_files"] == "ok"
