"""Hand-built series and hypotheses for the lab's unit tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chaoslab.analysis import Series, Timeline
from chaoslab.hypotheses import Hypothesis, HypothesisFile, ImpactMetric, LabSettings

# baseline 0..55, chaos 60..90, recovery until 240, one sample every 5 s
TIMELINE = Timeline(baseline_start=0, chaos_start=60, chaos_end=90, end=240, step=5)
SETTINGS = LabSettings(step_seconds=5, baseline_seconds=60, recovery_seconds=150,
                       stable_seconds=30, min_coverage=0.8)  # fmt: skip
LATENCY = Hypothesis("p95_latency", "p95 <= 500 ms", "latency_query", "<=", 0.5, "seconds")
AVAILABILITY = Hypothesis("availability", "ok >= 99%", "availability_query", ">=", 0.99, "ratio")
REPLICAS = ImpactMetric("ready_replicas", "Replicas", "replicas_query", "min", "count")
CPU = ImpactMetric("cpu", "CPU", "cpu_query", "max", "cores")
SPEC = HypothesisFile(SETTINGS, (LATENCY, AVAILABILITY), (REPLICAS, CPU))
T = TypeVar("T")


def series(value: Callable[[float], float | None], timeline: Timeline = TIMELINE) -> Series:
    """Sample `value(t)` on the timeline's grid; None leaves a gap."""
    return {t: v for t in timeline.times() if (v := value(t)) is not None}


def between(start: float, end: float, inside: T, outside: T) -> Callable[[float], T]:
    """`inside` for start <= t < end, `outside` elsewhere."""
    return lambda t: inside if start <= t < end else outside
