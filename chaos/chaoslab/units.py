"""How values of each unit are shown in reports and on chart axes."""

from __future__ import annotations

# unit -> (factor to the display unit, display suffix)
DISPLAY = {
    "ratio": (100.0, "%"),
    "seconds": (1000.0, "ms"),
    "cores": (1.0, "cores"),
    "bytes": (1 / 2**20, "MiB"),
    "count": (1.0, ""),
    "per_second": (1.0, "/s"),
}


def scale(value: float, unit: str) -> float:
    return value * DISPLAY[unit][0]


def show(value: float | None, unit: str) -> str:
    """'412 ms', '99.50%', '1.24 cores', '310 MiB', '2', '0.20 /s'; an em dash for no value."""
    if value is None:
        return "—"
    factor, suffix = DISPLAY[unit]
    shown = value * factor
    if unit == "count":
        return f"{shown:g}"
    if unit == "ratio":
        return f"{shown:.2f}%"
    digits = 2 if abs(shown) < 10 else 0
    return f"{shown:.{digits}f} {suffix}"
