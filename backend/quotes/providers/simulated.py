"""Simulated prices: a seeded, mean-reverting random walk per symbol, trading around the clock.

Daily closes follow an Ornstein-Uhlenbeck walk in log price around a realistic base price; each
day is filled in minute by minute with a Brownian bridge between its open and close. Every value
is a pure function of (seed, symbol, time), so all workers and replicas agree on every price.
"""

from __future__ import annotations

import hashlib
import math
import random
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from quotes.periods import INTRADAY_MINUTES, PERIOD_LENGTH
from quotes.records import Candle, History, Quote

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
MINUTES_PER_DAY = 24 * 60
# Daily pull back towards the base price: keeps decades of walk within a plausible band.
MEAN_REVERSION = 0.002
SOURCE = "simulated"


@dataclass(frozen=True)
class Instrument:
    """What the walk needs to look like the real thing."""

    name: str | None
    base_price: float
    currency: str
    tick: float
    daily_volatility: float
    daily_volume: int


INSTRUMENTS = {
    "AAPL": Instrument("Apple Inc.", 230.0, "USD", 0.01, 0.017, 55_000_000),
    "MSFT": Instrument("Microsoft Corporation", 420.0, "USD", 0.01, 0.015, 22_000_000),
    "GOOGL": Instrument("Alphabet Inc.", 170.0, "USD", 0.01, 0.018, 28_000_000),
    "AMZN": Instrument("Amazon.com, Inc.", 190.0, "USD", 0.01, 0.02, 45_000_000),
    "NVDA": Instrument("NVIDIA Corporation", 130.0, "USD", 0.01, 0.03, 250_000_000),
    "TSLA": Instrument("Tesla, Inc.", 250.0, "USD", 0.01, 0.035, 95_000_000),
    "META": Instrument("Meta Platforms, Inc.", 560.0, "USD", 0.01, 0.022, 15_000_000),
    "BRK-B": Instrument("Berkshire Hathaway Inc.", 460.0, "USD", 0.01, 0.01, 4_000_000),
    "^GSPC": Instrument("S&P 500", 5800.0, "USD", 0.01, 0.009, 3_500_000_000),
    "EURUSD=X": Instrument("EUR/USD", 1.08, "USD", 0.0001, 0.005, 0),
    "BTC-USD": Instrument("Bitcoin USD", 65000.0, "USD", 0.01, 0.03, 30_000_000_000),
}


@lru_cache(maxsize=1024)  # asked once per rounded price: thousands of times per history
def instrument_for(symbol: str) -> Instrument:
    """The known instrument, or a stable made-up one derived from the symbol's hash."""
    known = INSTRUMENTS.get(symbol)
    if known is not None:
        return known
    digest = int.from_bytes(hashlib.sha256(symbol.encode()).digest()[:8], "big")
    if symbol.endswith("=X"):
        return Instrument(None, 0.5 + (digest % 1500) / 1000, "USD", 0.0001, 0.005, 0)
    base = 10 + (digest % 49_000) / 100
    return Instrument(None, base, "USD", 0.01, 0.02, 1_000_000 + digest % 49_000_000)


@dataclass(frozen=True)
class _DailyPath:
    closes: array  # close of day d (day 0 = EPOCH); day d opens at closes[d - 1]
    high_shocks: array  # |N(0,1)| per day: how far the high reaches above max(open, close)
    low_shocks: array
    volumes: array


@dataclass(frozen=True)
class _MinutePath:
    prices: array  # price at each minute boundary 0..1440 of one day
    volumes: array  # volume traded in each minute 0..1439


@lru_cache(maxsize=64)
def _daily_path(seed: int, symbol: str, days: int) -> _DailyPath:
    info = instrument_for(symbol)
    rng = random.Random(f"{seed}:{symbol}:daily")  # noqa: S311 - a reproducible walk, not a secret
    path = _DailyPath(array("d"), array("d"), array("d"), array("d"))
    log_offset = 0.0
    for _ in range(days + 1):
        log_offset = log_offset * (1 - MEAN_REVERSION) + rng.gauss(0.0, info.daily_volatility)
        path.closes.append(info.base_price * math.exp(log_offset))
        path.high_shocks.append(abs(rng.gauss(0.0, 1.0)))
        path.low_shocks.append(abs(rng.gauss(0.0, 1.0)))
        path.volumes.append(info.daily_volume * rng.lognormvariate(0.0, 0.3))
    return path


