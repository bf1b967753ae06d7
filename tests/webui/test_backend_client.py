"""The backend client: retries only where safe, bounded jitter, last-good cache, metrics."""

from __future__ import annotations

import time

import pytest
import requests
import responses
from dashboard import backend as backend_module
from dashboard.backend import BackendClient, BackendRejected

from tests.support.servers import free_port
from tests.webui.conftest import BACKEND, quote_json

QUOTE_URL = f"{BACKEND}/api/v1/quotes/AAPL"


@pytest.fixture
def client() -> BackendClient:
    return BackendClient(BACKEND, connect_timeout=0.5, read_timeout=2.0, sleep=lambda _: None)


def test_a_good_answer_is_parsed_and_fresh(client, backend):
    backend.get(QUOTE_URL, json=quote_json("AAPL", price=190.5))
    fetch = client.quote("AAPL")
    assert fetch.fresh and not fetch.degraded
    assert str(fetch.value.price) == "190.5"


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_once(client, backend, status):
    failing = backend.get(QUOTE_URL, status=status)
    fetch = client.quote("AAPL")
    assert failing.call_count == 2
    assert fetch.error == "http_5xx"


def test_a_retry_that_succeeds_returns_fresh_data(client, backend):
    backend.get(QUOTE_URL, body=requests.ConnectionError("refused"))
    backend.get(QUOTE_URL, json=quote_json("AAPL"))  # responses answers in registration order
    assert client.quote("AAPL").fresh


def test_connection_errors_are_retried_once(client, backend):
    failing = backend.get(QUOTE_URL, body=requests.ConnectionError("refused"))
    assert client.quote("AAPL").error == "connection"
    assert failing.call_count == 2


def test_connect_timeouts_are_retried_and_reported_as_timeouts(client, backend):
    failing = backend.get(QUOTE_URL, body=requests.ConnectTimeout("no SYN-ACK"))
    assert client.quote("AAPL").error == "timeout"
    assert failing.call_count == 2


def test_read_timeouts_are_not_retried(client, backend):
    failing = backend.get(QUOTE_URL, body=requests.ReadTimeout("slow"))
    assert client.quote("AAPL").error == "timeout"
    assert failing.call_count == 1


def test_internal_server_errors_are_not_retried(client, backend):
    failing = backend.get(QUOTE_URL, status=500)
    assert client.quote("AAPL").error == "http_5xx"
    assert failing.call_count == 1


def test_a_4xx_answer_is_a_rejection_not_an_outage(client, backend):
    error = {"error": {"code": "not_found", "message": "unknown symbol ZZZZ"}}
    answered = backend.get(f"{BACKEND}/api/v1/quotes/ZZZZ", status=404, json=error)
    with pytest.raises(BackendRejected) as rejection:
        client.quote("ZZZZ")
    assert (rejection.value.status, rejection.value.code) == (404, "not_found")
    assert answered.call_count == 1


def test_the_retry_waits_a_jittered_bounded_delay(backend):
    waits: list[float] = []
    client = BackendClient(BACKEND, 0.5, 2.0, sleep=waits.append)
    backend.get(QUOTE_URL, status=503)
    client.quote("AAPL")
    low, high = backend_module.RETRY_JITTER_SECONDS
    assert len(waits) == 1 and low <= waits[0] <= high


def test_retry_delays_spread_over_the_jitter_range():
    delays = [backend_module.retry_delay() for _ in range(500)]
    low, high = backend_module.RETRY_JITTER_SECONDS
    assert all(low <= d <= high for d in delays)
    assert max(delays) - min(delays) > (high - low) / 2  # actually jittered, not constant


def test_a_failure_answers_with_the_last_good_value(client, backend):
    backend.get(QUOTE_URL, json=quote_json("AAPL", price=190.5))
    good = client.quote("AAPL")
    backend.replace(responses.GET, QUOTE_URL, status=503)
    fallback = client.quote("AAPL")
    assert fallback.degraded and not fallback.fresh
    assert fallback.value == good.value
    assert fallback.fetched_at == good.fetched_at


def test_a_failure_without_earlier_data_answers_nothing(client, backend):
    backend.get(QUOTE_URL, body=requests.ConnectionError("refused"))
    fetch = client.quote("AAPL")
    assert fetch.value is None and not fetch.degraded


def test_a_malformed_body_is_a_failure_and_keeps_the_last_good_value(client, backend):
    backend.get(QUOTE_URL, json=quote_json("AAPL", price=190.5))
    client.quote("AAPL")
    backend.replace(responses.GET, QUOTE_URL, json={"symbol": "AAPL", "price": "lots"})
    broken = client.quote("AAPL")
    assert broken.error == "bad_payload"
    assert str(broken.value.price) == "190.5"


def test_a_body_that_is_not_json_is_a_bad_payload(client, backend):
    backend.get(QUOTE_URL, body="<html>proxy error</html>", content_type="text/html")
    assert client.quote("AAPL").error == "bad_payload"


def test_without_network_only_the_cache_answers(client, backend):
    untouched = backend.get(QUOTE_URL, json=quote_json("AAPL"))
    fetch = client.quote("AAPL", network=False)
    assert untouched.call_count == 0
    assert fetch.value is None and fetch.error == "skipped"


def test_every_attempt_is_timed_and_every_failed_attempt_counted(client, backend, metric):
    backend.get(QUOTE_URL, status=503)
    timed = metric("stockwatch_webui_upstream_request_seconds_count", endpoint="quotes")
    failed = metric("stockwatch_webui_upstream_errors_total", reason="http_5xx")
    client.quote("AAPL")
    assert metric("stockwatch_webui_upstream_request_seconds_count", endpoint="quotes") == timed + 2
    assert metric("stockwatch_webui_upstream_errors_total", reason="http_5xx") == failed + 2


def test_bad_payloads_are_counted_by_reason(client, backend, metric):
    backend.get(QUOTE_URL, json={"unexpected": True})
    before = metric("stockwatch_webui_upstream_errors_total", reason="bad_payload")
    client.quote("AAPL")
    assert metric("stockwatch_webui_upstream_errors_total", reason="bad_payload") == before + 1


def test_the_last_call_records_whether_the_backend_was_reachable(client, backend):
    backend.get(QUOTE_URL, body=requests.ConnectionError("refused"))
    client.quote("AAPL")
    assert client.last_call.state == "unreachable"
    backend.replace(responses.GET, QUOTE_URL, json=quote_json("AAPL"))
    client.quote("AAPL")
    assert client.last_call.state == "up"


def test_the_read_timeout_cuts_off_a_slow_backend(slow_server):
    client = BackendClient(slow_server, connect_timeout=0.5, read_timeout=0.3)
    started = time.monotonic()
    fetch = client.quote("AAPL")
    assert fetch.error == "timeout"
    assert time.monotonic() - started < 1.5


def test_a_refused_connection_fails_fast():
    client = BackendClient(f"http://127.0.0.1:{free_port()}", connect_timeout=0.5, read_timeout=2.0)
    started = time.monotonic()
    assert client.quote("AAPL").error == "connection"
    assert time.monotonic() - started < 1.5
