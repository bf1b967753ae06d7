"""The availability hypotheses, evaluated by promtool on series shaped like the load generator's.

On the lab cluster the load generator dropped arrivals it could not send (too many requests in
flight); a user who never got an answer was not served, so those count as failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from chaoslab.config import REPO
from chaoslab.hypotheses import load_hypotheses

from tests.monitoring.panel_queries import assert_promql

TARGETS = pytest.mark.parametrize(
    ("name", "target"), [("availability", "backend"), ("webui_availability", "webui")]
)
HYPOTHESES = {h.name: h for h in load_hypotheses(REPO / "chaos" / "hypotheses.yaml").hypotheses}


def loadgen_series(target: str, ok_per_15s: int, timeouts_per_15s: int, dropped_per_15s: int):
    requests = "stockwatch_loadgen_requests_total"
    return [
        (requests, {"target": target, "outcome": "ok"}, f"0+{ok_per_15s}x20"),
        (requests, {"target": target, "outcome": "timeout"}, f"0+{timeouts_per_15s}x20"),
        ("stockwatch_loadgen_dropped_total", {"target": target}, f"0+{dropped_per_15s}x20"),
    ]


@TARGETS
def test_dropped_arrivals_count_as_failures(name, target, tmp_path: Path):
    # 120 ok, 15 timeouts and 15 dropped per 15 s: 120 of 150 arrivals served.
    series = loadgen_series(target, 120, 15, 15)
    assert_promql(HYPOTHESES[name].query, series, "4m", [({}, 0.8)], tmp_path)


@TARGETS
def test_the_other_target_does_not_count(name, target, tmp_path: Path):
    other = "webui" if target == "backend" else "backend"
    series = loadgen_series(target, 75, 0, 0) + loadgen_series(other, 0, 75, 75)
    assert_promql(HYPOTHESES[name].query, series, "4m", [({}, 1.0)], tmp_path)
