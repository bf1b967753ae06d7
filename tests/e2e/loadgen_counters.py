"""The load generator's request counters, read from its own metrics endpoint (no scrape lag)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from tests.support.metrics import samples, scrape

REQUESTS = "stockwatch_loadgen_requests_total"

Counts = Mapping[tuple[str, str], float]  # (target, outcome) -> finished requests


def parse_counts(exposition: str) -> dict[tuple[str, str], float]:
    """stockwatch_loadgen_requests_total by (target, outcome) from a /metrics page."""
    return {
        (sample.labels["target"], sample.labels["outcome"]): sample.value
        for sample in samples(exposition, REQUESTS)
    }


def read_counts(metrics_url: str) -> dict[tuple[str, str], float]:
    counts = parse_counts(scrape(metrics_url))
    if not counts:
        raise AssertionError(f"{metrics_url} serves no {REQUESTS}: is that the load generator?")
    return counts


@dataclass(frozen=True)
class Window:
    """What one target's clients saw between two readings of the counters."""

    target: str
    by_outcome: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.by_outcome.values())

    @property
    def failed(self) -> dict[str, float]:
        """Outcomes other than ok that happened, with their counts."""
        return {o: n for o, n in self.by_outcome.items() if o != "ok" and n}

    def describe(self) -> str:
        failed = ", ".join(f"{n:.0f} {o}" for o, n in sorted(self.failed.items())) or "none"
        return f"{self.total:.0f} requests to {self.target}, failed: {failed}"


@dataclass(frozen=True)
class Loadgen:
    """The running load generator: where its counters are and how it is configured."""

    metrics_url: str
    rate: float  # arrivals per second per target
    timeout: float  # client timeout: no request stays in flight longer

    def counts(self) -> dict[tuple[str, str], float]:
        return read_counts(self.metrics_url)

    def let_in_flight_requests_finish(self) -> None:
        """Every request sent so far has an outcome once its client timeout has passed; no
        event says so sooner (the counters only count requests that finished)."""
        time.sleep(self.timeout + 1)


def window(before: Counts, after: Counts, target: str) -> Window:
    """The requests to `target` that finished between the readings `before` and `after`."""
    outcomes = {o for t, o in (*before, *after) if t == target}
    return Window(
        target,
        {o: after.get((target, o), 0.0) - before.get((target, o), 0.0) for o in sorted(outcomes)},
    )
