"""Real quotes and candles from Yahoo Finance through yfinance.

yfinance pulls in pandas and numpy (~40 MiB per process), so it is imported on first use only:
workers that serve simulated prices never load it.
"""

from __future__ import annotations

import logging
import math
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from quotes.providers import UpstreamError
from quotes.records import Candle, History, Quote

SOURCE = "yfinance"
log = logging.getLogger(__name__)


@cache
def _yfinance() -> Any:
    """Import and configure yfinance once per process."""
    import yfinance

    # Raise errors instead of logging them and returning an empty frame.
    yfinance.config.debug.hide_exceptions = False
    # yfinance keeps small SQLite caches (this call moves all); in the image only /tmp is writable.
    yfinance.set_tz_cache_location(str(Path(tempfile.gettempdir()) / "py-yfinance"))
    return yfinance


@contextmanager
def _translated_errors(symbol: str) -> Iterator[None]:
    """Turn whatever yfinance and curl_cffi raise into an UpstreamError with a `reason`."""
    from curl_cffi.requests import exceptions as http
    from yfinance import exceptions as yf

    try:
        yield
    except UpstreamError:
        raise
    except yf.YFRateLimitError as error:
        raise UpstreamError(SOURCE, "rate_limited", f"{symbol}: {error}") from error
    except yf.YFTickerMissingError as error:
        raise UpstreamError(SOURCE, "empty", f"no data for {symbol}: {error}") from error
    except http.Timeout as error:
        raise UpstreamError(SOURCE, "timeout", f"{symbol}: {error}") from error
    except http.HTTPError as error:
        status = getattr(getattr(error, "response", None), "status_code", None)
        reason = "rate_limited" if status == 429 else "network"
        raise UpstreamError(SOURCE, reason, f"{symbol}: HTTP {status}: {error}") from error
    except http.RequestException as error:
        raise UpstreamError(SOURCE, "network", f"{symbol}: {error}") from error
    except Exception as error:
        log.exception("unexpected yfinance failure", extra={"symbol": symbol})
        raise UpstreamError(
            SOURCE, "other", f"{symbol}: {type(error).__name__}: {error}"
        ) from error


def _number(value: Any) -> float | None:
    """A finite float, or None for missing/NaN values (pandas uses NaN for gaps)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _first(*values: Any) -> float | None:
    for value in values:
        number = _number(value)
        if number is not None:
            return number
    return None


def _utc(moment: Any) -> datetime:
    """A pandas Timestamp, datetime or epoch seconds as an aware UTC datetime."""
    if isinstance(moment, int | float):
        return datetime.fromtimestamp(moment, UTC)
    if hasattr(moment, "to_pydatetime"):
        moment = moment.to_pydatetime()
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class YahooProvider:
    """Quotes and history from Yahoo's chart API, one yfinance call each."""

    name = SOURCE

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._session: Any = None
        self._session_lock = threading.Lock()

    def _ticker(self, symbol: str) -> Any:
        yfinance = _yfinance()
        with self._session_lock:
            if self._session is None:
                from curl_cffi import requests as curl_requests

                # yfinance >= 1.0 only accepts curl_cffi sessions (browser impersonation);
                # one session is safe to share: it keeps a curl handle per thread.
                self._session = curl_requests.Session(impersonate="chrome")
        return yfinance.Ticker(symbol, session=self._session)

    def quote(self, symbol: str) -> Quote:
        ticker = self._ticker(symbol)
        with _translated_errors(symbol):
            frame = ticker.history(
                period="5d", interval="1d", auto_adjust=False, timeout=self.timeout
            )
            meta = ticker.history_metadata or {}
        rows = frame.dropna(subset=["Close"]) if not frame.empty else frame
        if rows.empty:
            raise UpstreamError(SOURCE, "empty", f"no price data for {symbol}")
        last = rows.iloc[-1]
        price = _first(meta.get("regularMarketPrice"), last["Close"])
        previous = _first(
            rows.iloc[-2]["Close"] if len(rows) > 1 else None,
            meta.get("chartPreviousClose"),
            meta.get("previousClose"),
            price,
        )
        change = price - previous
        return Quote(
            symbol=symbol,
            name=meta.get("longName") or meta.get("shortName"),
            price=price,
            currency=meta.get("currency") or "USD",
            previous_close=previous,
            change=round(change, 6),
            change_percent=round(change / previous * 100, 4) if previous else 0.0,
            day_high=_first(meta.get("regularMarketDayHigh"), last["High"], price),
            day_low=_first(meta.get("regularMarketDayLow"), last["Low"], price),
            volume=int(_first(meta.get("regularMarketVolume"), last["Volume"], 0)),
            as_of=_utc(meta.get("regularMarketTime") or rows.index[-1]),
            source=SOURCE,
        )

    def history(self, symbol: str, period: str, interval: str) -> History:
        ticker = self._ticker(symbol)
        with _translated_errors(symbol):
            frame = ticker.history(
                period=period, interval=interval, auto_adjust=False, timeout=self.timeout
            )
            meta = ticker.history_metadata or {}
        candles = tuple(
            Candle(
                time=_utc(moment),
                open=float(row.Open),
                high=float(row.High),
                low=float(row.Low),
                close=float(row.Close),
                volume=int(_first(row.Volume, 0)),
            )
            for moment, row in zip(frame.index, frame.itertuples(index=False), strict=True)
            if None
            not in (_number(row.Open), _number(row.High), _number(row.Low), _number(row.Close))
        )
        if not candles:
            raise UpstreamError(SOURCE, "empty", f"no {interval} candles for {symbol} ({period})")
        return History(
            symbol=symbol,
            period=period,
            interval=interval,
            currency=meta.get("currency") or "USD",
            source=SOURCE,
            as_of=datetime.now(UTC),
            candles=candles,
        )
