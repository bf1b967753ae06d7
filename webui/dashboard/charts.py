"""Geometry of the server-rendered SVG charts: sparklines and the large price chart."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# How the x axis labels a candle's time, by chart period.
TIME_LABELS = {"1d": "%H:%M", "5d": "%a %H:%M", "1mo": "%d %b", "6mo": "%d %b", "1y": "%b %Y"}
# How the hover read-out names one candle's time.
HOVER_LABELS = {"1d": "%H:%M", "5d": "%a %d %b %H:%M", "1mo": "%a %d %b %H:%M"}
# Width in px of the columns a line is reduced to. The lines are drawn 1.75 px wide with round
# joins: detail finer than about two stroke widths does not show as such (compared side by side
# in docs/webui.md), so a column of 3 px keeps everything the eye can tell apart.
COLUMN_PX = 3.0
# Rendered sparklines kept, keyed by their closes: a watchlist's lines change at most once per
# quote TTL, but every page draws them.
SPARKLINES_KEPT = 64


def direction(change: float | Decimal) -> str:
    """The sign of a change as "up", "down" or "flat": a line's colour, a price's arrow."""
    return "up" if change > 0 else "down" if change < 0 else "flat"


def _scale(lo: float, hi: float, top: float, bottom: float) -> Callable[[float], float]:
    span = hi - lo or 1.0

    def y(value: float) -> float:
        return round(bottom - (value - lo) / span * (bottom - top), 1)

    return y


def _x_positions(count: int, left: float, right: float) -> list[float]:
    if count == 1:
        return [round((left + right) / 2, 1)]
    step = (right - left) / (count - 1)
    return [round(left + i * step, 1) for i in range(count)]


def extremes_per_column(values: Sequence[float], columns: int) -> list[int]:
    """Indices of the points that draw `values` (evenly spaced) in `columns` columns: the first,
    the last, and in each column its lowest and its highest point, in time order.

    Min/max per column, so every peak and trough survives to the drawn line, whatever its width
    and the column it falls in; at most 2 x columns + 2 points."""
    count = len(values)
    if count <= 2 * columns + 2:
        return list(range(count))
    kept = {0, count - 1}
    for column in range(columns):
        start, end = column * count // columns, (column + 1) * count // columns
        chunk = values[start:end]
        kept.add(start + chunk.index(min(chunk)))
        kept.add(start + chunk.index(max(chunk)))
    return sorted(kept)


def _columns(left: float, right: float) -> int:
    return max(1, int((right - left) / COLUMN_PX))


@dataclass(frozen=True)
class Sparkline:
    """A tiny line of today's closes, with previous close as a dotted baseline."""

    width: int
    height: int
    points: str
    baseline_y: float | None
    direction: str  # "up", "down" or "flat": the colour of the line


def sparkline(
    closes: Sequence[float | Decimal],
    previous_close: Decimal | None = None,
    width: int = 120,
    height: int = 32,
) -> Sparkline | None:
    """Fit `closes` into a width-by-height box, reduced to what that width can show; None when
    there is nothing to draw. The same closes give the same (kept) line."""
    return _sparkline(tuple(closes), previous_close, width, height)


@functools.lru_cache(maxsize=SPARKLINES_KEPT)
def _sparkline(
    closes: tuple[float | Decimal, ...], previous_close: Decimal | None, width: int, height: int
) -> Sparkline | None:
    if not closes:
        return None
    values = [float(c) for c in closes]
    reference = float(previous_close) if previous_close is not None else values[0]
    lo, hi = min([*values, reference]), max([*values, reference])
    pad = 2.0
    y = _scale(lo, hi, pad, height - pad)
    xs = _x_positions(len(values), pad, width - pad)
    kept = extremes_per_column(values, _columns(pad, width - pad))
    points = " ".join(f"{xs[i]},{y(values[i])}" for i in kept)
    baseline = y(reference) if previous_close is not None else None
    return Sparkline(width, height, points, baseline, direction(values[-1] - reference))


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round-number ticks covering [lo, hi], about `target` of them (1-2-5 steps)."""
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 0.5:
        if value >= lo - step * 0.001:
            ticks.append(round(value, 10))
        value += step
    return ticks


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class PriceChart:
    """Everything the template needs to draw the large chart."""

    width: int
    height: int
    line: str
    area: str
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    direction: str
    last_x: float
    last_y: float
    points: tuple[tuple[float, float, str], ...]  # (x, y, read-out) per candle, for hovering


def price_chart(
    times: Sequence[datetime],
    closes: Sequence[Decimal],
    period: str,
    format_price: Callable[[Decimal], str],
    width: int = 800,
    height: int = 320,
) -> PriceChart | None:
    """Line + area chart, candles evenly spaced (so nights and weekends leave no gaps), reduced
    to what the plot's width can show; hover read-outs for the candles drawn."""
    if not closes:
        return None
    values = [float(c) for c in closes]
    left, right, top, bottom = 8.0, width - 72.0, 12.0, height - 28.0
    ticks = nice_ticks(min(values), max(values))
    lo, hi = min(ticks[0], min(values)), max(ticks[-1], max(values))
    y = _scale(lo, hi, top, bottom)
    xs = _x_positions(len(values), left, right)
    drawn = extremes_per_column(values, _columns(left, right))
    coords = [f"{xs[i]},{y(values[i])}" for i in drawn]
    line = "M" + " L".join(coords)
    area = f"{line} L{xs[-1]},{bottom} L{xs[0]},{bottom} Z"
    y_ticks = tuple(Tick(y(t), format_price(Decimal(str(t)))) for t in ticks)
    label_format = TIME_LABELS.get(period, "%d %b")
    count = min(6, len(values))
    indices = sorted({round(i * (len(values) - 1) / max(count - 1, 1)) for i in range(count)})
    x_ticks = tuple(Tick(xs[i], times[i].strftime(label_format)) for i in indices)
    hover_format = HOVER_LABELS.get(period, "%a %d %b %Y")
    points = tuple(
        (xs[i], y(values[i]), f"{times[i].strftime(hover_format)} · {format_price(closes[i])}")
        for i in drawn
    )
    return PriceChart(
        width,
        height,
        line,
        area,
        y_ticks,
        x_ticks,
        left,
        right,
        top,
        bottom,
        direction(values[-1] - values[0]),
        xs[-1],
        y(values[-1]),
        points,
    )
