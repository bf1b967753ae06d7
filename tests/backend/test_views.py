"""The JSON API through Django's test client: answers, shapes and every bad-input case."""

import json
import time

import pytest
from django.test import Client, override_settings
from quotes.openapi import ERROR_CODES


def body(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    error = body(response)["error"]
    assert error["code"] == code
    assert error["code"] in ERROR_CODES or code == "bad_request"
    assert error["message"]


# --- answers -----------------------------------------------------------------------------------


def test_symbols_lists_the_watchlist(api, settings):
    settings.WATCHLIST = ["AAPL", "^GSPC"]
    response = api.get("/api/v1/symbols")
    assert response.status_code == 200
    assert body(response) == {"symbols": ["AAPL", "^GSPC"]}


def test_quotes_without_symbols_cover_the_watchlist(api, use_service, conforms):
    response = api.get("/api/v1/quotes")
    assert response.status_code == 200
    quotes = body(response)["quotes"]
    assert [q["symbol"] for q in quotes] == ["AAPL", "MSFT"]
    for quote in quotes:
        conforms(quote, "Quote")


def test_quotes_for_requested_symbols_keep_request_order(api, use_service):
    response = api.get("/api/v1/quotes", {"symbols": "tsla,^gspc"})
    assert [q["symbol"] for q in body(response)["quotes"]] == ["TSLA", "^GSPC"]


def test_one_quote(api, use_service, conforms):
    response = api.get("/api/v1/quotes/brk-b")
    quote = body(response)
    conforms(quote, "Quote")
    assert (quote["symbol"], quote["source"], quote["stale"]) == ("BRK-B", "simulated", False)
    assert quote["as_of"].endswith("Z")


def test_url_encoded_symbols_are_decoded(api, use_service):
    assert body(api.get("/api/v1/quotes/%5EGSPC"))["symbol"] == "^GSPC"
    assert body(api.get("/api/v1/quotes/EURUSD%3DX"))["symbol"] == "EURUSD=X"


def test_history(api, use_service, conforms):
    response = api.get("/api/v1/quotes/aapl/history", {"period": "5d", "interval": "1h"})
    history = body(response)
    conforms(history, "History")
    assert (history["symbol"], history["period"], history["interval"]) == ("AAPL", "5d", "1h")
    assert len(history["candles"]) == 121


def test_history_defaults_to_one_day_of_five_minute_bars(api, use_service):
    history = body(api.get("/api/v1/quotes/AAPL/history"))
    assert (history["period"], history["interval"]) == ("1d", "5m")


def test_stale_quote_is_flagged_when_upstream_fails(api, use_service, upstream):
    api.get("/api/v1/quotes/AAPL")
    use_service.quote_cache.ttl = 0
    upstream.fail_with("rate_limited")
    quote = body(api.get("/api/v1/quotes/AAPL"))
    assert quote["stale"] is True


def test_openapi_document_is_served(api):
    document = body(api.get("/api/v1/openapi.json"))
    assert document["openapi"].startswith("3.")
    assert "/api/v1/quotes/{symbol}/history" in document["paths"]


def test_healthz(api):
    assert body(api.get("/healthz")) == {"status": "ok"}


def test_readyz_is_ready_when_the_provider_answers(api, use_service):
    response = api.get("/readyz")
    assert response.status_code == 200
    assert body(response)["status"] == "ready"


def test_readyz_is_not_ready_when_cold_and_upstream_down(api, use_service, upstream):
    upstream.fail_with("network")
    response = api.get("/readyz")
    assert response.status_code == 503
    assert body(response) | {"status": "not_ready", "cache": "cold", "reason": "network"} == body(
        response
    )


def test_readyz_stays_ready_with_a_warm_cache_when_upstream_fails(api, use_service, upstream):
    api.get("/api/v1/quotes/AAPL")
    upstream.fail_with("timeout")
    assert api.get("/readyz").status_code == 200


def test_metrics_are_served_outside_gunicorn(api):
    response = api.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_latency_seconds_by_view_method_bucket" in response.content


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/quotes/AA%20PL",
        "/api/v1/quotes/%3Cscript%3E",
        "/api/v1/quotes/" + "A" * 16,
        "/api/v1/quotes/-AAPL",
        "/api/v1/quotes/%C3%9F",
        "/api/v1/quotes/AA%0APL/history",
    ],
)
def test_malformed_symbol_in_the_path_is_400(api, use_service, path):
    assert_error(api.get(path), 400, "invalid_symbol")


