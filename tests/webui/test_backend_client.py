"""The backend client: retries only where safe, bounded jitter, last-good cache, metrics."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import responses
from dashboard import backend as backend_module
from dashboard.backend import BackendClient, BackendRejected, Fetch
from dashboard.budget import Deadline

from tests.support.polling import wait_for
from tests.support.servers import free_port
from tests.webui.conftest import BACKEND, quote_json

QUOTE_URL = f"{BACKEND}/api/v1/quotes/AAPL"


def quote_within(client: BackendClient, symbol: str = "AAPL", budget: float = 10.0) -> Fetch:
    """One quote call within a page budget of `budget` seconds."""
    return client.quote(symbol, Deadline.after(budget)).result()


@pytest.fixture
def client(backend) -> Iterator[BackendClient]:
    """A client of the faked backend; closed (calls in flight ended) before the fake goes."""
    client = BackendClient(BACKEND, connect_timeout=0.5, read_timeout=2.0, sleep=lambda _: None)
    yield client
    client.close()


def test_a_good_answer_is_parsed_and_fresh(client, backend):
    backend.get(QUOTE_URL, json=quote_json("AAPL", price=190.5))
    fetch = quote_within(client)
    assert fetch.fresh and not fetch.degraded
    assert str(fetch.value.price) == "190.5"


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_once(client, backend, status):
    failing = backend.get(QUOTE_URL, status=status)
    fetch = quote_within(client)
    assert failing.call_count == 2
    assert fetch.error == "http_5xx"


def test_a_retry_that_succeeds_returns_fresh_data(client, backend):
    backend.get(QUOTE_URL, body=requests.ConnectionError("refused"))
    backend.get(QUOTE_URL, json=quote_json("AAPL"))  # responses answers in registration order
    assert quote_within(client).fresh


def test_connection_errors_are_retried_once(client, backend):
    failing = backend.get(QUOTE_URL, body=requests.ConnectionError("refused"))
    assert quote_within(client).error == "connection"
    assert failing.call_count == 2


def test_connect_timeouts_are_retried_and_reported_as_timeouts(client, backend):
    failing = backend.get(QUOTE_URL, body=requests.ConnectTimeout("no SYN-ACK"))
    assert quote_within(client).error == "timeout"
    assert failing.call_count == 2


def test_read_timeouts_are_not_retried(client, backend):
    failing = backend.get(QUOTE_URL, body=requests.ReadTimeout("slow"))
    assert quote_within(client).error == "timeout"
    assert failing.call_count == 1


def test_internal_server_errors_are_not_retried(client, backend):
    failing = backend.get(QUOTE_URL, status=500)
    assert quote_within(client).error == "http_5xx"
    assert failing.call_count == 1


def test_a_4xx_answer_is_a_rejection_not_an_outage(client, backend):
    error = {"error": {"code": "not_found", "message": "unknown symbol ZZZZ"}}
    answered = backend.get(f"{BACKEND}/api/v1/quotes/ZZZZ", status=404, json=error)
    with pytest.raises(BackendRejected) as rejection:
        quote_within(client, "ZZZZ")
    assert (rejection.value.status, rejection.value.code) == (404, "not_found")
    assert answered.call_count == 1


def test_the_retry_waits_a_jittered_bounded_delay(backend):
    waits: list[float] = []
    client = BackendClient(BACKEND, 0.5, 2.0, sleep=waits.append)
    backend.get(QUOTE_URL, status=503)
    quote_within(client)
    low, high = backend_module.RETRY_JITTER_SECONDS
    assert len(waits) == 1 and low <= waits[0] <= high


def test_retry_delays_spread_over_the_jitter_range():
    delays = [backend_module.retry_delay() for _ in range(500)]
    low, high = backend_module.RETRY_JITTER_SECONDS
    assert all(low <= d <= high for d in delays)
    assert max(delays) - min(delays) > (high - low) / 2  # actually jittered, not constant


def test_a_failure_answers_with_the_last_good_value(client, backend):
    backend.get(QUOTE_URL, json=quote_json("AAPL", price=190.5))
    good = quote_within(client)
    backend.replace(responses.GET, QUOTE_URL, status=503)
    fallback = quote_within(client)
    assert fallback.degraded and not fallback.fresh
    assert fallback.value == good.value
    assert fallback.fetched_at == good.fetched_at


def test_a_failure_without_earlier_data_answers_nothing(client, backend):
    backend.get(QUOTE_URL, body=requests.ConnectionError("refused"))
    fetch = quote_within(client)
    assert fetch.value is None and not fetch.degraded


def test_a_malformed_body_is_a_failure_and_keeps_the_last_good_value(client, backend):
    backend.get(QUOTE_URL, json=quote_json("AAPL", price=190.5))
    quote_within(client)
    backend.replace(responses.GET, QUOTE_URL, json={"symbol": "AAPL", "price": "lots"})
    broken = quote_within(client)
    assert broken.error == "bad_payload"
    assert str(broken.value.price) == "190.5"


def test_a_body_that_is_not_json_is_a_bad_payload(client, backend):
    backend.get(QUOTE_URL, body="<html>proxy error</html>", content_type="text/html")
    assert quote_within(client).error == "bad_payload"


def test_every_attempt_is_timed_and_every_failed_attempt_counted(client, backend, metric):
    backend.get(QUOTE_URL, status=503)
    timed = metric("stockwatch_webui_upstream_request_seconds_count", endpoint="quotes")
    failed = metric("stockwatch_webui_upstream_errors_total", reason="http_5xx")
    quote_within(client)
    assert metric("stockwatch_webui_upstream_request_seconds_count", endpoint="quotes") == timed + 2
    assert metric("stockwatch_webui_upstream_errors_total", reason="http_5xx") == failed + 2


def test_bad_payloads_are_counted_by_reason(client, backend, metric):
    backend.get(QUOTE_URL, json={"unexpected": True})
    before = metric("stockwatch_webui_upstream_errors_total", reason="bad_payload")
    quote_within(client)
    assert metric("stockwatch_webui_upstream_errors_total", reason="bad_payload") == before + 1


def test_the_last_call_records_whether_the_backend_was_reachable(client, backend):
    backend.get(QUOTE_URL, body=requests.ConnectionError("refused"))
    quote_within(client)
    assert client.last_call.state == "unreachable"
    backend.replace(responses.GET, QUOTE_URL, json=quote_json("AAPL"))
    quote_within(client)
    assert client.last_call.state == "up"


def test_the_read_timeout_cuts_off_a_slow_backend(slow_server):
    client = BackendClient(slow_server, connect_timeout=0.5, read_timeout=0.3)
    started = time.monotonic()
    fetch = quote_within(client)
    assert fetch.error == "timeout"
    assert time.monotonic() - started < 1.5


def test_a_refused_connection_fails_fast():
    client = BackendClient(f"http://127.0.0.1:{free_port()}", connect_timeout=0.5, read_timeout=2.0)
    started = time.monotonic()
    assert quote_within(client).error == "connection"
    assert time.monotonic() - started < 1.5


# --- the page budget and the concurrency limit -------------------------------------------------


def _answer_when(event: threading.Event, body: dict):
    """A responses callback: the backend answers only once `event` is set (or after 5 s)."""

    def callback(_request):
        event.wait(5)
        return 200, {}, json.dumps(body)

    return callback


def test_a_call_still_running_when_the_budget_ends_gives_last_good_data(client, backend):
    backend.get(QUOTE_URL, json=quote_json("AAPL", price=190.5))
    good = quote_within(client)
    release = threading.Event()
    backend.reset()  # from now on the backend stalls
    backend.add_callback(responses.GET, QUOTE_URL, _answer_when(release, quote_json("AAPL")))
    started = time.monotonic()
    late = quote_within(client, budget=0.2)
    assert time.monotonic() - started < 1.5
    release.set()
    assert late.error == "budget" and late.overran and late.degraded
    assert late.value == good.value


def test_an_answer_that_arrives_after_the_budget_still_refreshes_the_cache(client, backend):
    release = threading.Event()
    backend.add_callback(
        responses.GET, QUOTE_URL, _answer_when(release, quote_json("AAPL", price=201.0))
    )
    assert quote_within(client, budget=0.1).value is None
    backend.reset()
    backend.get(QUOTE_URL, body=requests.ConnectionError("down from now on"))
    release.set()  # the late call lands in the background

    def refreshed():
        fallback = quote_within(client)
        return fallback if fallback.value is not None else None

    fallback = wait_for(refreshed, 5, "the late answer in the cache", interval=0.05)
    assert fallback.degraded and str(fallback.value.price) == "201.0"


def test_no_retry_is_made_that_cannot_finish_within_the_budget(client, backend):
    failing = backend.get(QUOTE_URL, status=503)
    assert quote_within(client, budget=0.12).error == "http_5xx"
    assert failing.call_count == 1


def test_socket_timeouts_are_clipped_to_the_budget(slow_server):
    client = BackendClient(slow_server, connect_timeout=0.5, read_timeout=2.0)
    started = time.monotonic()
    assert quote_within(client, budget=0.3).value is None
    assert time.monotonic() - started < 1.5  # not the 2 s read timeout, nor the 3 s server


def test_a_call_over_the_concurrency_limit_is_shed_at_once_and_counted(backend, metric):
    client = BackendClient(BACKEND, 0.5, 2.0, max_in_flight=1)
    release = threading.Event()
    backend.add_callback(responses.GET, QUOTE_URL, _answer_when(release, quote_json("AAPL")))
    shed = metric("stockwatch_webui_upstream_shed_total", endpoint="quotes")
    try:
        assert quote_within(client, budget=0.1).error == "budget"  # holds the only slot
        started = time.monotonic()
        refused = quote_within(client)
        assert time.monotonic() - started < 0.5  # shed, not queued behind the slow call
    finally:
        release.set()
    assert refused.error == "shed"
    assert metric("stockwatch_webui_upstream_shed_total", endpoint="quotes") == shed + 1


def test_a_kept_value_younger_than_max_age_answers_without_a_call(client, backend):
    answered = backend.get(QUOTE_URL, json=quote_json("AAPL"))

    def kept(max_age: float) -> Fetch:
        return client.get(
            "quotes",
            "/api/v1/quotes/AAPL",
            {},
            lambda body: body,
            Deadline.after(5),
            max_age=max_age,
        ).result()

    assert kept(60).fresh and kept(60).fresh
    assert answered.call_count == 1
    assert kept(1e-9).fresh
    assert answered.call_count == 2


@pytest.mark.parametrize(
    "closes",
    [["190.5"], [190.5, True], "190.5", [float("inf")]],
    ids=["text", "bool", "str", "inf"],
)
def test_sparkline_closes_that_are_not_finite_numbers_are_a_bad_payload(client, backend, closes):
    watchlist = [quote_json("AAPL", closes=(190.5,))]
    watchlist[0]["sparkline"]["closes"] = closes
    backend.get(f"{BACKEND}/api/v1/quotes", json={"quotes": watchlist})
    assert client.quotes(Deadline.after(10)).result().error == "bad_payload"


def test_sparkline_closes_arrive_with_the_quotes(client, backend):
    backend.get(
        f"{BACKEND}/api/v1/quotes", json={"quotes": [quote_json("AAPL", closes=(188, 189.5))]}
    )
    assert client.quotes(Deadline.after(10)).result().value[0].sparkline == (188.0, 189.5)


def test_the_same_answer_again_is_not_decoded_again(client, backend):
    body = {"quotes": [quote_json("AAPL", closes=(188, 189.5))]}
    backend.get(f"{BACKEND}/api/v1/quotes", json=body)
    first = client.quotes(Deadline.after(10)).result().value
    assert client.quotes(Deadline.after(10)).result().value is first
    body["quotes"][0]["price"] = 191.0
    backend.replace(responses.GET, f"{BACKEND}/api/v1/quotes", json=body)
    changed = client.quotes(Deadline.after(10)).result().value
    assert str(changed[0].price) == "191.0"


def test_a_socket_timeout_clipped_to_the_budget_counts_as_the_budget_running_out(slow_server):
    """Deterministic whichever deadline fires first: here the call ends (its read timeout, cut to
    the budget, fires) before the page asks for the result, as on a busy machine."""
    client = BackendClient(slow_server, connect_timeout=0.5, read_timeout=2.0)
    pending = client.quote("AAPL", Deadline.after(0.2))
    client.close()  # waits for the call in flight to end: its clipped read timeout has fired
    fetch = pending.result()
    assert fetch.error == "budget" and fetch.overran


def test_a_socket_timeout_shorter_than_the_budget_is_a_timeout_not_an_overrun(slow_server):
    client = BackendClient(slow_server, connect_timeout=0.5, read_timeout=0.2)
    fetch = quote_within(client, budget=5.0)
    client.close()
    assert fetch.error == "timeout" and not fetch.overran


def test_a_timeout_is_clipped_to_what_is_left_of_the_budget():
    assert Deadline.after(10).clip(2.0) == (2.0, False)
    left, clipped = Deadline.after(0.5).clip(2.0)
    assert clipped and 0.0 < left <= 0.5
    assert Deadline.after(-1).clip(2.0) == (0.01, True)  # spent: still a short, real timeout
