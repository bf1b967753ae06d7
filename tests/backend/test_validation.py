"""Input validation: symbols, symbol lists, and the period/interval combinations Yahoo serves."""

import pytest
from quotes.periods import INTERVALS, PERIODS
from quotes.validation import (
    InvalidRequest,
    parse_period_interval,
    parse_symbol,
    parse_symbol_list,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AAPL", "AAPL"),
        ("aapl", "AAPL"),
        ("brk-b", "BRK-B"),
        ("^gspc", "^GSPC"),
        ("EURUSD=X", "EURUSD=X"),
        ("RDS.A", "RDS.A"),
        ("A" * 15, "A" * 15),
    ],
)
def test_valid_symbols_are_upper_cased(raw, expected):
    assert parse_symbol(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " AAPL",
        "AAPL ",
        "A" * 16,
        "-AAPL",
        ".A",
        "AA/PL",
        "AA PL",
        "AAPL!",
        "ß",
        "ÄPL",
        "AAPL\n",
        "<script>",
    ],
)
def test_malformed_symbols_are_rejected(raw):
    with pytest.raises(InvalidRequest) as caught:
        parse_symbol(raw)
    assert (caught.value.status, caught.value.code) == (400, "invalid_symbol")


def test_symbol_list_defaults_to_the_watchlist_when_absent_or_blank():
    assert parse_symbol_list(None, ["AAPL"], 20) == ["AAPL"]
    assert parse_symbol_list(" , ", ["AAPL"], 20) == ["AAPL"]


def test_symbol_list_strips_dedupes_and_keeps_order():
    assert parse_symbol_list(" msft, aapl,MSFT,,", [], 20) == ["MSFT", "AAPL"]


def test_symbol_list_rejects_a_malformed_member():
    with pytest.raises(InvalidRequest, match="not a ticker symbol"):
        parse_symbol_list("AAPL,??", [], 20)


def test_symbol_list_over_the_maximum_is_too_many_symbols():
    with pytest.raises(InvalidRequest) as caught:
        parse_symbol_list(",".join(f"S{i}" for i in range(21)), [], 20)
    assert caught.value.code == "too_many_symbols"


def test_period_and_interval_default_to_one_day_of_five_minute_bars():
    assert parse_period_interval(None, None) == ("1d", "5m")


def test_unknown_period_is_invalid_period():
    with pytest.raises(InvalidRequest) as caught:
        parse_period_interval("7d", "1d")
    assert caught.value.code == "invalid_period"


def test_unknown_interval_is_invalid_interval():
    with pytest.raises(InvalidRequest) as caught:
        parse_period_interval("1d", "10m")
    assert caught.value.code == "invalid_interval"


# Yahoo's limits: 1m bars for up to 7 days, 2m-90m for 60 days, 60m/1h for 730 days.
ALLOWED_PERIODS = {
    "1m": {"1d", "5d"},
    **{i: {"1d", "5d", "1mo"} for i in ("2m", "5m", "15m", "30m", "90m")},
    **{i: {"1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "ytd"} for i in ("60m", "1h")},
}


@pytest.mark.parametrize("interval", INTERVALS)
@pytest.mark.parametrize("period", PERIODS)
def test_only_combinations_yahoo_serves_are_accepted(period, interval):
    allowed = period in ALLOWED_PERIODS.get(interval, set(PERIODS))
    if allowed:
        assert parse_period_interval(period, interval) == (period, interval)
    else:
        with pytest.raises(InvalidRequest) as caught:
            parse_period_interval(period, interval)
        assert caught.value.code == "unsupported_combination"
