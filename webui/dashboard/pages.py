"""What each page shows, assembled from backend calls; plain functions the views render."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings

from dashboard import charts, formatting
from dashboard.backend import BackendClient, BackendRejected, Fetch, Pending
from dashboard.balancing import Balancer
from dashboard.budget import Deadline
from dashboard.payloads import Candle, History, Quote

# Matched with fullmatch: `$` would also accept a trailing newline ("/symbol/AAPL%0A").
SYMBOL = re.compile(r"[A-Z0-9^][A-Z0-9.\-=^]{0,14}")
# Chart period -> candle interval; each pair is one Yahoo accepts (intraday data only reaches
# back 60 days, hourly two years).
PERIODS = {"1d": "5m", "5d": "30m", "1mo": "1h", "6mo": "1d", "1y": "1d"}
# Big charts kept, keyed by their candles: a few symbols times five periods.
CHARTS_KEPT = 32
# Watchlist rows kept, keyed by the quotes they show: the current answer and the one it replaces.
ROW_SETS_KEPT = 4


@functools.cache
def client() -> BackendClient:
    """The process-wide backend client (built on first use, i.e. after gunicorn forks)."""
    balancer = None
    if settings.BACKEND_PODS_HOST:
        balancer = Balancer(settings.BACKEND_PODS_HOST)
        balancer.start()
    return BackendClient(
        settings.BACKEND_URL,
        settings.BACKEND_CONNECT_TIMEOUT,
        settings.BACKEND_READ_TIMEOUT,
        settings.BACKEND_MAX_IN_FLIGHT,
        balancer=balancer,
    )


def deadline() -> Deadline:
    """The budget of a page that starts now."""
    return Deadline.after(settings.PAGE_BUDGET_SECONDS)


def _history(pending: Pending[History]) -> Fetch[History]:
    """A history, or an empty Fetch when the backend refuses this one (the page goes on)."""
    try:
        return pending.result()
    except BackendRejected as rejection:
        return Fetch(None, None, fresh=False, error=rejection.code)


@dataclass(frozen=True)
class Row:
    quote: Quote
    sparkline: charts.Sparkline | None
    range_position: float | None  # where the price sits in the day's range, 0..100


@dataclass(frozen=True)
class WatchlistPage:
    rows: tuple[Row, ...]
    fetched_at: datetime | None
    degraded: bool  # showing last-good data
    unavailable: bool  # nothing to show at all
    data_since: datetime | None  # oldest as-of on the page: what "data age" means
    overran: bool  # the budget ran out before the backend answered


def _range_position(quote: Quote) -> float | None:
    if quote.day_low is None or quote.day_high is None or quote.day_high <= quote.day_low:
        return None
    position = (quote.price - quote.day_low) / (quote.day_high - quote.day_low) * 100
    return round(float(min(max(position, Decimal(0)), Decimal(100))), 1)


def _sparkline(quote: Quote) -> charts.Sparkline | None:
    if quote.sparkline is None:
        return None
    return charts.sparkline(quote.sparkline, quote.previous_close)


def watchlist_page(backend: BackendClient, deadline: Deadline) -> WatchlistPage:
    """One backend call: the quotes with their sparklines, or the last good answer to it."""
    quotes = backend.quotes(deadline).result()
    if quotes.value is None:
        return WatchlistPage((), None, False, True, None, quotes.overran)
    data_since = min((q.as_of for q in quotes.value), default=quotes.fetched_at)
    return WatchlistPage(
        _rows(quotes.value), quotes.fetched_at, quotes.degraded, False, data_since, quotes.overran
    )


@functools.lru_cache(maxsize=ROW_SETS_KEPT)
def _rows(quotes: tuple[Quote, ...]) -> tuple[Row, ...]:
    """The rows of the same quotes are the same rows: a page's table and each row's HTML are kept
    by them (templatetags/watchlist_rows.py), and equal rows built once compare at a glance."""
    return tuple(Row(quote, _sparkline(quote), _range_position(quote)) for quote in quotes)


@dataclass(frozen=True)
class PeriodStats:
    high: Decimal
    low: Decimal
    change: Decimal
    change_percent: Decimal | None
    direction: str


def _period_stats(history: History) -> PeriodStats | None:
    if not history.candles:
        return None
    first, last = history.candles[0].close, history.candles[-1].close
    change = last - first
    percent = (change / first * 100) if first else None
    return PeriodStats(
        max(c.high for c in history.candles),
        min(c.low for c in history.candles),
        change,
        percent,
        charts.direction(change),
    )


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _price_chart(
    candles: tuple[Candle, ...], period: str, currency: str
) -> charts.PriceChart | None:
    """The big chart, drawn once for the same candles (a history changes slowly)."""
    return charts.price_chart(
        [c.time for c in candles],
        [c.close for c in candles],
        period,
        lambda value: formatting.money(value, currency),
    )


@dataclass(frozen=True)
class SymbolPage:
    symbol: str
    period: str
    quote: Fetch[Quote]
    history: Fetch[History]
    chart: charts.PriceChart | None
    stats: PeriodStats | None

    @property
    def degraded(self) -> bool:
        return self.quote.degraded or self.history.degraded

    @property
    def unavailable(self) -> bool:
        return self.quote.value is None and self.history.value is None

    @property
    def overran(self) -> bool:
        return self.quote.overran or self.history.overran

    @property
    def fetched_at(self) -> datetime | None:
        """The oldest moment any shown data was fetched (what the degraded banner names)."""
        moments = [f.fetched_at for f in (self.quote, self.history) if f.fetched_at]
        return min(moments, default=None)

    @property
    def data_since(self) -> datetime | None:
        moments = [f.value.as_of for f in (self.quote, self.history) if f.value is not None]
        return min(moments, default=None)


def symbol_page(backend: BackendClient, symbol: str, period: str, deadline: Deadline) -> SymbolPage:
    """Quote and history side by side, the history kept a while (it changes slowly).

    Raises `BackendRejected` when the backend says the symbol does not exist."""
    pending_quote = backend.quote(symbol, deadline)
    pending_history = backend.history(
        symbol, period, PERIODS[period], deadline, max_age=settings.HISTORY_CACHE_SECONDS
    )
    quote = pending_quote.result()
    history = _history(pending_history)
    chart = stats = None
    if history.value is not None:
        chart = _price_chart(history.value.candles, period, history.value.currency)
        stats = _period_stats(history.value)
    return SymbolPage(symbol, period, quote, history, chart, stats)
