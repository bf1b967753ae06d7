"""YahooProvider with yfinance mocked at the library boundary (Yahoo is unreachable here)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import yfinance
from curl_cffi import requests as curl_requests
from curl_cffi.requests import exceptions as http
from quotes.providers import UpstreamError
from quotes.providers.yahoo import YahooProvider
from yfinance import exceptions as yf

COLUMNS = ["Open", "High", "Low", "Close", "Adj Close", "Volume", "Dividends", "Stock Splits"]


def daily_frame() -> pd.DataFrame:
    """What Ticker.history(period="5d", interval="1d", auto_adjust=False) returns for AAPL."""
    index = pd.DatetimeIndex(
        pd.date_range("2026-02-24", periods=5, freq="B", tz="America/New_York"), name="Date"
    )
    rows = [
        [228.1, 230.2, 227.0, 229.5, 229.1, 41_000_000, 0.0, 0.0],
        [229.6, 231.0, 228.4, 230.8, 230.4, 38_500_000, 0.0, 0.0],
        [230.9, 233.3, 230.1, 232.7, 232.3, 45_200_000, 0.0, 0.0],
        [232.0, 232.5, 229.9, 231.2, 230.8, 39_900_000, 0.0, 0.0],
        [231.5, 234.1, 231.0, 233.9, 233.9, 21_300_000, 0.0, 0.0],
    ]
    return pd.DataFrame(rows, index=index, columns=COLUMNS)


def intraday_frame() -> pd.DataFrame:
    """Five-minute bars with one NaN gap, as Yahoo sends around halts."""
    index = pd.DatetimeIndex(
        pd.date_range("2026-03-02 09:30", periods=4, freq="5min", tz="America/New_York"),
        name="Datetime",
    )
    rows = [
        [233.0, 233.4, 232.8, 233.2, 233.2, 510_000, 0.0, 0.0],
        [np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 0.0, 0.0],
        [233.2, 233.9, 233.1, 233.8, 233.8, 420_000, 0.0, 0.0],
        [233.8, 234.0, 233.5, 233.6, 233.6, 0, 0.0, 0.0],
    ]
    return pd.DataFrame(rows, index=index, columns=COLUMNS)


METADATA = {
    "currency": "USD",
    "symbol": "AAPL",
    "instrumentType": "EQUITY",
    "regularMarketTime": pd.Timestamp("2026-03-02 15:59:58", tz="America/New_York"),
    "regularMarketPrice": 233.9,
    "regularMarketDayHigh": 234.1,
    "regularMarketDayLow": 231.0,
    "regularMarketVolume": 21_345_678,
    "longName": "Apple Inc.",
    "shortName": "Apple Inc.",
    "chartPreviousClose": 229.5,
}


class FakeTicker:
    """Stands in for yfinance.Ticker: returns a scripted frame or raises a scripted error."""

    frame: ClassVar[pd.DataFrame] = daily_frame()
    metadata: ClassVar[dict] = METADATA
    error: ClassVar[BaseException | None] = None
    calls: ClassVar[list] = []

    def __init__(self, symbol: str, session=None):
        self.symbol = symbol
        self.session = session

    def history(self, **kwargs) -> pd.DataFrame:
        FakeTicker.calls.append((self.symbol, self.session, kwargs))
        if FakeTicker.error is not None:
            raise FakeTicker.error
        return FakeTicker.frame

    @property
    def history_metadata(self) -> dict:
        return FakeTicker.metadata


@pytest.fixture
def ticker(monkeypatch):
    monkeypatch.setattr(yfinance, "Ticker", FakeTicker)
    monkeypatch.setattr(FakeTicker, "frame", daily_frame())
    monkeypatch.setattr(FakeTicker, "metadata", dict(METADATA))
    monkeypatch.setattr(FakeTicker, "error", None)
    monkeypatch.setattr(FakeTicker, "calls", [])
    return FakeTicker


@pytest.fixture
def yahoo() -> YahooProvider:
    return YahooProvider(timeout=3.0)


def test_quote_comes_from_the_chart_metadata_and_daily_bars(ticker, yahoo):
    quote = yahoo.quote("AAPL")
    assert quote.price == 233.9
    assert quote.previous_close == 231.2
    assert quote.change == pytest.approx(2.7)
    assert quote.change_percent == pytest.approx(2.7 / 231.2 * 100, rel=1e-4)
    assert (quote.day_high, quote.day_low, quote.volume) == (234.1, 231.0, 21_345_678)
    assert quote.name == "Apple Inc."
    assert quote.currency == "USD"
    assert quote.as_of == datetime(2026, 3, 2, 20, 59, 58, tzinfo=UTC)
    assert (quote.source, quote.stale) == ("yfinance", False)


def test_quote_falls_back_to_the_bars_when_metadata_is_thin(ticker, yahoo):
    ticker.metadata = {"currency": "EUR"}
    quote = yahoo.quote("SAP.DE")
    assert (quote.price, quote.day_high, quote.day_low) == (233.9, 234.1, 231.0)
    assert quote.volume == 21_300_000
    assert quote.name is None
    assert quote.currency == "EUR"


def test_calls_use_a_curl_cffi_session_and_the_configured_timeout(ticker, yahoo):
    yahoo.quote("AAPL")
    _, session, kwargs = ticker.calls[-1]
    assert isinstance(session, curl_requests.Session)
    assert kwargs["timeout"] == 3.0
    assert (kwargs["period"], kwargs["interval"]) == ("5d", "1d")


def test_history_converts_bars_to_utc_candles_and_skips_gaps(ticker, yahoo):
    ticker.frame = intraday_frame()
    history = yahoo.history("AAPL", "1d", "5m")
    assert [c.time.isoformat() for c in history.candles] == [
        "2026-03-02T14:30:00+00:00",
        "2026-03-02T14:40:00+00:00",
        "2026-03-02T14:45:00+00:00",
    ]
    assert history.candles[1].close == 233.8
    assert history.candles[2].volume == 0
    assert (history.period, history.interval, history.source) == ("1d", "5m", "yfinance")
    assert ticker.calls[-1][2]["period"] == "1d"


def test_empty_frame_is_an_empty_error(ticker, yahoo):
    ticker.frame = pd.DataFrame(columns=COLUMNS)
    with pytest.raises(UpstreamError) as caught:
        yahoo.quote("NOSUCH")
    assert caught.value.reason == "empty"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (yf.YFRateLimitError(), "rate_limited"),
        (yf.YFPricesMissingError("NOSUCH", ""), "empty"),
        (yf.YFTzMissingError("NOSUCH"), "empty"),
        (http.ReadTimeout("Operation timed out after 3001 milliseconds"), "timeout"),
        (http.ConnectTimeout("Connection timed out"), "timeout"),
        (http.DNSError("Could not resolve host: query2.finance.yahoo.com"), "network"),
        (http.ConnectionError("Failed to connect"), "network"),
        (
            http.HTTPError("HTTP Error 429", response=type("R", (), {"status_code": 429})()),
            "rate_limited",
        ),
        (
            http.HTTPError("HTTP Error 502", response=type("R", (), {"status_code": 502})()),
            "network",
        ),
        (KeyError("chart"), "other"),
    ],
)
def test_library_errors_map_to_reasons(ticker, yahoo, error, reason):
    ticker.error = error
    for call in (lambda: yahoo.quote("AAPL"), lambda: yahoo.history("AAPL", "1d", "5m")):
        with pytest.raises(UpstreamError) as caught:
            call()
        assert (caught.value.provider, caught.value.reason) == ("yfinance", reason)
