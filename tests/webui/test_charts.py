"""SVG chart geometry: everything inside its box, colours by direction, round-number ticks."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from dashboard import charts


def _points(text: str) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in text.split()]


def test_a_sparkline_fits_its_box_and_spans_its_width():
    line = charts.sparkline([Decimal(v) for v in ("10", "12", "9", "11")], Decimal("10"))
    points = _points(line.points)
    assert all(0 <= x <= line.width and 0 <= y <= line.height for x, y in points)
    assert points[0][0] < 5 and points[-1][0] > line.width - 5


def test_a_sparkline_is_coloured_against_the_previous_close():
    closes = [Decimal("10"), Decimal("9")]
    assert charts.sparkline(closes, Decimal("8")).direction == "up"
    assert charts.sparkline(closes, Decimal("11")).direction == "down"


def test_a_sparkline_of_one_price_or_a_flat_line_still_draws():
    assert charts.sparkline([Decimal("5")], None).points
    assert charts.sparkline([Decimal("5")] * 3, Decimal("5")).direction == "flat"


def test_no_prices_means_no_sparkline():
    assert charts.sparkline([], Decimal("1")) is None


def test_nice_ticks_are_evenly_spaced_round_numbers_within_the_range():
    ticks = charts.nice_ticks(117.3, 127.9)
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert steps == {2.5}
    assert ticks[0] >= 117.3 - 2.5 and ticks[-1] <= 127.9 + 2.5
    assert 3 <= len(ticks) <= 8


def test_the_price_chart_stays_inside_its_plot_area():
    start = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)
    times = [start + timedelta(minutes=5 * i) for i in range(50)]
    closes = [Decimal(100 + (i % 7)) for i in range(50)]
    chart = charts.price_chart(times, closes, "1d", str)
    coords = [tuple(map(float, c.split(","))) for c in chart.line[1:].split(" L")]
    assert len(coords) == 50
    assert all(chart.plot_left <= x <= chart.plot_right for x, _ in coords)
    assert all(chart.plot_top <= y <= chart.plot_bottom for _, y in coords)
    assert chart.x_ticks[0].label == "14:30"
    assert 2 <= len(chart.y_ticks) <= 8


def test_every_candle_has_a_hover_read_out_of_time_and_price():
    start = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
    times = [start + timedelta(days=i) for i in range(3)]
    chart = charts.price_chart(times, [Decimal("1"), Decimal("2"), Decimal("3")], "5d", str)
    assert [label for _, _, label in chart.points] == [
        "Mon 23 Nov 14:30 · 1",
        "Tue 24 Nov 14:30 · 2",
        "Wed 25 Nov 14:30 · 3",
    ]
