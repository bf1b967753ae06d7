"""Periods and intervals Yahoo's chart API accepts, and which combinations of them it allows."""

from __future__ import annotations

from datetime import timedelta

PERIODS = ("1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max")
INTERVALS = ("1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h", "1d", "5d", "1wk", "1mo", "3mo")

# Nominal length of a period; `ytd` is at most a year and `max` has no bound.
PERIOD_LENGTH = {
    "1d": timedelta(days=1),
    "5d": timedelta(days=5),
    "1mo": timedelta(days=30),
    "3mo": timedelta(days=90),
    "6mo": timedelta(days=180),
    "1y": timedelta(days=365),
    "2y": timedelta(days=730),
    "5y": timedelta(days=5 * 365),
    "10y": timedelta(days=10 * 365),
    "ytd": timedelta(days=366),
    "max": timedelta.max,
}

# Intraday intervals in minutes; all divide a day, so their bars never straddle midnight.
INTRADAY_MINUTES = {"1m": 1, "2m": 2, "5m": 5, "15m": 15, "30m": 30, "60m": 60, "90m": 90, "1h": 60}

# How far back Yahoo serves each intraday interval (longer intervals: any period).
INTRADAY_REACH = {
    "1m": timedelta(days=7),
    "2m": timedelta(days=60),
    "5m": timedelta(days=60),
    "15m": timedelta(days=60),
    "30m": timedelta(days=60),
    "90m": timedelta(days=60),
    "60m": timedelta(days=730),
    "1h": timedelta(days=730),
}


def combination_allowed(period: str, interval: str) -> bool:
    """Whether Yahoo serves `interval` bars over `period`."""
    reach = INTRADAY_REACH.get(interval)
    return reach is None or PERIOD_LENGTH[period] <= reach
