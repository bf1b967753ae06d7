"""Human formatting of prices, changes, volumes, ages and directions (no locale database needed)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

# currency -> (prefix, suffix, decimals); anything else is shown as "1,234.56 XYZ".
CURRENCIES: dict[str, tuple[str, str, int]] = {
    "USD": ("$", "", 2),
    "EUR": ("€", "", 2),
    "GBP": ("£", "", 2),
    "GBp": ("", "p", 2),  # Yahoo quotes London stocks in pence
    "JPY": ("¥", "", 0),
    "CNY": ("CN¥", "", 2),
    "INR": ("₹", "", 2),
    "KRW": ("₩", "", 0),
    "CHF": ("CHF ", "", 2),
    "CAD": ("CA$", "", 2),
    "AUD": ("A$", "", 2),
    "HKD": ("HK$", "", 2),
}
MINUS = "\u2212"
# Direction ("up", "down", "flat") -> arrow beside the colour, and the word a screen reader says.
ARROWS = {"up": "▲", "down": "▼", "flat": "■"}
DIRECTION_WORDS = {"up": "up", "down": "down", "flat": "unchanged"}


def _grouped(value: Decimal, decimals: int) -> str:
    quantum = Decimal(1).scaleb(-decimals)
    return f"{abs(value).quantize(quantum, rounding=ROUND_HALF_UP):,.{decimals}f}"


def money(value: Decimal | None, currency: str) -> str:
    """`money(Decimal("1234.5"), "USD")` -> "$1,234.50"; negative values get a true minus."""
    if value is None:
        return "—"
    prefix, suffix, decimals = CURRENCIES.get(currency, ("", f" {currency}", 2))
    sign = MINUS if value < 0 else ""
    return f"{sign}{prefix}{_grouped(value, decimals)}{suffix}"


def signed_money(value: Decimal | None, currency: str) -> str:
    """A change: always signed, "+$1.20", or a true minus sign when negative."""
    if value is None:
        return "—"
    return ("+" if value >= 0 else "") + money(value, currency)


def signed_percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    sign = "+" if value >= 0 else MINUS
    return f"{sign}{_grouped(value, 2)}%"


def compact_number(value: int | None) -> str:
    """Volumes: 950, 12.3K, 45.6M, 1.2B."""
    if value is None:
        return "—"
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return str(value)


def arrow(direction: str) -> str:
    return ARROWS.get(direction, ARROWS["flat"])


def direction_word(direction: str) -> str:
    return DIRECTION_WORDS.get(direction, DIRECTION_WORDS["flat"])


def age(since: datetime | None, now: datetime) -> str:
    """How old data is: "4 s", "3 min", "2 h", "5 d"."""
    if since is None:
        return "—"
    seconds = max(0, int((now - since) / timedelta(seconds=1)))
    for unit_seconds, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= unit_seconds:
            return f"{seconds // unit_seconds} {unit}"
    return f"{seconds} s"
