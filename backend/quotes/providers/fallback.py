"""Provider composition: per-provider metrics, and `auto` (Yahoo, else simulated)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from quotes.metrics import UPSTREAM_ERRORS, UPSTREAM_FETCH_SECONDS
from quotes.providers import Provider, UpstreamError
from quotes.records import History, Quote

log = logging.getLogger(__name__)


class MeasuredProvider:
    """Records fetch latency and errors of the provider it wraps, under that provider's name."""

    def __init__(self, provider: Provider):
        self.provider = provider
        self.name = provider.name

    def _measure(self, operation: str, call: Callable[[], Any]) -> Any:
        with UPSTREAM_FETCH_SECONDS.labels(provider=self.name, operation=operation).time():
            try:
                return call()
            except UpstreamError as error:
                UPSTREAM_ERRORS.labels(provider=self.name, reason=error.reason).inc()
                raise

    def quote(self, symbol: str) -> Quote:
        return self._measure("quote", lambda: self.provider.quote(symbol))

    def history(self, symbol: str, period: str, interval: str) -> History:
        return self._measure("history", lambda: self.provider.history(symbol, period, interval))


class FallbackProvider:
    """Ask `primary`; when it is unreachable or rate-limiting, answer from `fallback`.

    After such a failure the primary is left alone for `cooldown` seconds, so a rate-limited
    Yahoo is not hammered. "No data" is an answer, not an outage: it is passed on.
    The `source` of each answer is whichever provider produced it.
    """

    name = "auto"

    def __init__(
        self,
        primary: Provider,
        fallback: Provider,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.primary = primary
        self.fallback = fallback
        self.cooldown = cooldown
        self.clock = clock
        self._skip_primary_until = float("-inf")

    def _call(self, operation: str, *args: str) -> Any:
        if self.clock() >= self._skip_primary_until:
            try:
                return getattr(self.primary, operation)(*args)
            except UpstreamError as error:
                if error.reason == "empty":
                    raise
                self._skip_primary_until = self.clock() + self.cooldown
                log.warning(
                    "primary provider failed, falling back for %.0fs",
                    self.cooldown,
                    extra={"provider": error.provider, "reason": error.reason, "error": str(error)},
                )
        return getattr(self.fallback, operation)(*args)

    def quote(self, symbol: str) -> Quote:
        return self._call("quote", symbol)

    def history(self, symbol: str, period: str, interval: str) -> History:
        return self._call("history", symbol, period, interval)
