"""Generates grafana/dashboards/stockwatch.json, the stockwatch dashboard (`make dashboards`).

Every panel query is defined once here; tests/monitoring evaluates each of them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grafana_foundation_sdk.builders import common, prometheus, timeseries
from grafana_foundation_sdk.builders import dashboard as builder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import (
    GraphDrawStyle,
    LegendDisplayMode,
    LegendPlacement,
    StackingMode,
    TooltipDisplayMode,
)
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DataSourceRef,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

from devtools.generated_files import command_line
from slo.definitions import load as load_slos

OUTPUT = Path(__file__).resolve().parent / "dashboards" / "stockwatch.json"
UID = "stockwatch-overview"
TITLE = "stockwatch overview"
DATASOURCE_UID = "stockwatch-prometheus"  # grafana/provisioning/datasources/prometheus.yaml
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
# Grafana's built-in source of annotations stored in Grafana itself.
GRAFANA_ANNOTATIONS = DataSourceRef(type_val="grafana", uid="-- Grafana --")
# Annotations the chaos lab writes through Grafana's HTTP API carry this tag.
CHAOS_TAG = "chaos"

NS = 'namespace="$namespace"'
# Traffic = what clients asked for: Prometheus scrapes and kubelet probes are left out.
TRAFFIC = f'{NS}, view!~"metrics|healthz|readyz"'
RESPONSES = "django_http_responses_total_by_status_view_method_total"
LATENCY_BUCKETS = "django_http_requests_latency_seconds_by_view_method_bucket"
# The pod-level cgroup series of cAdvisor: no container, no image (which leaves out the pause
# container), but a pod. It accounts everything in the pod, StressChaos's stress-ng included.
POD_CGROUP = f'{NS}, container="", image="", pod!=""'
# cAdvisor keeps reporting a deleted pod's last values for minutes (measured on a real kubelet),
# so per-pod series are joined with kube-state-metrics' pod series: only pods that exist count.
EXISTING_PODS = (
    f"* on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_info{{{NS}}})"
)
# Scraped by every webui pod from its start: the series that says "the webui exists".
WEBUI_UP = f'stockwatch_build_info{{{NS}, app="webui"}}'


def webui_counter_rate(metric: str, label: str) -> str:
    """Per-`label` rate of a webui counter that is 0, not "No data", while the webui runs and
    nothing has happened yet (counters without a label value are not exported until then);
    a webui that is not there at all still shows "No data"."""
    return (
        f"sum by ({label}) (rate({metric}{{{NS}}}[$__rate_interval]))\n"
        f'or on () label_replace(0 * sum({WEBUI_UP}), "{label}", "none", "", "")'
    )


SLOS = load_slos()
# Burn rate = error ratio / error budget, per SLO (slo:* series: slo/generate.py's rules).
BUDGET_JOIN = "/ on (slo) group_left () slo:error_budget:ratio"
# The dashboard's HPA panels read kube-state-metrics' HorizontalPodAutoscaler series.
HPA = "kube_horizontalpodautoscaler"


def burn_rate(window: str) -> Query:
    """Each SLO's burn rate over `window`, from the generated recording rules."""
    ratio = f"slo:sli_error:ratio_rate{window}{{{NS}}}"
    return Query(f"{ratio}\n{BUDGET_JOIN}", f"{{{{slo}}}} {window}")


def _objectives() -> str:
    return "; ".join(f"{slo.name} {slo.objective * 100:g}%" for slo in SLOS.slos)


def _pairs(severity: str) -> str:
    pairs = SLOS.page if severity == "page" else SLOS.ticket
    return " or ".join(f"{p.burn_rate:g}x over {p.long} and {p.short}" for p in pairs)


CHAOS_EXPERIMENTS = (
    "sum by (kind) (chaos_controller_manager_chaos_experiments"
    f'{{{NS}, phase=~"running|injecting"}}) > 0'
)

# Where a panel's data comes from decides how tests/monitoring proves its queries: "app" series
# come from a live backend/webui/loadgen scrape, "kubernetes" ones from synthetic cAdvisor and
# kube-state-metrics series in promtool unit tests, "node" ones from a local node-exporter, and
# "slo" ones from raw load generator series through the generated SLO rules, in promtool.
Source = Literal["app", "kubernetes", "node", "slo"]


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class PanelSpec:
    title: str
    description: str
    unit: str
    source: Source
    queries: tuple[Query, ...]
    stacked: bool = False


