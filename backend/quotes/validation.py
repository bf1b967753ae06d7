"""Validation of API input: symbols, symbol lists, period and interval."""

from __future__ import annotations

import re

from quotes.periods import INTERVALS, PERIODS, combination_allowed

# Sparkline period -> candle interval: what `/quotes?sparkline=` can add to each quote.
SPARKLINE_INTERVALS = {"1d": "5m"}

# Case-insensitive on input; matched before upper-casing so that no Unicode case mapping
# (e.g. "ß" -> "SS") can turn a non-symbol into one.
SYMBOL_PATTERN = re.compile(r"[A-Za-z0-9^][A-Za-z0-9.\-=^]{0,14}")


class InvalidRequest(Exception):
    """Input the API refuses: becomes a 400 with `code` and `message`."""

    status = 400

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_symbol(raw: str) -> str:
    """One symbol, upper-cased; case-insensitive on input."""
    if not SYMBOL_PATTERN.fullmatch(raw):
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise InvalidRequest(
            "invalid_symbol",
            f"{shown!r} is not a ticker symbol (1-15 characters: letters, digits, . - = ^)",
        )
    return raw.upper()


def parse_symbol_list(raw: str | None, default: list[str], maximum: int) -> list[str]:
    """A comma-separated list of distinct symbols in request order; `default` when absent."""
    items = [item for item in (raw or "").split(",") if item.strip()]
    if not items:
        return list(default)
    symbols = list(dict.fromkeys(parse_symbol(item.strip()) for item in items))
    if len(symbols) > maximum:
        raise InvalidRequest(
            "too_many_symbols", f"{len(symbols)} symbols requested; at most {maximum} per request"
        )
    return symbols


def parse_period_interval(period: str | None, interval: str | None) -> tuple[str, str]:
    """A (period, interval) pair Yahoo accepts; defaults 1d and 5m."""
    period = "1d" if period is None else period
    interval = "5m" if interval is None else interval
    if period not in PERIODS:
        raise InvalidRequest("invalid_period", f"period must be one of {', '.join(PERIODS)}")
    if interval not in INTERVALS:
        raise InvalidRequest("invalid_interval", f"interval must be one of {', '.join(INTERVALS)}")
    if not combination_allowed(period, interval):
        raise InvalidRequest(
            "unsupported_combination",
            f"interval {interval} is not available over period {period} "
            "(1m: up to 5d; 2m-90m: up to 1mo; 60m/1h: up to 2y)",
        )
    return period, interval


def parse_sparkline(raw: str | None) -> str | None:
    """The sparkline period asked for, or None when the parameter is absent."""
    if raw is None:
        return None
    if raw not in SPARKLINE_INTERVALS:
        raise InvalidRequest(
            "invalid_period", f"sparkline must be one of {', '.join(SPARKLINE_INTERVALS)}"
        )
    return raw
