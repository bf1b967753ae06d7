"""The OpenAPI 3 document of the backend API (hand-written; tests keep it in sync with urls)."""

from __future__ import annotations

from typing import Any

from backend_site import __version__

from quotes.periods import INTERVALS, PERIODS
from quotes.providers.simulated import SOURCE as SIMULATED
from quotes.providers.yahoo import SOURCE as YFINANCE
from quotes.validation import SPARKLINE_INTERVALS, SYMBOL_PATTERN

ERROR_CODES = [
    "invalid_symbol",
    "too_many_symbols",
    "invalid_period",
    "invalid_interval",
    "unsupported_combination",
    "not_found",
    "method_not_allowed",
    "upstream_unavailable",
    "fault_injected",
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict[str, Any]:
    meaning = {
        "400": "Invalid input",
        "404": "Unknown route or no data for the symbol",
        "503": "Upstream unavailable and nothing cached, or an injected fault",
    }
    return {status: _json(_ref("Error"), meaning[status]) for status in statuses}


def _object(properties: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties | (optional or {}),
    }


SYMBOL_PARAMETER = {
    "name": "symbol",
    "in": "path",
    "required": True,
    "description": "Ticker symbol, case-insensitive (e.g. AAPL, BRK-B, ^GSPC, EURUSD=X).",
    "schema": {"type": "string", "pattern": f"^{SYMBOL_PATTERN.pattern}$"},
}

_NUMBER = {"type": "number"}
_TIME = {"type": "string", "format": "date-time"}
_SOURCE = {"type": "string", "enum": [YFINANCE, SIMULATED]}

SCHEMAS: dict[str, Any] = {
    "Quote": _object(
        {
            "symbol": {"type": "string"},
            "name": {"type": ["string", "null"]},
            "price": _NUMBER,
            "currency": {"type": "string"},
            "previous_close": _NUMBER,
            "change": _NUMBER,
            "change_percent": _NUMBER,
            "day_high": _NUMBER,
            "day_low": _NUMBER,
            "volume": {"type": "integer"},
            "as_of": _TIME,
            "source": _SOURCE,
            "stale": {"type": "boolean"},
        },
        optional={"sparkline": {"oneOf": [_ref("Sparkline"), {"type": "null"}]}},
    ),
    "Sparkline": _object(
        {
            "period": {"type": "string", "enum": list(SPARKLINE_INTERVALS)},
            "interval": {"type": "string", "enum": list(SPARKLINE_INTERVALS.values())},
            "stale": {"type": "boolean"},
            "closes": {"type": "array", "items": _NUMBER},
        }
    ),
    "Candle": _object(
        {
            "time": _TIME,
            "open": _NUMBER,
            "high": _NUMBER,
            "low": _NUMBER,
            "close": _NUMBER,
            "volume": {"type": "integer"},
        }
    ),
    "History": _object(
        {
            "symbol": {"type": "string"},
            "period": {"type": "string", "enum": list(PERIODS)},
            "interval": {"type": "string", "enum": list(INTERVALS)},
            "currency": {"type": "string"},
            "source": _SOURCE,
            "stale": {"type": "boolean"},
            "as_of": _TIME,
            "candles": {"type": "array", "items": _ref("Candle")},
        }
    ),
    "Error": _object(
        {
            "error": _object(
                {"code": {"type": "string", "enum": ERROR_CODES}, "message": {"type": "string"}}
            )
        }
    ),
}

OPENAPI_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "stockwatch backend",
        "version": __version__,
        "description": "Stock quotes and OHLCV history from Yahoo Finance or a seeded simulation.",
    },
    "paths": {
        "/api/v1/symbols": {
            "get": {
                "operationId": "listSymbols",
                "summary": "The configured watchlist",
                "responses": {
                    "200": _json(
                        _object({"symbols": {"type": "array", "items": {"type": "string"}}}),
                        "Watchlist symbols",
                    ),
                    **_errors("503"),
                },
            }
        },
        "/api/v1/quotes": {
            "get": {
                "operationId": "listQuotes",
                "summary": "Latest quote of each requested symbol (default: the watchlist)",
                "parameters": [
                    {
                        "name": "symbols",
                        "in": "query",
                        "required": False,
                        "description": "Comma-separated symbols (at most MAX_SYMBOLS_PER_REQUEST).",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "sparkline",
                        "in": "query",
                        "required": False,
                        "description": (
                            "Add each quote's closes over this period as `sparkline` (null when "
                            "no history is available): a watchlist page in one request."
                        ),
                        "schema": {"type": "string", "enum": list(SPARKLINE_INTERVALS)},
                    },
                ],
                "responses": {
                    "200": _json(
                        _object({"quotes": {"type": "array", "items": _ref("Quote")}}), "Quotes"
                    ),
                    **_errors("400", "404", "503"),
                },
            }
        },
        "/api/v1/quotes/{symbol}": {
            "get": {
                "operationId": "getQuote",
                "summary": "Latest quote of one symbol",
                "parameters": [SYMBOL_PARAMETER],
                "responses": {
                    "200": _json(_ref("Quote"), "Quote"),
                    **_errors("400", "404", "503"),
                },
            }
        },
        "/api/v1/quotes/{symbol}/history": {
            "get": {
                "operationId": "getHistory",
                "summary": "OHLCV candles, oldest first",
                "parameters": [
                    SYMBOL_PARAMETER,
                    {
                        "name": "period",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(PERIODS), "default": "1d"},
                    },
                    {
                        "name": "interval",
                        "in": "query",
                        "required": False,
                        "description": "1m: period up to 5d; 2m-90m: up to 1mo; 60m/1h: up to 2y.",
                        "schema": {"type": "string", "enum": list(INTERVALS), "default": "5m"},
                    },
                ],
                "responses": {
                    "200": _json(_ref("History"), "Candles"),
                    **_errors("400", "404", "503"),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "responses": {
                    "200": _json({"type": "object"}, "OpenAPI document"),
                    **_errors("503"),
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Liveness: the process answers",
                "responses": {
                    "200": _json(_object({"status": {"type": "string", "enum": ["ok"]}}), "Alive")
                },
            }
        },
        "/readyz": {
            "get": {
                "operationId": "readyz",
                "summary": "Readiness: quotes can be served (warm cache or provider reachable)",
                "responses": {
                    status: _json(
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"type": "string", "enum": [value]}},
                        },
                        meaning,
                    )
                    for status, value, meaning in (
                        ("200", "ready", "Ready"),
                        ("503", "not_ready", "Not ready"),
                    )
                },
            }
        },
    },
    "components": {"schemas": SCHEMAS},
}