@pytest.mark.parametrize("symbols", ["AAPL,MS FT", "<b>", "AAPL;MSFT", "A" * 16])
def test_malformed_symbol_in_the_list_is_400(api, use_service, symbols):
    assert_error(api.get("/api/v1/quotes", {"symbols": symbols}), 400, "invalid_symbol")


def test_too_many_symbols_is_400(api, use_service, settings):
    settings.MAX_SYMBOLS_PER_REQUEST = 3
    response = api.get("/api/v1/quotes", {"symbols": "A,B,C,D"})
    assert_error(response, 400, "too_many_symbols")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"period": "7d"}, "invalid_period"),
        ({"period": ""}, "invalid_period"),
        ({"interval": "10m"}, "invalid_interval"),
        ({"interval": "1D"}, "invalid_interval"),
        ({"period": "1y", "interval": "1m"}, "unsupported_combination"),
        ({"period": "3mo", "interval": "5m"}, "unsupported_combination"),
        ({"period": "5y", "interval": "1h"}, "unsupported_combination"),
    ],
)
def test_bad_period_or_interval_is_400(api, use_service, query, code):
    assert_error(api.get("/api/v1/quotes/AAPL/history", query), 400, code)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api",
        "/api/v1",
        "/api/v1/",
        "/api/v2/symbols",
        "/api/v1/symbols/",
        "/api/v1/quotes/AAPL/",
        "/api/v1/quotes/AAPL/history/x",
        "/admin/",
        "/static/x.js",
    ],
)
def test_unknown_route_is_a_json_404(api, path):
    assert_error(api.get(path), 404, "not_found")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize(
    "path", ["/api/v1/symbols", "/api/v1/quotes", "/api/v1/quotes/AAPL", "/readyz"]
)
def test_other_methods_are_a_json_405(api, method, path):
    response = getattr(api, method)(path)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"


def test_no_data_for_a_symbol_is_404(api, use_service, upstream):
    upstream.fail_with("empty")
    assert_error(api.get("/api/v1/quotes/NOSUCH"), 404, "not_found")


def test_upstream_down_with_nothing_cached_is_503(api, use_service, upstream):
    upstream.fail_with("rate_limited")
    response = api.get("/api/v1/quotes/AAPL/history")
    assert_error(response, 503, "upstream_unavailable")
    assert response["Retry-After"]


def test_disallowed_host_is_a_json_400(api, settings):
    settings.ALLOWED_HOSTS = ["backend"]
    assert_error(api.get("/api/v1/symbols", HTTP_HOST="evil.example"), 400, "bad_request")


@override_settings(ROOT_URLCONF="tests.backend.failing_urls")
def test_an_unexpected_error_is_a_json_500_without_a_trace():
    response = Client(raise_request_exception=False).get("/boom")
    assert response.status_code == 500
    assert body(response)["error"]["code"] == "internal_error"
    assert b"Traceback" not in response.content


# --- fault knobs -------------------------------------------------------------------------------


def test_fault_error_rate_one_fails_every_api_request(api, use_service, settings):
    settings.FAULT_ERROR_RATE = 1.0
    assert_error(api.get("/api/v1/quotes"), 503, "fault_injected")
    assert_error(api.get("/api/v1/symbols"), 503, "fault_injected")


