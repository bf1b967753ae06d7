"""The values the API serves: Quote and History (with Candles), and their JSON form."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Quote:
    """The latest price of one symbol, with where it came from."""

    symbol: str
    name: str | None
    price: float
    currency: str
    previous_close: float
    change: float
    change_percent: float
    day_high: float
    day_low: float
    volume: int
    as_of: datetime
    source: str
    stale: bool = False

    def as_stale(self) -> Quote:
        return replace(self, stale=True)

    def to_json(self) -> dict[str, Any]:
        # Built by hand: dataclasses.asdict deep-copies every field, a hot spot under load.
        return {
            "symbol": self.symbol,
            "name": self.name,
            "price": self.price,
            "currency": self.currency,
            "previous_close": self.previous_close,
            "change": self.change,
            "change_percent": self.change_percent,
            "day_high": self.day_high,
            "day_low": self.day_low,
            "volume": self.volume,
            "as_of": iso_utc(self.as_of),
            "source": self.source,
            "stale": self.stale,
        }


@dataclass(frozen=True)
class Candle:
    """One OHLCV bar starting at `time`."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: int

    def to_json(self) -> dict[str, Any]:
        return {
            "time": iso_utc(self.time),
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
            "volume": self.volume,
        }


@dataclass(frozen=True)
class History:
    """OHLCV candles of one symbol, oldest first."""

    symbol: str
    period: str
    interval: str
    currency: str
    source: str
    as_of: datetime
    candles: tuple[Candle, ...] = field(default_factory=tuple)
    stale: bool = False

    def as_stale(self) -> History:
        return self._stale_copy

    @cached_property
    def _stale_copy(self) -> History:
        # Made once: during a back-off every lookup serves it, and its `encoded` body with it.
        return replace(self, stale=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "period": self.period,
            "interval": self.interval,
            "currency": self.currency,
            "source": self.source,
            "stale": self.stale,
            "as_of": iso_utc(self.as_of),
            "candles": [candle.to_json() for candle in self.candles],
        }

    @cached_property
    def sparkline(self) -> dict[str, Any]:
        """The compact form for a watchlist row: closes only, about a fourteenth of `encoded`."""
        return {
            "period": self.period,
            "interval": self.interval,
            "stale": self.stale,
            "closes": [candle.close for candle in self.candles],
        }

    @cached_property
    def encoded(self) -> bytes:
        """The JSON body, encoded once: a cached history (up to ~10k candles) is served often."""
        return json.dumps(self.to_json()).encode()
