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


def _walk(count: int) -> list[float]:
    """A deterministic jagged day of closes."""
    return [100 + ((i * 37) % 11) * 0.1 + (i % 50) * 0.05 for i in range(count)]


def test_a_day_of_closes_is_drawn_with_at_most_two_points_per_column():
    line = charts.sparkline(_walk(290), None)
    columns = int((line.width - 4) / charts.COLUMN_PX)
    assert len(_points(line.points)) <= 2 * columns + 2


def test_every_peak_and_trough_survives_the_reduction():
    closes = _walk(290)
    closes[123], closes[200] = 150.0, 50.0  # one spike up and one down, each a single candle
    kept = charts.extremes_per_column(closes, 38)
    assert 123 in kept and 200 in kept
    assert kept[0] == 0 and kept[-1] == len(closes) - 1
    # in every column its own highest and lowest close are drawn, not only the day's
    for column in range(38):
        start, end = column * 290 // 38, (column + 1) * 290 // 38
        chunk = closes[start:end]
        assert start + chunk.index(max(chunk)) in kept
        assert start + chunk.index(min(chunk)) in kept


def test_a_short_series_is_drawn_point_for_point():
    assert charts.extremes_per_column([3.0, 1.0, 2.0], 38) == [0, 1, 2]


def test_the_same_closes_give_the_same_drawn_line_without_drawing_it_again():
    closes = tuple(_walk(290))
    first = charts.sparkline(closes, Decimal("100"))
    assert charts.sparkline(list(closes), Decimal("100")) is first
    assert charts.sparkline(closes, Decimal("101")) is not first


def test_the_price_chart_is_reduced_to_its_width_with_read_outs_for_the_drawn_candles():
    start = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
    count = 720  # a month of hourly candles
    times = [start + timedelta(hours=i) for i in range(count)]
    values = _walk(count)
    values[400] = 130.0
    chart = charts.price_chart(times, [Decimal(str(v)) for v in values], "1mo", str)
    drawn = chart.line[1:].split(" L")
    columns = int((chart.plot_right - chart.plot_left) / charts.COLUMN_PX)
    assert len(drawn) == len(chart.points) <= 2 * columns + 2
    assert any(label.endswith("· 130.0") for _, _, label in chart.points)
