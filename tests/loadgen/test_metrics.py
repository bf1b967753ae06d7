"""Each finished request lands in the latency histogram and in the counter of its outcome."""

from __future__ import annotations

import threading

import pytest

from loadgen.config import Target
from loadgen.generator import LoadGenerator
from loadgen.metrics import OUTCOMES
from servicekit.latency import LATENCY_BUCKETS
from tests.support.servers import free_port


def _send_one(metrics, url: str, timeout: float = 5.0) -> None:
    generator = LoadGenerator(
        [Target("webui", url)], rate=10, timeout=timeout, max_in_flight=5, metrics=metrics
    )
    generator.run(threading.Event(), arrivals=1)


def _value(metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_every_series_exists_at_zero_before_the_first_request(metrics):
    for target in ("backend", "webui"):
        assert _value(metrics, "stockwatch_loadgen_dropped_total", target=target) == 0
        assert _value(metrics, "stockwatch_loadgen_request_seconds_count", target=target) == 0
        for outcome in OUTCOMES:
            labels = {"target": target, "outcome": outcome}
            assert _value(metrics, "stockwatch_loadgen_requests_total", **labels) == 0


def test_successful_request_is_counted_ok_with_its_latency(slow_server_factory, metrics):
    server = slow_server_factory(delay=0.1)
    _send_one(metrics, server.url)

    assert _value(metrics, "stockwatch_loadgen_requests_total", target="webui", outcome="ok") == 1
    assert _value(metrics, "stockwatch_loadgen_request_seconds_count", target="webui") == 1
    assert _value(metrics, "stockwatch_loadgen_request_seconds_sum", target="webui") >= 0.1
    fast = _value(metrics, "stockwatch_loadgen_request_seconds_bucket", target="webui", le="0.05")
    assert fast == 0, "a 100 ms response must not land in the 50 ms bucket"


@pytest.mark.parametrize("status", [404, 503])
def test_error_status_is_counted_as_http_error(slow_server_factory, metrics, status):
    server = slow_server_factory(delay=0, status=status)
    _send_one(metrics, server.url)

    labels = {"target": "webui", "outcome": "http_error"}
    assert _value(metrics, "stockwatch_loadgen_requests_total", **labels) == 1


def test_response_slower_than_the_timeout_is_counted_as_timeout(slow_server_factory, metrics):
    server = slow_server_factory(delay=2.0)
    _send_one(metrics, server.url, timeout=0.3)

    labels = {"target": "webui", "outcome": "timeout"}
    assert _value(metrics, "stockwatch_loadgen_requests_total", **labels) == 1
    assert _value(metrics, "stockwatch_loadgen_request_seconds_sum", target="webui") < 1.5


def test_refused_connection_is_counted_as_connection_error(metrics):
    _send_one(metrics, f"http://127.0.0.1:{free_port()}/")

    labels = {"target": "webui", "outcome": "connection_error"}
    assert _value(metrics, "stockwatch_loadgen_requests_total", **labels) == 1


def test_client_histogram_has_the_services_bucket_edges(metrics):
    # Client and server p95 are compared in every chaos report: same edges, same resolution.
    exposed = {
        sample.labels["le"]
        for family in metrics.registry.collect()
        for sample in family.samples
        if sample.name == "stockwatch_loadgen_request_seconds_bucket"
    }
    assert exposed == {"+Inf" if b == float("inf") else str(b) for b in LATENCY_BUCKETS}
