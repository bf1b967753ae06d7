"""Dashboard queries over Kubernetes metrics (and app series a loopback run cannot produce),
evaluated by `promtool test rules` against synthetic cAdvisor and kube-state-metrics series."""

from __future__ import annotations

import pytest

from grafana.dashboard import PanelSpec, Query, panel_specs
from tests.monitoring.panel_queries import assert_promql, instantiate

APP = {"namespace": "stock-monitoring"}
OTHER = {"namespace": "kube-system"}
POD_CGROUP = {"container": "", "image": ""}
BACKEND_0 = {**APP, "pod": "backend-0"}
BACKEND_1 = {**APP, "pod": "backend-1"}
WEBUI_1 = {**APP, "pod": "webui-1"}
HPA_BACKEND = {**APP, "horizontalpodautoscaler": "backend"}
HPA_WEBUI = {**APP, "horizontalpodautoscaler": "webui"}
HPA_CPU = {"metric_name": "cpu", "metric_target_type": "utilization"}
# Sampled every 15s. backend-1 is under a StressChaos whose stress-ng runs in the pod's cgroup
# but outside its container: the pod uses 0.5 cores, its container 0.1. Its container restarted
# once, and one of the two backend replicas is not ready. backend-0 no longer exists.
INPUT_SERIES: list[tuple[str, dict[str, str], str]] = [
    # cAdvisor: pod-level cgroups (container="", image=""), containers, the pause container.
    ("container_cpu_usage_seconds_total", {**BACKEND_1, **POD_CGROUP}, "0+7.5x40"),
    (
        "container_cpu_usage_seconds_total",
        {**BACKEND_1, "container": "backend", "image": "stockwatch/backend:dev"},
        "0+1.5x40",
    ),
    (
        "container_cpu_usage_seconds_total",
        {**BACKEND_1, "container": "", "image": "registry.k8s.io/pause:3.10"},
        "0+0.15x40",
    ),
    ("container_cpu_usage_seconds_total", {**WEBUI_1, **POD_CGROUP}, "0+3x40"),
    (
        "container_cpu_usage_seconds_total",
        {**WEBUI_1, "container": "webui", "image": "stockwatch/webui:dev"},
        "0+3x40",
    ),
    ("container_cpu_usage_seconds_total", {**OTHER, "pod": "coredns-1", **POD_CGROUP}, "0+15x40"),
    ("container_memory_working_set_bytes", {**BACKEND_1, **POD_CGROUP}, "209715200x40"),
    (
        "container_memory_working_set_bytes",
        {**BACKEND_1, "container": "backend", "image": "stockwatch/backend:dev"},
        "157286400x40",
    ),
    ("container_memory_working_set_bytes", {**WEBUI_1, **POD_CGROUP}, "104857600x40"),
    # backend-0 was killed a minute in: kube-state-metrics dropped it (a staleness marker ends
    # its series), cAdvisor still reports it.
    ("container_cpu_usage_seconds_total", {**BACKEND_0, **POD_CGROUP}, "0+7.5x40"),
    ("container_memory_working_set_bytes", {**BACKEND_0, **POD_CGROUP}, "209715200x40"),
    ("container_cpu_cfs_periods_total", {**BACKEND_0, "container": "backend"}, "0+150x40"),
    (
        "container_cpu_cfs_throttled_periods_total",
        {**BACKEND_0, "container": "backend"},
        "0+150x40",
    ),
    ("kube_pod_info", {**BACKEND_0, "node": "kind-worker"}, "1x4 stale"),
    ("kube_pod_info", {**BACKEND_1, "node": "kind-worker"}, "1x40"),
    ("kube_pod_info", {**WEBUI_1, "node": "kind-worker"}, "1x40"),
    ("container_cpu_cfs_periods_total", {**BACKEND_1, "container": "backend"}, "0+150x40"),
    ("container_cpu_cfs_throttled_periods_total", {**BACKEND_1, "container": "backend"}, "0+75x40"),
    ("container_cpu_cfs_periods_total", {**WEBUI_1, "container": "webui"}, "0+150x40"),
    ("container_cpu_cfs_throttled_periods_total", {**WEBUI_1, "container": "webui"}, "0x40"),
    # kube-state-metrics (honor_labels keeps the described object's namespace and pod).
    ("kube_pod_container_status_restarts_total", {**BACKEND_1, "container": "backend"}, "0x8 1x32"),
    ("kube_pod_container_status_restarts_total", {**WEBUI_1, "container": "webui"}, "0x40"),
    ("kube_deployment_status_replicas_ready", {**APP, "deployment": "backend"}, "2x8 1x32"),
    ("kube_deployment_spec_replicas", {**APP, "deployment": "backend"}, "2x40"),
    ("kube_deployment_status_replicas_ready", {**OTHER, "deployment": "coredns"}, "2x40"),
    # kube-state-metrics on the HorizontalPodAutoscalers: the backend's scales out under load.
    ("kube_horizontalpodautoscaler_status_desired_replicas", {**HPA_BACKEND}, "3x8 5x32"),
    ("kube_horizontalpodautoscaler_status_current_replicas", {**HPA_BACKEND}, "3x12 5x28"),
    ("kube_horizontalpodautoscaler_status_desired_replicas", {**HPA_WEBUI}, "3x40"),
    ("kube_horizontalpodautoscaler_status_current_replicas", {**HPA_WEBUI}, "3x40"),
    (
        "kube_horizontalpodautoscaler_status_target_metric",
        {**HPA_BACKEND, **HPA_CPU},
        "20x8 140x32",
    ),
    ("kube_horizontalpodautoscaler_spec_target_metric", {**HPA_BACKEND, **HPA_CPU}, "70x40"),
    ("kube_horizontalpodautoscaler_status_target_metric", {**HPA_WEBUI, **HPA_CPU}, "15x40"),
    ("kube_horizontalpodautoscaler_spec_target_metric", {**HPA_WEBUI, **HPA_CPU}, "70x40"),
    # An HPA in another namespace stays out.
    (
        "kube_horizontalpodautoscaler_status_desired_replicas",
        {**OTHER, "horizontalpodautoscaler": "x"},
        "9x40",
    ),
    # backend → Yahoo failures: a loopback run has no Yahoo that could fail.
    (
        "stockwatch_upstream_errors_total",
        {**BACKEND_1, "app": "backend", "provider": "yfinance", "reason": "rate_limited"},
        "0+15x40",
    ),
]
EVAL_TIME = "5m"
# (panel title, legend) → expected samples at EVAL_TIME.
EXPECTED: dict[tuple[str, str], list[tuple[dict[str, str], float]]] = {
    ("Pod CPU (cores)", "{{pod}}"): [({"pod": "backend-1"}, 0.5), ({"pod": "webui-1"}, 0.2)],
    ("Pod memory (working set)", "{{pod}}"): [
        ({"pod": "backend-1"}, 209715200),
        ({"pod": "webui-1"}, 104857600),
    ],
    ("Container restarts (last 15 min)", "{{pod}}"): [
        ({"pod": "backend-1"}, 1),
        ({"pod": "webui-1"}, 0),
    ],
    ("Ready vs desired replicas", "{{deployment}} ready"): [({"deployment": "backend"}, 1)],
    ("Ready vs desired replicas", "{{deployment}} desired"): [({"deployment": "backend"}, 2)],
    ("CPU throttling", "{{pod}}/{{container}}"): [
        ({"pod": "backend-1", "container": "backend"}, 0.5),
        ({"pod": "webui-1", "container": "webui"}, 0),
    ],
    ("HPA desired vs current replicas", "{{horizontalpodautoscaler}} desired"): [
        ({"horizontalpodautoscaler": "backend"}, 5),
        ({"horizontalpodautoscaler": "webui"}, 3),
    ],
    ("HPA desired vs current replicas", "{{horizontalpodautoscaler}} current"): [
        ({"horizontalpodautoscaler": "backend"}, 5),
        ({"horizontalpodautoscaler": "webui"}, 3),
    ],
    ("HPA CPU utilisation vs target", "{{horizontalpodautoscaler}} current"): [
        ({"horizontalpodautoscaler": "backend"}, 140),
        ({"horizontalpodautoscaler": "webui"}, 15),
    ],
    ("HPA CPU utilisation vs target", "{{horizontalpodautoscaler}} target"): [
        ({"horizontalpodautoscaler": "backend"}, 70),
        ({"horizontalpodautoscaler": "webui"}, 70),
    ],
    ("Upstream errors and stale responses", "backend → {{provider}} {{reason}}"): [
        ({"provider": "yfinance", "reason": "rate_limited"}, 1),
    ],
}


def synthetic_queries() -> list[tuple[PanelSpec, Query]]:
    return [
        (spec, query)
        for spec in panel_specs()
        for query in spec.queries
        if (spec.title, query.legend) in EXPECTED
    ]


def test_every_kubernetes_panel_query_has_a_synthetic_expectation():
    kubernetes = {
        (spec.title, query.legend)
        for spec in panel_specs()
        if spec.source == "kubernetes"
        for query in spec.queries
    }
    assert kubernetes <= set(EXPECTED)


def test_every_expectation_names_a_dashboard_query():
    assert {(spec.title, query.legend) for spec, query in synthetic_queries()} == set(EXPECTED)


@pytest.mark.parametrize(
    ("spec", "query"), synthetic_queries(), ids=lambda item: getattr(item, "title", "")
)
def test_panel_query_on_synthetic_series(spec, query, tmp_path):
    expected = EXPECTED[(spec.title, query.legend)]
    assert_promql(instantiate(query.expr), INPUT_SERIES, EVAL_TIME, expected, tmp_path)
