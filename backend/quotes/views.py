"""Thin JSON views: parse input, ask QuoteService, shape the answer."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from quotes.faults import injected_fault
from quotes.openapi import OPENAPI_DOCUMENT
from quotes.providers import UpstreamError
from quotes.records import Quote
from quotes.service import get_service
from quotes.validation import (
    SPARKLINE_INTERVALS,
    InvalidRequest,
    parse_period_interval,
    parse_sparkline,
    parse_symbol,
    parse_symbol_list,
)
from servicekit.health import json_error, require_get


def json_api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An API view: GET-only, fault knobs applied, bad input and upstream trouble as JSON errors."""

    @require_get
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fault = injected_fault()
        if fault is not None:
            return fault
        try:
            return view(request, *args, **kwargs)
        except InvalidRequest as error:
            return json_error(error.status, error.code, error.message)
        except UpstreamError as error:
            if error.reason == "empty":
                return json_error(404, "not_found", str(error))
            response = json_error(503, "upstream_unavailable", str(error))
            response["Retry-After"] = "5"
            return response

    return wrapper


# The document is static: encoded once, not on every request.
_OPENAPI_BODY = json.dumps(OPENAPI_DOCUMENT).encode()


@json_api
def symbols(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"symbols": settings.WATCHLIST})


@lru_cache(maxsize=256)
def _quotes_body(quotes: tuple[Quote, ...]) -> bytes:
    """The encoded answer for exactly these quotes: while they are cached, so is the body."""
    return json.dumps({"quotes": [quote.to_json() for quote in quotes]}).encode()


# Answers with sparklines, by their quotes and the identity of their sparkline dicts (each one
# made once per cached history). Each entry holds those dicts, so while it lives no other object
# can take their ids: an identity key is safe, and costs nothing next to hashing ~1,700 closes.
_SPARKLINE_BODIES_KEPT = 64
_sparkline_bodies: OrderedDict[tuple, tuple[bytes, tuple]] = OrderedDict()
_sparkline_bodies_lock = threading.Lock()


def _quotes_with_sparklines_body(
    quotes: tuple[Quote, ...], sparklines: tuple[dict[str, Any] | None, ...]
) -> bytes:
    """The encoded answer for these quotes and sparklines: the webui's every watchlist page."""
    key = (quotes, tuple(map(id, sparklines)))
    with _sparkline_bodies_lock:
        kept = _sparkline_bodies.get(key)
    if kept is not None:
        return kept[0]
    body = json.dumps(
        {
            "quotes": [
                quote.to_json() | {"sparkline": line}
                for quote, line in zip(quotes, sparklines, strict=True)
            ]
        }
    ).encode()
    with _sparkline_bodies_lock:
        _sparkline_bodies[key] = (body, sparklines)
        while len(_sparkline_bodies) > _SPARKLINE_BODIES_KEPT:
            _sparkline_bodies.popitem(last=False)
    return body


@json_api
def quote_list(request: HttpRequest) -> HttpResponse:
    service = get_service()
    wanted = parse_symbol_list(
        request.GET.get("symbols"), service.watchlist, settings.MAX_SYMBOLS_PER_REQUEST
    )
    sparkline = parse_sparkline(request.GET.get("sparkline"))
    quotes = tuple(service.quotes(wanted))
    if sparkline is None:
        return HttpResponse(_quotes_body(quotes), content_type="application/json")
    # One answer for a whole watchlist page: quotes plus each symbol's closes (compact history).
    interval = SPARKLINE_INTERVALS[sparkline]
    sparklines = tuple(service.sparkline(quote.symbol, sparkline, interval) for quote in quotes)
    body = _quotes_with_sparklines_body(quotes, sparklines)
    return HttpResponse(body, content_type="application/json")


@json_api
def quote_detail(request: HttpRequest, symbol: str) -> HttpResponse:
    return JsonResponse(get_service().quote(parse_symbol(symbol)).to_json())


@json_api
def history(request: HttpRequest, symbol: str) -> HttpResponse:
    symbol = parse_symbol(symbol)
    period, interval = parse_period_interval(request.GET.get("period"), request.GET.get("interval"))
    found = get_service().history(symbol, period, interval)
    return HttpResponse(found.encoded, content_type="application/json")


@json_api
def openapi(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_OPENAPI_BODY, content_type="application/json")


@require_get
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: able to serve quotes (warm cache or a provider that answers)."""
    ready, detail = get_service().readiness()
    status = {"status": "ready"} if ready else {"status": "not_ready"}
    return JsonResponse(status | detail, status=200 if ready else 503)
