"""The simulated provider: deterministic, realistic, and consistent between quote and history."""

from datetime import timedelta

import pytest
from quotes.providers.simulated import INSTRUMENTS, SimulatedProvider

from .conftest import NOW


def test_same_seed_and_time_give_the_same_quote(simulated):
    other = SimulatedProvider(seed=42, clock=lambda: NOW)
    assert simulated.quote("AAPL") == other.quote("AAPL")


def test_another_seed_gives_another_walk(simulated):
    other = SimulatedProvider(seed=7, clock=lambda: NOW)
    assert simulated.quote("AAPL").price != other.quote("AAPL").price


def test_prices_move_over_time(simulated):
    later = SimulatedProvider(seed=42, clock=lambda: NOW + timedelta(minutes=5))
    assert simulated.quote("AAPL").price != later.quote("AAPL").price


@pytest.mark.parametrize("symbol", sorted(INSTRUMENTS))
def test_quotes_stay_near_realistic_base_prices(simulated, symbol):
    quote = simulated.quote(symbol)
    base = INSTRUMENTS[symbol].base_price
    assert base / 3 < quote.price < base * 3
    assert quote.source == "simulated"
    assert quote.stale is False


def test_quote_fields_are_consistent(simulated):
    quote = simulated.quote("MSFT")
    assert quote.day_low <= quote.price <= quote.day_high
    assert quote.change == pytest.approx(quote.price - quote.previous_close, abs=0.011)
    assert quote.change_percent == pytest.approx(quote.change / quote.previous_close * 100, 1e-3)
    assert quote.volume > 0
    assert quote.as_of == NOW


def test_prices_land_on_the_instruments_tick(simulated):
    stock, fx = simulated.quote("AAPL"), simulated.quote("EURUSD=X")
    assert round(stock.price, 2) == stock.price
    assert round(fx.price, 4) == fx.price
    assert fx.currency == "USD"


def test_unknown_symbols_get_a_stable_made_up_instrument(simulated):
    first, second = simulated.quote("ZZZZ"), simulated.quote("ZZZZ")
    assert first == second
    assert first.name is None
    assert first.price > 0


def test_history_candles_are_oldest_first_and_within_the_period(simulated):
    history = simulated.history("AAPL", "5d", "1h")
    times = [candle.time for candle in history.candles]
    assert times == sorted(times)
    assert NOW - timedelta(days=5, hours=1) <= times[0]
    assert times[-1] <= NOW
    assert len(history.candles) == 5 * 24 + 1


def test_history_bars_are_well_formed(simulated):
    for candle in simulated.history("NVDA", "1mo", "1d").candles:
        assert candle.low <= min(candle.open, candle.close)
        assert candle.high >= max(candle.open, candle.close)
        assert candle.volume >= 0


def test_history_ends_at_the_current_quote(simulated):
    quote = simulated.quote("TSLA")
    for interval in ("1m", "5m", "1d", "1wk"):
        assert simulated.history("TSLA", "5d", interval).candles[-1].close == quote.price


def test_five_minute_bars_aggregate_the_one_minute_bars(simulated):
    minutes = {c.time: c for c in simulated.history("AAPL", "1d", "1m").candles}
    bar = simulated.history("AAPL", "1d", "5m").candles[-3]
    parts = [minutes[bar.time + timedelta(minutes=k)] for k in range(5)]
    assert bar.open == parts[0].open
    assert bar.close == parts[-1].close
    assert bar.high == max(p.high for p in parts)
    assert bar.low == min(p.low for p in parts)


@pytest.mark.parametrize(
    ("period", "interval", "first_time"),
    [
        ("ytd", "1mo", "2026-01-01"),
        ("1y", "1wk", "2025-02-24"),  # the Monday of the week a year back
        ("max", "3mo", "2000-01-01"),
    ],
)
def test_calendar_bars_start_on_calendar_boundaries(simulated, period, interval, first_time):
    history = simulated.history("AAPL", period, interval)
    assert history.candles[0].time.date().isoformat() == first_time