def test_fault_knobs_leave_health_readiness_and_metrics_alone(api, use_service, settings):
    settings.FAULT_ERROR_RATE = 1.0
    for path in ("/healthz", "/readyz", "/metrics"):
        assert api.get(path).status_code == 200


def test_fault_delay_slows_api_requests_by_at_most_the_knob(api, use_service, settings):
    settings.FAULT_DELAY_MS = 40
    started = time.monotonic()
    for _ in range(10):
        assert api.get("/api/v1/symbols").status_code == 200
    elapsed = time.monotonic() - started
    assert 0.04 < elapsed < 0.4 + 1.0  # ten draws of 0..40 ms: some delay, never more than 10x40


def test_injected_faults_are_counted_under_their_view(api, use_service, settings, metric):
    labels = {"status": "503", "view": "symbols", "method": "GET"}
    before = metric("django_http_responses_total_by_status_view_method_total", **labels)
    settings.FAULT_ERROR_RATE = 1.0
    api.get("/api/v1/symbols")
    after = metric("django_http_responses_total_by_status_view_method_total", **labels)
    assert after == before + 1


# --- quotes with sparklines (one request per watchlist page) -----------------------------------


def test_quotes_with_sparklines_carry_each_symbols_closes(api, use_service, conforms):
    response = api.get("/api/v1/quotes", {"sparkline": "1d"})
    quotes = body(response)["quotes"]
    assert [q["symbol"] for q in quotes] == ["AAPL", "MSFT"]
    for quote in quotes:
        conforms(quote, "Quote")
        history = body(api.get(f"/api/v1/quotes/{quote['symbol']}/history"))
        assert quote["sparkline"]["closes"] == [c["close"] for c in history["candles"]]
        assert (quote["sparkline"]["period"], quote["sparkline"]["interval"]) == ("1d", "5m")


def test_quotes_with_sparklines_are_a_fraction_of_the_histories_they_replace(api, use_service):
    combined = len(api.get("/api/v1/quotes", {"sparkline": "1d"}).content)
    separate = len(api.get("/api/v1/quotes").content) + sum(
        len(api.get(f"/api/v1/quotes/{symbol}/history").content) for symbol in ("AAPL", "MSFT")
    )
    assert combined < separate / 4


def test_quotes_without_the_parameter_have_no_sparkline(api, use_service):
    assert all("sparkline" not in q for q in body(api.get("/api/v1/quotes"))["quotes"])


def test_a_missing_history_leaves_a_null_sparkline_not_an_error(api, use_service, upstream):
    use_service.quote("AAPL")
    use_service.quote("MSFT")
    upstream.fail_with("timeout")
    response = api.get("/api/v1/quotes", {"sparkline": "1d"})
    assert response.status_code == 200
    assert [q["sparkline"] for q in body(response)["quotes"]] == [None, None]


@pytest.mark.parametrize("value", ["", "5d", "true"])
def test_an_unknown_sparkline_period_is_rejected(api, use_service, value):
    assert_error(api.get("/api/v1/quotes", {"sparkline": value}), 400, "invalid_period")


def test_an_unchanged_watchlist_answer_is_encoded_once_and_a_new_history_is_not_missed(
    use_service,
):
    from quotes.views import _quotes_with_sparklines_body

    quotes = tuple(use_service.quotes(["AAPL"]))
    line = use_service.sparkline("AAPL", "1d", "5m")
    first = _quotes_with_sparklines_body(quotes, (line,))
    assert _quotes_with_sparklines_body(quotes, (line,)) is first
    # a refreshed history is a new dict: it gets an answer of its own, never the old one
    refreshed = line | {"closes": [*line["closes"][:-1], line["closes"][-1] + 1]}
    again = _quotes_with_sparklines_body(quotes, (refreshed,))
    assert json.loads(again)["quotes"][0]["sparkline"]["closes"][-1] == line["closes"][-1] + 1