ROWS: tuple[tuple[str, tuple[PanelSpec, ...]], ...] = (
    (
        "Service: requests, latency, errors",
        (
            PanelSpec(
                "API request rate",
                "Requests per second answered by each service, by HTTP status "
                "(django-prometheus, server side; scrapes and probes excluded).",
                "reqps",
                "app",
                (
                    Query(
                        f"sum by (app, status) (rate({RESPONSES}{{{TRAFFIC}}}[$__rate_interval]))",
                        "{{app}} {{status}}",
                    ),
                ),
                stacked=True,
            ),
            PanelSpec(
                "API p95 latency per service",
                "95th percentile of request latency per service, from the django-prometheus "
                "histogram (buckets 5 ms ... 10 s). The HighP95Latency alert fires above 500 ms.",
                "s",
                "app",
                (
                    Query(
                        "histogram_quantile(0.95, sum by (le, app) "
                        f"(rate({LATENCY_BUCKETS}{{{TRAFFIC}}}[$__rate_interval])))",
                        "{{app}} p95",
                    ),
                ),
            ),
            PanelSpec(
                "5xx ratio",
                "Share of requests answered with a 5xx status, per service. The High5xxRatio "
                "alert fires above 5% for 2 minutes.",
                "percentunit",
                "app",
                (
                    # No 5xx at all leaves the numerator empty: fill it with 0 for every app
                    # that answered requests, so a healthy service shows 0%, not "No data".
                    Query(
                        f'(sum by (app) (rate({RESPONSES}{{{TRAFFIC}, status=~"5.."}}'
                        "[$__rate_interval]))\nor\n"
                        f"0 * sum by (app) (rate({RESPONSES}{{{TRAFFIC}}}[$__rate_interval])))"
                        "\n/\n"
                        f"sum by (app) (rate({RESPONSES}{{{TRAFFIC}}}[$__rate_interval]))",
                        "{{app}}",
                    ),
                ),
            ),
        ),
    ),
    (
        "Client side: the load generator's view",
        (
            PanelSpec(
                "Client p95 latency",
                "95th percentile latency measured by the load generator, per target: what a "
                "user waits, including connection failures and retries.",
                "s",
                "app",
                (
                    Query(
                        "histogram_quantile(0.95, sum by (le, target) "
                        f"(rate(stockwatch_loadgen_request_seconds_bucket{{{NS}}}"
                        "[$__rate_interval])))",
                        "{{target}} p95",
                    ),
                ),
            ),
            PanelSpec(
                "Client outcomes",
                "Load generator requests per second by outcome (ok, http_error, timeout, "
                "connection_error) and the arrivals it dropped because too many were in flight.",
                "reqps",
                "app",
                (
                    Query(
                        "sum by (target, outcome) "
                        f"(rate(stockwatch_loadgen_requests_total{{{NS}}}[$__rate_interval]))",
                        "{{target}} {{outcome}}",
                    ),
                    Query(
                        "sum by (target) "
                        f"(rate(stockwatch_loadgen_dropped_total{{{NS}}}[$__rate_interval]))",
                        "{{target}} dropped",
                    ),
                ),
                stacked=True,
            ),
        ),
    ),
    (
        "Dependencies: Yahoo, backend, degraded pages",
        (
            PanelSpec(
                "Upstream errors and stale responses",
                "Backend: failed price fetches by provider and reason, and quotes served stale "
                "from the cache. Webui: failed calls to the backend by reason.",
                "reqps",
                "app",
                (
                    Query(
                        "sum by (provider, reason) "
                        f"(rate(stockwatch_upstream_errors_total{{{NS}}}[$__rate_interval]))",
                        "backend → {{provider}} {{reason}}",
                    ),
                    Query(
                        "sum by (cache) (rate(stockwatch_cache_requests_total"
                        f'{{{NS}, result="stale"}}[$__rate_interval]))',
                        "stale {{cache}}",
                    ),
                    Query(
                        "sum by (reason) "
                        f"(rate(stockwatch_webui_upstream_errors_total{{{NS}}}[$__rate_interval]))",
                        "webui → backend {{reason}}",
                    ),
                ),
            ),
            PanelSpec(
                "Webui degraded pages",
                "Pages the webui rendered without fresh backend data (it shows a notice "
                "instead of failing). The WebuiServingDegradedPages alert fires when more than 1 % "
                "of the pages are degraded for 2 minutes.",
                "reqps",
                "app",
                (
                    Query(
                        webui_counter_rate("stockwatch_webui_degraded_pages_total", "page"),
                        "{{page}}",
                    ),
                ),
            ),
            PanelSpec(
                "Webui page budget overruns",
                "Pages that hit the page budget (the deadline a page answers within) and were "
                "completed from the last good data. 0 while every page finishes in time.",
                "reqps",
                "app",
                (
                    Query(
                        webui_counter_rate("stockwatch_webui_page_budget_overruns_total", "page"),
                        "{{page}}",
                    ),
                ),
            ),
            PanelSpec(
                "Webui shed backend calls",
                "Calls to the backend the webui refused to start because its bounded pool of "
                "backend calls was full (load shedding instead of queueing), per endpoint.",
                "reqps",
                "app",
                (
                    Query(
                        webui_counter_rate("stockwatch_webui_upstream_shed_total", "endpoint"),
                        "{{endpoint}}",
                    ),
                ),
            ),
        ),
    ),
    (
        "Kubernetes: pods and deployments",
        (
            PanelSpec(
                "Pod CPU (cores)",
                "CPU of each pod from its pod-level cgroup (cAdvisor series with "
                'container="" and no image). A StressChaos runs stress-ng inside the pod\'s '
                'cgroup but not always inside a container\'s, so a sum over container!="" '
                "series can miss the stress entirely; the pod-level cgroup contains every "
                "container and anything else placed in the pod, and the pause container is "
                'left out by image="". Only pods kube-state-metrics still lists are shown.',
                "short",
                "kubernetes",
                (
                    Query(
                        "sum by (pod) (rate(container_cpu_usage_seconds_total"
                        f"{{{POD_CGROUP}}}[$__rate_interval])\n{EXISTING_PODS})",
                        "{{pod}}",
                    ),
                ),
            ),
            PanelSpec(
                "Pod memory (working set)",
                "Working set of each pod's cgroup (what the kernel counts against the memory "
                "limit and what the OOM killer looks at), from the pod-level cgroup like CPU, "
                "for pods that still exist.",
                "bytes",
                "kubernetes",
                (
                    Query(
                        "sum by (pod) (container_memory_working_set_bytes"
                        f"{{{POD_CGROUP}}}\n{EXISTING_PODS})",
                        "{{pod}}",
                    ),
                ),
            ),
            PanelSpec(
                "Container restarts (last 15 min)",
                "Restarts of each pod's containers within the 15 minutes before each point "
                "(kube-state-metrics). changes() counts each restart once, where increase() "
                "would extrapolate. A pod killed and replaced is a new pod, not a restart: see "
                "ready vs desired replicas.",
                "short",
                "kubernetes",
                (
                    Query(
                        "sum by (pod) "
                        f"(changes(kube_pod_container_status_restarts_total{{{NS}}}[15m]))",
                        "{{pod}}",
                    ),
                ),
            ),
            PanelSpec(
                "Ready vs desired replicas",
                "Ready replicas of each Deployment against its desired count "
                "(kube-state-metrics). The BackendNoReadyReplicas alert fires when the "
                "backend has none for 1 minute.",
                "short",
                "kubernetes",
                (
                    Query(
                        f"sum by (deployment) (kube_deployment_status_replicas_ready{{{NS}}})",
                        "{{deployment}} ready",
                    ),
                    Query(
                        f"sum by (deployment) (kube_deployment_spec_replicas{{{NS}}})",
                        "{{deployment}} desired",
                    ),
                ),
            ),
            PanelSpec(
                "CPU throttling",
                "Share of CFS periods in which a container was throttled by its CPU limit, for "
                "pods that still exist. The CPUThrottlingHigh alert fires above 25% for 5 minutes.",
                "percentunit",
                "kubernetes",
                (
                    Query(
                        "sum by (pod, container) (rate(container_cpu_cfs_throttled_periods_total"
                        f'{{{NS}, container!=""}}[$__rate_interval])\n{EXISTING_PODS})\n/\n'
                        "sum by (pod, container) (rate(container_cpu_cfs_periods_total"
                        f'{{{NS}, container!=""}}[$__rate_interval]))',
                        "{{pod}}/{{container}}",
                    ),
                ),
            ),
        ),
    ),
    (
        "Nodes",
        (
            PanelSpec(
                "Node CPU and memory used",
                "Per node (node-exporter): share of CPU time not idle and share of memory not "
                "available. Pods rescheduled by chaos land on the other worker.",
                "percentunit",
                "node",
                (
                    Query(
                        "1 - avg by (instance) "
                        '(rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))',
                        "{{instance}} CPU",
                    ),
                    Query(
                        "1 - sum by (instance) (node_memory_MemAvailable_bytes)"
                        " / sum by (instance) (node_memory_MemTotal_bytes)",
                        "{{instance}} memory",
                    ),
                ),
            ),
        ),
    ),
    (
        "SLOs: error budgets and burn rates",
        (
            PanelSpec(
                "Error budget remaining",
                f"Share of each SLO's {SLOS.period_days}-day error budget not yet spent, from the "
                f"load generator's requests (slo/slos.yaml: {_objectives()}). 100% is an "
                "untouched budget, 0 a spent one (the axis stops at 0). Computed over the data "
                "Prometheus keeps: a lab holding 7 days shows the budget spent in those days.",
                "percentunit",
                "slo",
                (
                    Query(
                        f"1 - slo:sli_error:ratio_rate{SLOS.period}{{{NS}}}\n{BUDGET_JOIN}",
                        "{{slo}}",
                    ),
                ),
            ),
            PanelSpec(
                "Burn rate, paging windows",
                "How fast each SLO spends its error budget (error ratio / budget; 1 spends "
                f"exactly the budget in {SLOS.period_days} days) over 5 minutes and 1 hour. "
                f"ErrorBudgetBurnFast pages at {_pairs('page')}.",
                "short",
                "slo",
                (burn_rate("5m"), burn_rate("1h")),
            ),
            PanelSpec(
                "Burn rate, ticket windows",
                "The same burn rate over 6 hours, 1 day and 3 days: slow leaks a page would not "
                f"catch. ErrorBudgetBurnSlow files a ticket at {_pairs('ticket')}.",
                "short",
                "slo",
                (burn_rate("6h"), burn_rate("1d"), burn_rate("3d")),
            ),
        ),
    ),
    (
        "Kubernetes: autoscaling",
        (
            PanelSpec(
                "HPA desired vs current replicas",
                "Replicas each HorizontalPodAutoscaler wants and what its Deployment runs "
                "(kube-state-metrics). Desired above current: pods are starting (or cannot be "
                "scheduled). The HPAs scale up within one 15 s sync and down one pod a minute "
                "after 5 quiet minutes (kustomize/base/*/horizontalpodautoscaler.yaml).",
                "short",
                "kubernetes",
                (
                    Query(
                        f"sum by (horizontalpodautoscaler) ({HPA}_status_desired_replicas{{{NS}}})",
                        "{{horizontalpodautoscaler}} desired",
                    ),
                    Query(
                        f"sum by (horizontalpodautoscaler) ({HPA}_status_current_replicas{{{NS}}})",
                        "{{horizontalpodautoscaler}} current",
                    ),
                ),
            ),
            PanelSpec(
                "HPA CPU utilisation vs target",
                "The CPU utilisation each HorizontalPodAutoscaler last read from metrics-server "
                "(average over its pods, as a percentage of their CPU requests) and its target. "
                "Above the target it adds pods.",
                "percent",
                "kubernetes",
                (
                    Query(
                        f"sum by (horizontalpodautoscaler) ({HPA}_status_target_metric"
                        f'{{{NS}, metric_name="cpu", metric_target_type="utilization"}})',
                        "{{horizontalpodautoscaler}} current",
                    ),
                    Query(
                        f"sum by (horizontalpodautoscaler) ({HPA}_spec_target_metric"
                        f'{{{NS}, metric_name="cpu", metric_target_type="utilization"}})',
                        "{{horizontalpodautoscaler}} target",
                    ),
                ),
            ),
        ),
    ),
)


