"""Price providers: what every provider offers and how it reports an upstream failure."""

from __future__ import annotations

from typing import Protocol

from quotes.records import History, Quote

# Values of the `reason` label of stockwatch_upstream_errors_total.
REASONS = ("rate_limited", "timeout", "empty", "network", "other")


class UpstreamError(Exception):
    """A provider could not answer; `reason` is one of REASONS."""

    def __init__(self, provider: str, reason: str, message: str):
        if reason not in REASONS:
            raise ValueError(f"unknown upstream error reason {reason!r}")
        super().__init__(f"{provider}: {reason}: {message}")
        self.provider = provider
        self.reason = reason


class Provider(Protocol):
    """A source of quotes and candles, named in metrics and /readyz (`auto` for the fallback)."""

    name: str

    def quote(self, symbol: str) -> Quote: ...

    def history(self, symbol: str, period: str, interval: str) -> History: ...
