"""Number and age formatting: per currency, signed changes, compact volumes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from dashboard import formatting


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("1234.5", "USD", "$1,234.50"),
        ("0.005", "EUR", "€0.01"),
        ("2950.4", "JPY", "¥2,950"),
        ("123.45", "GBp", "123.45p"),
        ("99.9", "SEK", "99.90 SEK"),
        ("-3.2", "USD", "\u2212$3.20"),
    ],
)
def test_money_is_formatted_per_currency(value, currency, shown):
    assert formatting.money(Decimal(value), currency) == shown


def test_changes_are_always_signed():
    assert formatting.signed_money(Decimal("1.2"), "USD") == "+$1.20"
    assert formatting.signed_money(Decimal("-1.2"), "USD") == "\u2212$1.20"
    assert formatting.signed_percent(Decimal("0.456")) == "+0.46%"
    assert formatting.signed_percent(Decimal("-12.3")) == "\u221212.30%"


def test_missing_numbers_show_a_dash():
    assert formatting.money(None, "USD") == "—"
    assert formatting.signed_percent(None) == "—"
    assert formatting.compact_number(None) == "—"


@pytest.mark.parametrize(
    ("volume", "shown"),
    [(950, "950"), (12_345, "12.3K"), (45_600_000, "45.6M"), (1_200_000_000, "1.2B")],
)
def test_volumes_are_compact(volume, shown):
    assert formatting.compact_number(volume) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(4, "4 s"), (185, "3 min"), (7_300, "2 h"), (3 * 86_400, "3 d"), (-5, "0 s")],
)
def test_ages_use_the_largest_whole_unit(seconds, shown):
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert formatting.age(now - timedelta(seconds=seconds), now) == shown


def test_each_direction_has_an_arrow_and_a_spoken_word():
    directions = ("up", "down", "flat")
    assert [formatting.arrow(d) for d in directions] == ["▲", "▼", "■"]
    assert [formatting.direction_word(d) for d in directions] == ["up", "down", "unchanged"]
