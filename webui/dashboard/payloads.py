"""Typed views of the backend's JSON (Quote, History); parsing fails loudly on a malformed body."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")
# Bodies kept with what they parse to: the backend answers the same bytes while its caches hold
# (one answer per backend worker), and decoding a watchlist's 1,700 closes again is most of a
# call's CPU. Few, since a history body can be large; the last-good cache keeps the values.
BODIES_KEPT = 16


class PayloadError(ValueError):
    """The backend answered 2xx with a body that does not follow the API contract."""


def _field(body: Any, name: str) -> Any:
    if not isinstance(body, dict) or name not in body:
        raise PayloadError(f"missing field {name!r}")
    return body[name]


def _number(body: Any, name: str, *, optional: bool = False) -> Decimal | None:
    value = _field(body, name)
    if value is None and optional:
        return None
    # bool is an int subclass; a true/false price is a broken payload, not 1 or 0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"field {name!r} is not a number")
    if not math.isfinite(value):
        raise PayloadError(f"field {name!r} is not finite")
    return Decimal(str(value))


def _text(body: Any, name: str, *, optional: bool = False) -> str | None:
    value = _field(body, name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise PayloadError(f"field {name!r} is not a string")
    return value


def _time(body: Any, name: str) -> datetime:
    text = _text(body, name)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise PayloadError(f"field {name!r} is not an ISO 8601 time") from error
    if moment.tzinfo is None:
        raise PayloadError(f"field {name!r} has no time zone")
    return moment


@dataclass(frozen=True)
class Quote:
    symbol: str
    name: str | None
    price: Decimal
    currency: str
    previous_close: Decimal | None
    change: Decimal | None
    change_percent: Decimal | None
    day_high: Decimal | None
    day_low: Decimal | None
    volume: int | None
    as_of: datetime
    source: str
    stale: bool
    sparkline: tuple[float, ...] | None = None  # today's closes, when asked for with the quotes

    def __hash__(self) -> int:
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        # Hashed once: quotes key the kept rows and tables of every page, and hashing a quote
        # means hashing its ~290 closes.
        return hash(tuple(getattr(self, field.name) for field in fields(self)))

    @property
    def badge(self) -> str:
        """What the source badge says: stale beats live/simulated."""
        if self.stale:
            return "stale"
        return "live" if self.source == "yfinance" else "simulated"

    @property
    def direction(self) -> str:
        if not self.change:
            return "flat"
        return "up" if self.change > 0 else "down"


@dataclass(frozen=True)
class Candle:
    time: datetime
    close: Decimal
    high: Decimal
    low: Decimal


@dataclass(frozen=True)
class History:
    symbol: str
    period: str
    interval: str
    currency: str
    source: str
    stale: bool
    as_of: datetime
    candles: tuple[Candle, ...]


def _closes(body: Any) -> tuple[float, ...] | None:
    """The closes of a quote's optional `sparkline` (absent or null: no sparkline).

    Plain floats, not Decimals: they only place points on a small line, and a watchlist page
    carries some 1,700 of them."""
    if not isinstance(body, dict) or body.get("sparkline") is None:
        return None
    closes = _field(body["sparkline"], "closes")
    if not isinstance(closes, list) or not all(
        type(close) in (int, float) and math.isfinite(close) for close in closes
    ):
        raise PayloadError("field 'closes' is not a list of finite numbers")
    return tuple(map(float, closes))


def parse_quote(body: Any) -> Quote:
    volume = _field(body, "volume")
    if volume is not None and (isinstance(volume, bool) or not isinstance(volume, int)):
        raise PayloadError("field 'volume' is not an integer")
    stale = _field(body, "stale")
    if not isinstance(stale, bool):
        raise PayloadError("field 'stale' is not a boolean")
    return Quote(
        symbol=_text(body, "symbol"),
        name=_text(body, "name", optional=True),
        price=_number(body, "price"),
        currency=_text(body, "currency"),
        previous_close=_number(body, "previous_close", optional=True),
        change=_number(body, "change", optional=True),
        change_percent=_number(body, "change_percent", optional=True),
        day_high=_number(body, "day_high", optional=True),
        day_low=_number(body, "day_low", optional=True),
        volume=volume,
        as_of=_time(body, "as_of"),
        source=_text(body, "source"),
        stale=stale,
        sparkline=_closes(body),
    )


def parse_quotes(body: Any) -> tuple[Quote, ...]:
    items = _field(body, "quotes")
    if not isinstance(items, list):
        raise PayloadError("field 'quotes' is not a list")
    return tuple(parse_quote(item) for item in items)


def parse_history(body: Any) -> History:
    items = _field(body, "candles")
    if not isinstance(items, list):
        raise PayloadError("field 'candles' is not a list")
    candles = tuple(
        Candle(
            time=_time(item, "time"),
            close=_number(item, "close"),
            high=_number(item, "high"),
            low=_number(item, "low"),
        )
        for item in items
    )
    return History(
        symbol=_text(body, "symbol"),
        period=_text(body, "period"),
        interval=_text(body, "interval"),
        currency=_text(body, "currency"),
        source=_text(body, "source"),
        stale=bool(_field(body, "stale")),
        as_of=_time(body, "as_of"),
        candles=candles,
    )


@functools.lru_cache(maxsize=BODIES_KEPT)
def decoded(parse: Callable[[Any], T], body: bytes) -> T:
    """`parse` of the JSON `body`, reused for the same bytes (the values are immutable).

    Raises ValueError (undecodable JSON, or a PayloadError from `parse`); failures are not kept."""
    return parse(json.loads(body))