def panel_specs() -> list[PanelSpec]:
    """Every panel of the dashboard, in order."""
    return [spec for _, specs in ROWS for spec in specs]


def _panel(panel_id: int, spec: PanelSpec) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .id(panel_id)
        .title(spec.title)
        .description(spec.description)
        .datasource(DATASOURCE)
        .unit(spec.unit)
        .min(0)
        .height(8)
        .span(8)
        .draw_style(GraphDrawStyle.LINE)
        .line_width(1)
        .fill_opacity(10)
        .legend(
            common.VizLegendOptions()
            .display_mode(LegendDisplayMode.LIST)
            .placement(LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(common.VizTooltipOptions().mode(TooltipDisplayMode.MULTI))
    )
    if spec.stacked:
        panel = panel.stacking(common.StackingConfig().mode(StackingMode.NORMAL))
    for ref_id, query in zip("ABCDEFGH", spec.queries, strict=False):
        panel = panel.with_target(
            prometheus.Dataquery()
            .expr(query.expr)
            .legend_format(query.legend)
            .ref_id(ref_id)
            .range()
            .datasource(DATASOURCE)
        )
    return panel


def _variables() -> list[builder.DatasourceVariable | builder.QueryVariable]:
    datasource = (
        builder.DatasourceVariable("datasource")
        .label("Data source")
        .type("prometheus")
        .current(VariableOption(selected=True, text="Prometheus", value=DATASOURCE_UID))
    )
    namespace = (
        builder.QueryVariable("namespace")
        .label("Namespace")
        .datasource(DATASOURCE)
        .query("label_values(stockwatch_build_info, namespace)")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .current(VariableOption(selected=True, text="stock-monitoring", value="stock-monitoring"))
    )
    return [datasource, namespace]


def _annotations() -> list[builder.AnnotationQuery]:
    return [
        # This dashboard's own annotations, e.g. the chaos lab's inject/recover marks.
        builder.AnnotationQuery()
        .name("Annotations & Alerts")
        .datasource(GRAFANA_ANNOTATIONS)
        .type("dashboard")
        .icon_color("rgba(0, 211, 255, 1)")
        .enable(True)
        .hide(True),
        # Chaos lab marks on any dashboard, found by tag.
        builder.AnnotationQuery()
        .name("Chaos lab")
        .datasource(GRAFANA_ANNOTATIONS)
        .type("tags")
        .target(
            builder.AnnotationTarget().type("tags").tags([CHAOS_TAG]).match_any(True).limit(100)
        )
        .icon_color("red")
        .enable(True),
        # Chaos Mesh's own view: experiments in a running/injecting phase in this namespace.
        builder.AnnotationQuery()
        .name("Chaos Mesh experiments")
        .datasource(DATASOURCE)
        .expr(CHAOS_EXPERIMENTS)
        .icon_color("orange")
        .enable(True),
    ]


def build() -> dict:
    """The dashboard as classic (v1 schema) JSON, ready for Grafana file provisioning."""
    dashboard = (
        builder.Dashboard(TITLE)
        .uid(UID)
        .description(
            "stockwatch health during chaos experiments: service RED metrics, the load "
            "generator's client view, dependencies, pods and nodes. Generated by "
            "grafana/dashboard.py; do not edit the JSON by hand."
        )
        .tags(["stockwatch", "chaos"])
        .editable()
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .time("now-30m", "now")
        .refresh("10s")
        .timezone("browser")
        .variables(_variables())
        .annotations(_annotations())
    )
    # Fixed panel ids: the chaos lab renders single panels by id (/render/d-solo/...?panelId=).
    panel_ids = iter(range(1, 100))
    for title, specs in ROWS:
        dashboard = dashboard.with_row(builder.Row(title).id(next(panel_ids)))
        for spec in specs:
            dashboard = dashboard.with_panel(_panel(next(panel_ids), spec))
    document = json.loads(json.dumps(dashboard.build(), cls=JSONEncoder))
    # The SDK's AnnotationQuery has no builtIn/titleFormat/step fields; Grafana needs them.
    builtin, _, chaos_mesh = document["annotations"]["list"]
    builtin["builtIn"] = 1
    chaos_mesh.update({"titleFormat": "{{kind}} running", "tagKeys": "kind", "step": "15s"})
    return document


def render() -> str:
    """The exact text of grafana/dashboards/stockwatch.json."""
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    return command_line(
        __doc__.splitlines()[0], lambda: {OUTPUT: render()}, "make dashboards", argv
    )


if __name__ == "__main__":
    sys.exit(main())
