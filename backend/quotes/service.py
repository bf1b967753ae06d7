"""QuoteService: the provider behind two caches, wired from settings once per process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from django.conf import settings

from quotes.cache import QuoteCache
from quotes.metrics import QUOTE_PRICE
from quotes.providers import Provider, UpstreamError
from quotes.providers.fallback import FallbackProvider, MeasuredProvider
from quotes.providers.simulated import SimulatedProvider
from quotes.providers.yahoo import YahooProvider
from quotes.records import History, Quote


class QuoteService:
    """What the views ask for: quotes and history through the caches, and readiness."""

    def __init__(
        self,
        provider: Provider,
        watchlist: list[str],
        quote_ttl: float,
        history_ttl: float,
        *,
        concurrent_fetches: int = 1,
    ):
        self.provider = provider
        self.watchlist = watchlist
        self.quote_cache: QuoteCache[Quote] = QuoteCache("quote", quote_ttl)
        # Histories are up to ~10k candles each: keep fewer of them.
        self.history_cache: QuoteCache[History] = QuoteCache("history", history_ttl, max_entries=64)
        self._pool = (
            ThreadPoolExecutor(concurrent_fetches, thread_name_prefix="quote-fetch")
            if concurrent_fetches > 1
            else None
        )

    def _fetch_quote(self, symbol: str) -> Quote:
        quote = self.provider.quote(symbol)
        if symbol in self.watchlist:  # bounded label set: the gauge only tracks the watchlist
            QUOTE_PRICE.labels(symbol=symbol, source=quote.source).set(quote.price)
        return quote

    def quote(self, symbol: str) -> Quote:
        return self.quote_cache.get(symbol, lambda: self._fetch_quote(symbol))

    def quotes(self, symbols: list[str]) -> list[Quote]:
        """Quotes in request order; slow upstream misses are fetched side by side."""
        if self._pool is None or all(self.quote_cache.is_fresh(s) for s in symbols):
            return [self.quote(symbol) for symbol in symbols]
        return list(self._pool.map(self.quote, symbols))

    def history(self, symbol: str, period: str, interval: str) -> History:
        return self.history_cache.get(
            (symbol, period, interval), lambda: self.provider.history(symbol, period, interval)
        )

    def sparkline(self, symbol: str, period: str, interval: str) -> dict[str, Any] | None:
        """Compact closes of one symbol, or None when there is no history for it right now:
        a missing sparkline must not cost the whole quotes answer."""
        try:
            return self.history(symbol, period, interval).sparkline
        except UpstreamError:
            return None

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Ready when the quote cache is warm or the provider answers for the first symbol."""
        detail: dict[str, Any] = {"provider": self.provider.name}
        if not self.quote_cache.has_value():
            try:
                self.quote(self.watchlist[0])
            except UpstreamError as error:
                return False, detail | {"cache": "cold", "reason": error.reason}
        return True, detail | {"cache": "warm"}


def build_provider(kind: str, seed: int, timeout: float) -> Provider:
    """The provider PRICE_PROVIDER names, each real provider measured under its own name."""
    simulated = MeasuredProvider(SimulatedProvider(seed))
    if kind == "simulated":
        return simulated
    yahoo = MeasuredProvider(YahooProvider(timeout))
    return yahoo if kind == "yfinance" else FallbackProvider(yahoo, simulated)


@cache
def get_service() -> QuoteService:
    """The process-wide service (each gunicorn worker has its own caches)."""
    return QuoteService(
        build_provider(
            settings.PRICE_PROVIDER, settings.SIMULATION_SEED, settings.UPSTREAM_TIMEOUT_SECONDS
        ),
        settings.WATCHLIST,
        settings.QUOTE_TTL_SECONDS,
        settings.HISTORY_TTL_SECONDS,
        # Yahoo answers in hundreds of milliseconds: fetch a watchlist's misses in parallel.
        concurrent_fetches=1 if settings.PRICE_PROVIDER == "simulated" else 8,
    )