@lru_cache(maxsize=32)
def _minute_path(
    seed: int, symbol: str, day: int, open_: float, close: float, volume: float
) -> _MinutePath:
    info = instrument_for(symbol)
    rng = random.Random(f"{seed}:{symbol}:{day}")  # noqa: S311 - reproducible by design
    step = info.daily_volatility / math.sqrt(MINUTES_PER_DAY)
    walk = [0.0]
    for _ in range(MINUTES_PER_DAY):
        walk.append(walk[-1] + rng.gauss(0.0, step))
    # Brownian bridge: bend the free walk so the day ends exactly at its close.
    drift = walk[-1] - math.log(close / open_)
    prices = array(
        "d", (open_ * math.exp(w - drift * k / MINUTES_PER_DAY) for k, w in enumerate(walk))
    )
    weights = [0.5 + rng.random() for _ in range(MINUTES_PER_DAY)]
    total = sum(weights)
    return _MinutePath(prices, array("d", (volume * w / total for w in weights)))


class SimulatedProvider:
    """Deterministic prices for any valid symbol; never fails, never touches the network."""

    name = SOURCE

    def __init__(self, seed: int, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.seed = seed
        self.clock = clock

    # --- the walk ----------------------------------------------------------------------------

    def _daily(self, symbol: str, day: int) -> _DailyPath:
        return _daily_path(self.seed, symbol, day)

    def _minutes(self, symbol: str, day: int, daily: _DailyPath) -> _MinutePath:
        return _minute_path(
            self.seed,
            symbol,
            day,
            self._open(symbol, day, daily),
            daily.closes[day],
            daily.volumes[day],
        )

    @staticmethod
    def _open(symbol: str, day: int, daily: _DailyPath) -> float:
        return daily.closes[day - 1] if day > 0 else instrument_for(symbol).base_price

    @staticmethod
    def _round(symbol: str, price: float) -> float:
        tick = instrument_for(symbol).tick
        decimals = max(0, -math.floor(math.log10(tick)))
        return round(round(price / tick) * tick, decimals)

    def _bar(self, symbol: str, start: datetime, points: list[float], volume: float) -> Candle:
        rnd = self._round
        return Candle(
            time=start,
            open=rnd(symbol, points[0]),
            high=rnd(symbol, max(points)),
            low=rnd(symbol, min(points)),
            close=rnd(symbol, points[-1]),
            volume=int(volume),
        )

    def _intraday_so_far(
        self, symbol: str, now: datetime, day: int, daily: _DailyPath
    ) -> tuple[list[float], float]:
        """Minute-boundary prices of `day` up to `now` (last one interpolated) and volume so far."""
        minutes = self._minutes(symbol, day, daily)
        seconds = (now - (EPOCH + timedelta(days=day))).total_seconds()
        minute, fraction = divmod(seconds / 60, 1)
        k = min(int(minute), MINUTES_PER_DAY - 1)
        current = minutes.prices[k] + (minutes.prices[k + 1] - minutes.prices[k]) * fraction
        volume = sum(minutes.volumes[:k]) + minutes.volumes[k] * fraction
        return [*minutes.prices[: k + 1], current], volume

    # --- Provider API -------------------------------------------------------------------------

    def quote(self, symbol: str) -> Quote:
        now = self.clock().replace(microsecond=0)
        day = (now - EPOCH).days
        daily = self._daily(symbol, day)
        points, volume = self._intraday_so_far(symbol, now, day, daily)
        info = instrument_for(symbol)
        price = self._round(symbol, points[-1])
        previous = self._round(symbol, self._open(symbol, day, daily))
        change = self._round(symbol, price - previous)
        return Quote(
            symbol=symbol,
            name=info.name,
            price=price,
            currency=info.currency,
            previous_close=previous,
            change=change,
            change_percent=round(change / previous * 100, 4),
            day_high=self._round(symbol, max(points)),
            day_low=self._round(symbol, min(points)),
            volume=int(volume),
            as_of=now,
            source=SOURCE,
        )

    def history(self, symbol: str, period: str, interval: str) -> History:
        now = self.clock().replace(microsecond=0)
        start = self._window_start(now, period)
        if interval in INTRADAY_MINUTES:
            candles = self._intraday_candles(symbol, start, now, INTRADAY_MINUTES[interval])
        else:
            candles = self._daily_candles(symbol, start, now, interval)
        return History(
            symbol=symbol,
            period=period,
            interval=interval,
            currency=instrument_for(symbol).currency,
            source=SOURCE,
            as_of=now,
            candles=tuple(candles),
        )

    # --- candles ------------------------------------------------------------------------------

    @staticmethod
    def _window_start(now: datetime, period: str) -> datetime:
        if period == "max":
            return EPOCH
        if period == "ytd":
            return datetime(now.year, 1, 1, tzinfo=UTC)
        return max(EPOCH, now - PERIOD_LENGTH[period])

    def _intraday_candles(
        self, symbol: str, start: datetime, now: datetime, width: int
    ) -> Iterator[Candle]:
        today = (now - EPOCH).days
        daily = self._daily(symbol, today)
        first_day = (start - EPOCH).days
        for day in range(first_day, today + 1):
            minutes = self._minutes(symbol, day, daily)
            prices, volumes = list(minutes.prices), list(minutes.volumes)
            if day == today:
                prices, volume_so_far = self._intraday_so_far(symbol, now, day, daily)
                full = len(prices) - 2  # minutes completed before the current one
                volumes = [*volumes[:full], volume_so_far - sum(volumes[:full])]
            midnight = EPOCH + timedelta(days=day)
            first_bar = 0
            if day == first_day:
                first_bar = int((start - midnight).total_seconds() // 60) // width * width
            for k in range(first_bar, len(prices) - 1, width):
                points = prices[k : k + width + 1]
                yield self._bar(
                    symbol, midnight + timedelta(minutes=k), points, sum(volumes[k : k + width])
                )

    def _day_bar(
        self, symbol: str, day: int, now: datetime, daily: _DailyPath
    ) -> tuple[float, float, float, float, float]:
        """(open, high, low, close, volume) of one day; today's is the part traded so far."""
        if day == (now - EPOCH).days:
            points, volume = self._intraday_so_far(symbol, now, day, daily)
            return points[0], max(points), min(points), points[-1], volume
        open_, close = self._open(symbol, day, daily), daily.closes[day]
        spread = instrument_for(symbol).daily_volatility * 0.4
        high = max(open_, close) * math.exp(daily.high_shocks[day] * spread)
        low = min(open_, close) * math.exp(-daily.low_shocks[day] * spread)
        return open_, high, low, close, daily.volumes[day]

    @staticmethod
    def _bucket_start(day: date, interval: str) -> date:
        if interval == "1d":
            return day
        if interval == "5d":
            offset = (day - EPOCH.date()).days % 5
            return day - timedelta(days=offset)
        if interval == "1wk":
            return day - timedelta(days=day.weekday())
        if interval == "1mo":
            return day.replace(day=1)
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)  # 3mo: calendar quarter

    def _daily_candles(
        self, symbol: str, start: datetime, now: datetime, interval: str
    ) -> list[Candle]:
        today = (now - EPOCH).days
        daily = self._daily(symbol, today)
        first_day = (start - EPOCH).days
        first_bucket = self._bucket_start((EPOCH + timedelta(days=first_day)).date(), interval)
        candles: list[Candle] = []
        bucket: date | None = None
        bars: list[tuple[float, float, float, float, float]] = []
        for day in range(max(0, (first_bucket - EPOCH.date()).days), today + 1):
            this_bucket = self._bucket_start((EPOCH + timedelta(days=day)).date(), interval)
            if bucket is not None and this_bucket != bucket:
                candles.append(self._merge(symbol, bucket, bars))
                bars = []
            bucket = this_bucket
            bars.append(self._day_bar(symbol, day, now, daily))
        if bucket is not None:
            candles.append(self._merge(symbol, bucket, bars))
        return candles

    def _merge(self, symbol: str, bucket: date, bars: list[tuple[float, ...]]) -> Candle:
        rnd = self._round
        return Candle(
            time=datetime(bucket.year, bucket.month, bucket.day, tzinfo=UTC),
            open=rnd(symbol, bars[0][0]),
            high=rnd(symbol, max(bar[1] for bar in bars)),
            low=rnd(symbol, min(bar[2] for bar in bars)),
            close=rnd(symbol, bars[-1][3]),
            volume=int(sum(bar[4] for bar in bars)),
        )
