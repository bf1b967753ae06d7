"""The backend under its production gunicorn config: 2 workers, metrics that add up, shutdown."""

from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.samples import Sample

from tests.support.http import get
from tests.support.metrics import samples as metric_samples
from tests.support.metrics import scrape
from tests.support.servers import gunicorn_service

pytestmark = pytest.mark.slow

# Requests the test sends, by route; every one opens its own connection.
PATHS = {
    "symbols": "/api/v1/symbols",
    "quotes": "/api/v1/quotes?symbols=AAPL,MSFT",
    "quote": "/api/v1/quotes/NVDA",
    "history": "/api/v1/quotes/AAPL/history?period=5d&interval=1h",
}
PER_PATH = 15
N = PER_PATH * len(PATHS)


def samples(metrics_url: str, name: str) -> list[Sample]:
    return metric_samples(scrape(metrics_url, timeout=20), name)


def total(metrics_url: str, name: str, views: set[str]) -> float:
    return sum(s.value for s in samples(metrics_url, name) if s.labels.get("view") in views)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    with gunicorn_service("backend", tmp_path_factory.mktemp("gunicorn")) as server:
        yield server


@pytest.fixture(scope="module")
def load(backend) -> Counter:
    """Send exactly N requests from 8 threads (so both workers serve some); count statuses."""
    urls = [backend.base_url + path for path in PATHS.values() for _ in range(PER_PATH)]
    with ThreadPoolExecutor(8) as pool:
        return Counter(status for status, _ in pool.map(lambda url: get(url, timeout=20), urls))


def test_all_requests_succeed(load):
    assert load == {200: N}


def test_both_workers_served_requests(backend, load):
    workers = {
        entry["worker"]
        for entry in map(json.loads, filter(None, backend.log_path.read_text().splitlines()))
        if entry.get("logger") == "gunicorn.access" and entry.get("path", "").startswith("/api/")
    }
    assert len(workers) == 2


def test_response_counters_add_up_to_n_across_workers(backend, load):
    name = "django_http_responses_total_by_status_view_method_total"
    assert total(backend.metrics_url, name, set(PATHS)) == N


def test_request_counters_add_up_to_n_across_workers(backend, load):
    name = "django_http_requests_total_by_view_transport_method_total"
    assert total(backend.metrics_url, name, set(PATHS)) == N


def test_latency_histogram_counts_n_with_the_contract_buckets(backend, load):
    name = "django_http_requests_latency_seconds_by_view_method_bucket"
    buckets = [s for s in samples(backend.metrics_url, name) if s.labels["view"] in PATHS]
    assert sum(s.value for s in buckets if s.labels["le"] == "+Inf") == N
    assert {s.labels["le"] for s in buckets} >= {"0.005", "10.0", "+Inf"}


def test_quote_price_and_build_info_are_published_once(backend, load):
    prices = samples(backend.metrics_url, "stockwatch_quote_price")
    assert {s.labels["symbol"] for s in prices} >= {"AAPL", "MSFT", "NVDA"}
    assert all(s.labels["source"] == "simulated" and s.value > 0 for s in prices)
    info = samples(backend.metrics_url, "stockwatch_build_info")
    assert [(s.labels["service"], s.value) for s in info] == [("backend", 1.0)]


def test_metrics_are_404_on_the_app_port(backend):
    status, body = get(backend.base_url + "/metrics", timeout=20)
    assert status == 404
    assert json.loads(body)["error"]["code"] == "not_found"


def test_access_log_lines_are_json(backend, load):
    lines = [line for line in backend.log_path.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e.get("logger") == "gunicorn.access"]
    assert access
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"]) for e in access)
    assert {"method", "path", "status", "duration_ms"} <= set(access[0])


def test_sigterm_shuts_down_gracefully(tmp_path):
    with gunicorn_service("backend", tmp_path) as server:
        assert get(server.base_url + "/api/v1/symbols", timeout=20)[0] == 200
        assert server.stop() == 0
