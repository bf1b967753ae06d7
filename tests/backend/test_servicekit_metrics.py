"""servicekit.metrics: /metrics only on the metrics listener; build info gauge."""

import json

import pytest
from django.test import RequestFactory

from servicekit import metrics
from servicekit.latency import LATENCY_BUCKETS


class AcceptedSocket:
    """Stands in for environ["gunicorn.socket"]: only its local address matters."""

    def __init__(self, port: int):
        self.port = port

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)


@pytest.fixture
def metrics_port(monkeypatch):
    monkeypatch.setenv("METRICS_BIND", "127.0.0.1:19123")
    metrics._metrics_port.cache_clear()
    yield 19123
    metrics._metrics_port.cache_clear()


def test_latency_buckets_span_5ms_to_10s():
    assert LATENCY_BUCKETS[0] == 0.005
    assert LATENCY_BUCKETS[-2] == 10.0
    assert list(LATENCY_BUCKETS) == sorted(LATENCY_BUCKETS)


def test_latency_buckets_have_an_edge_at_each_slo_and_the_page_budget():
    # API p95 250 ms, page budget 1 s, page p95 1.5 s: a p95 near them must not be smeared
    # across a wide bucket by histogram_quantile's interpolation.
    assert {0.25, 1.0, 1.5} <= set(LATENCY_BUCKETS)
    assert LATENCY_BUCKETS[LATENCY_BUCKETS.index(1.0) + 1] <= 1.25


def test_metrics_are_served_outside_gunicorn():
    response = metrics.metrics_view(RequestFactory().get("/metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_metrics_are_served_on_the_metrics_port(metrics_port):
    request = RequestFactory().get("/metrics", **{"gunicorn.socket": AcceptedSocket(metrics_port)})
    assert metrics.metrics_view(request).status_code == 200


def test_metrics_are_404_json_on_the_app_port_whatever_the_host_header(metrics_port):
    request = RequestFactory().get(
        "/metrics",
        HTTP_HOST=f"127.0.0.1:{metrics_port}",
        **{"gunicorn.socket": AcceptedSocket(8000)},
    )
    response = metrics.metrics_view(request)
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "not_found"


def test_register_build_info_publishes_a_one_valued_gauge():
    metrics.register_build_info("sktest", "9.9.9")
    body = metrics.metrics_view(RequestFactory().get("/metrics")).content.decode()
    assert 'stockwatch_build_info{service="sktest",version="9.9.9"} 1.0' in body
