"""Synthetic scrapes shaped like a real pod-kill and a real CPU stress, written as OpenMetrics
for `promtool tsdb create-blocks-from openmetrics`."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chaoslab.analysis import Timeline
from chaoslab.experiments import Experiment
from chaoslab.pods import PodState, Snapshot

from tests.lab.builders import between

SCRAPE_SECONDS = 15  # the cluster's scrape interval
REQUESTS_PER_SECOND = 10
NAMESPACE = "stock-monitoring"
T0 = 1767607200  # 2026-01-05 10:00:00 UTC: fixed, so the sample report is reproducible
MIB = 2**20
# Edges at the SLO thresholds (0.25 s API, 1.5 s pages), as servicekit/latency.py has them.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, math.inf)
# Cumulative share of requests answered within each bucket bound.
FAST = {0.005: 0.02, 0.01: 0.1, 0.025: 0.35, 0.05: 0.7, 0.1: 0.97, 0.25: 0.995, 0.5: 1.0}
THROTTLED = {0.05: 0.2, 0.1: 0.45, 0.25: 0.7, 0.5: 0.85, 1.0: 0.98, 2.5: 1.0}
DISRUPTED = {0.05: 0.3, 0.1: 0.6, 0.25: 0.65, 0.5: 0.75, 1.0: 0.85, 2.5: 0.95, 5.0: 1.0}


def share_within(distribution: dict[float, float], bound: float) -> float:
    return max((share for le, share in distribution.items() if le <= bound), default=0.0)


@dataclass(frozen=True)
class Scenario:
    """How the system behaves at each instant of one synthetic experiment."""

    experiment: Experiment
    timeline: Timeline
    ok_share: Callable[[float], float]
    latency: Callable[[float], dict[float, float]]
    available: Callable[[float], int]
    pod_cpu: Callable[[float], dict[str, float]]  # cores per live pod
    snapshots: list[Snapshot]
    deleted_pods: Callable[[float], list[str]] = lambda t: []  # gone, still in cAdvisor
    # Alerts Prometheus would show in its ALERTS series: (alertname, alertstate, labels).
    alerts: Callable[[float], list[tuple[str, str, dict[str, str]]]] = lambda t: []


def pod_kill() -> Scenario:
    """One of two backend replicas killed 2 s after injection; a replacement Ready 15 s later."""
    timeline = Timeline(T0, T0 + 120, T0 + 150, T0 + 330, 5)
    kill = timeline.chaos_start + 2

    def cpu(t: float) -> dict[str, float]:
        pods = {"backend-7d9f-b": 0.12}
        if t < kill:
            pods["backend-7d9f-a"] = 0.12
        if t >= kill + 3:
            pods["backend-7d9f-c"] = 0.4 if t < kill + 33 else 0.12  # start-up burst
        return pods

    def pod(name: str, node: str, ready: bool = True) -> PodState:
        return PodState(name, node, "Running" if ready else "Pending", ready, 0)

    a, b = pod("backend-7d9f-a", "kind-worker"), pod("backend-7d9f-b", "kind-worker2")
    snapshots: list[Snapshot] = [
        (timeline.chaos_start, {a.name: a, b.name: b}),
        (kill + 1, {b.name: b}),
        (kill + 3, {b.name: b, "backend-7d9f-c": pod("backend-7d9f-c", "kind-worker", False)}),
        (kill + 18, {b.name: b, "backend-7d9f-c": pod("backend-7d9f-c", "kind-worker")}),
    ]
    body = {"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "PodChaos",
            "metadata": {"name": "pod-kill", "namespace": NAMESPACE},
            "spec": {"action": "pod-kill", "mode": "one", "duration": "30s"}}  # fmt: skip
    return Scenario(
        Experiment("pod-kill", "PodChaos", NAMESPACE, body, 30.0),
        timeline,
        ok_share=between(kill, kill + 15, 0.8, 1.0),  # in-flight requests to the killed pod fail
        latency=between(kill, kill + 20, DISRUPTED, FAST),
        available=between(kill, kill + 18, 1, 2),
        pod_cpu=cpu,
        snapshots=snapshots,
        deleted_pods=lambda t: ["backend-7d9f-a"] if t >= kill else [],
    )


def cpu_stress() -> Scenario:
    """Both backend pods pinned at their 500m CPU limit for two minutes; requests slow down."""
    timeline = Timeline(T0 + 3600, T0 + 3720, T0 + 3840, T0 + 4020, 5)
    stressed = (timeline.chaos_start + 3, timeline.chaos_end + 1)
    body = {"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "StressChaos",
            "metadata": {"name": "cpu-stress", "namespace": NAMESPACE},
            "spec": {"mode": "all", "duration": "2m"}}  # fmt: skip
    return Scenario(
        Experiment("cpu-stress", "StressChaos", NAMESPACE, body, 120.0),
        timeline,
        ok_share=lambda t: 1.0,
        latency=between(*stressed, THROTTLED, FAST),
        available=lambda t: 2,
        pod_cpu=lambda t: dict.fromkeys(
            ("backend-5c4e-a", "backend-5c4e-b"), 0.5 if stressed[0] <= t < stressed[1] else 0.12
        ),
        snapshots=[],
        # Throttling above 25 % from the start of the stress: CPUThrottlingHigh goes pending,
        # and its `for: 5m` outlasts the 2-minute fault, so it never fires.
        alerts=lambda t: (
            [("CPUThrottlingHigh", "pending", {"namespace": NAMESPACE, "pod": "backend-5c4e-a"})]
            if stressed[0] + 15 <= t < stressed[1] + 60
            else []
        ),
    )


def _series(name: str, **labels: str) -> str:
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def _bound(le: float) -> str:
    return "+Inf" if math.isinf(le) else f"{le:g}"


def _samples(scenario: Scenario) -> Iterator[tuple[str, float, float]]:
    """(series, value, time) for every scrape from 3 minutes before the baseline to the end."""
    t = scenario.timeline
    totals: dict[str, float] = {}

    def count(series: str, increment: float) -> tuple[str, float]:
        totals[series] = totals.get(series, 0.0) + increment
        return series, totals[series]

    for at in range(int(t.baseline_start) - 180, int(t.end) + SCRAPE_SECONDS, SCRAPE_SECONDS):
        middle = at - SCRAPE_SECONDS / 2  # what happened since the previous scrape
        requests = REQUESTS_PER_SECOND * SCRAPE_SECONDS
        ok = requests * scenario.ok_share(middle)
        outcomes = [("backend", "ok", ok), ("backend", "connection_error", requests - ok),
                    ("webui", "ok", requests)]  # fmt: skip
        for target, outcome, n in outcomes:
            name = "stockwatch_loadgen_requests_total"
            yield *count(_series(name, target=target, outcome=outcome), n), at
        for target in ("backend", "webui"):  # never more than LOADGEN_MAX_IN_FLIGHT outstanding
            yield *count(_series("stockwatch_loadgen_dropped_total", target=target), 0), at
        distribution = scenario.latency(middle)
        for le in BUCKETS:
            name = "stockwatch_loadgen_request_seconds_bucket"
            within = requests * share_within(distribution, le)
            yield *count(_series(name, target="backend", le=_bound(le)), within), at
            # Pages: the webui answers from its caches within its budget, whatever the fault.
            within = requests * share_within(FAST, le)
            yield *count(_series(name, target="webui", le=_bound(le)), within), at
        for le in BUCKETS:  # the webui's calls to the backend: not hit by these two faults
            name = "stockwatch_webui_upstream_request_seconds_bucket"
            within = requests * share_within(FAST, le)
            yield *count(_series(name, namespace=NAMESPACE, le=_bound(le)), within), at
        # The webui runs, and has served no degraded page yet: its counter has no series.
        webui = {"namespace": NAMESPACE, "app": "webui", "version": "dev"}
        yield _series("stockwatch_build_info", **webui), 1, at
        for pod, cores in scenario.pod_cpu(middle).items():
            labels = {"namespace": NAMESPACE, "pod": pod, "container": "", "image": ""}
            cpu = _series("container_cpu_usage_seconds_total", **labels)
            yield *count(cpu, cores * SCRAPE_SECONDS), at
            memory = _series("container_memory_working_set_bytes", **labels)
            yield memory, 140 * MIB + cores * 100 * MIB, at
            yield _series("kube_pod_info", namespace=NAMESPACE, pod=pod, node="kind-worker"), 1, at
        for pod in scenario.deleted_pods(middle):
            # What a real kubelet's cAdvisor does: the deleted pod's last values, for minutes.
            labels = {"namespace": NAMESPACE, "pod": pod, "container": "", "image": ""}
            yield _series("container_memory_working_set_bytes", **labels), 400 * MIB, at
        deployment = {"namespace": NAMESPACE, "deployment": "backend"}
        yield _series("kube_deployment_spec_replicas", **deployment), 2, at
        # The backend's HorizontalPodAutoscaler, at its minimum of 2 throughout.
        hpa = {"namespace": NAMESPACE, "horizontalpodautoscaler": "backend"}
        yield _series("kube_horizontalpodautoscaler_spec_min_replicas", **hpa), 2, at
        yield _series("kube_horizontalpodautoscaler_status_desired_replicas", **hpa), 2, at
        for name, state, labels in scenario.alerts(middle):
            yield _series("ALERTS", alertname=name, alertstate=state, **labels), 1, at
        available = _series("kube_deployment_status_replicas_available", **deployment)
        yield available, scenario.available(middle), at


def openmetrics(scenarios: list[Scenario]) -> str:
    """One OpenMetrics document: every series' samples together and in time order."""
    by_series: dict[str, list[str]] = {}
    for scenario in scenarios:
        for series, value, at in _samples(scenario):
            by_series.setdefault(series, []).append(f"{series} {value:g} {at}")
    families: dict[str, list[str]] = {}
    for series, lines in by_series.items():
        families.setdefault(series.split("{")[0], []).extend(lines)
    return "\n".join(line for lines in families.values() for line in lines) + "\n# EOF\n"
