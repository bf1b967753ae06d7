"""The load generator's Prometheus series: what a user of backend and webui would feel."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

# Client-side latency includes connect time and network faults, up to LOADGEN_TIMEOUT; the same
# buckets as the services' own histograms, so client and server p95 are read alike.
from servicekit.latency import LATENCY_BUCKETS

OUTCOMES = ("ok", "http_error", "timeout", "connection_error")


class LoadgenMetrics:
    """Request latency, outcomes and dropped arrivals per target, on one registry."""

    def __init__(self, registry: CollectorRegistry, targets: list[str]) -> None:
        self.registry = registry
        self.latency = Histogram(
            "stockwatch_loadgen_request_seconds",
            "Client-side latency of load generator requests, by target.",
            ["target"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.requests = Counter(
            "stockwatch_loadgen_requests",
            "Load generator requests that finished, by target and outcome.",
            ["target", "outcome"],
            registry=registry,
        )
        self.dropped = Counter(
            "stockwatch_loadgen_dropped",
            "Arrivals not sent because LOADGEN_MAX_IN_FLIGHT requests were outstanding.",
            ["target"],
            registry=registry,
        )
        # Pre-create every series so rate() sees a 0 before the first error, not a gap.
        for target in targets:
            self.latency.labels(target=target)
            self.dropped.labels(target=target)
            for outcome in OUTCOMES:
                self.requests.labels(target=target, outcome=outcome)

    def observe(self, target: str, outcome: str, seconds: float) -> None:
        """Record one finished request."""
        self.latency.labels(target=target).observe(seconds)
        self.requests.labels(target=target, outcome=outcome).inc()

    def drop(self, target: str) -> None:
        """Record one arrival that was not sent."""
        self.dropped.labels(target=target).inc()
