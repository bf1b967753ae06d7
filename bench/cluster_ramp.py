"""A no-fault load ramp on a running cluster: the load generator's rate raised step by step.

For each rate it sets LOADGEN_RATE on the load generator, waits for the rollout, holds, and
prints what Prometheus saw over the last `--window` of the hold: client and server p95, outcomes,
drops, restarts, replicas, CPU per container and per page. Usage (the lab cluster):

    PYTHONPATH=chaos:. .venv/bin/python -m bench.cluster_ramp --context default \
        --prometheus http://127.0.0.1:30090/prometheus 50 100 200

Afterwards the load generator goes back to its ConfigMap's rate. Traffic stays in the cluster.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime

from chaoslab.prometheus import PrometheusClient

NS = "stock-monitoring"
APP = f'namespace="{NS}"'


def queries(window: str) -> dict[str, tuple[str, str]]:
    """(labels to group by, PromQL) per figure, all over the last `window`."""
    client = "stockwatch_loadgen_request_seconds_bucket"
    server = "django_http_requests_latency_including_middlewares_seconds_bucket"
    outcomes = "stockwatch_loadgen_requests_total"
    restarts = f"kube_pod_container_status_restarts_total{{{APP}}}"
    # cAdvisor keeps a killed pod's last values for minutes: count only pods that exist.
    existing = f"on (namespace, pod) group_left max by (namespace, pod) (kube_pod_info{{{APP}}})"
    cpu = f'container_cpu_usage_seconds_total{{{APP},container!="",container!="POD"}}'
    webui_cpu = f'container_cpu_usage_seconds_total{{{APP},container="webui"}}'
    return {
        "client p95 ms": (
            "target",
            f"1000 * histogram_quantile(0.95, sum by (le, target) (rate({client}[{window}])))",
        ),
        "server p95 ms": (
            "app",
            f"1000 * histogram_quantile(0.95,"
            f" sum by (le, app) (rate({server}{{{APP}}}[{window}])))",
        ),
        "outcomes /s": ("target,outcome", f"sum by (target, outcome) (rate({outcomes}[{window}]))"),
        "dropped /s": (
            "target",
            f"sum by (target) (rate(stockwatch_loadgen_dropped_total[{window}]))",
        ),
        "webui degraded pages /s": (
            "",
            f"sum(rate(stockwatch_webui_degraded_pages_total[{window}])) or vector(0)",
        ),
        "restarts in window": ("container", f"sum by (container) (increase({restarts}[{window}]))"),
        "available replicas": (
            "deployment",
            f"max by (deployment) (kube_deployment_status_replicas_available{{{APP}}})",
        ),
        "CPU cores by container": (
            "container",
            f"sum by (container) (rate({cpu}[{window}]) * {existing})",
        ),
        "webui CPU ms per client page (probes and scrapes included)": (
            "",
            f"1000 * sum(rate({webui_cpu}[{window}]) * {existing})"
            f' / sum(rate({outcomes}{{target="webui"}}[{window}]))',
        ),
        "node CPU busy": ("", f'1 - avg(rate(node_cpu_seconds_total{{mode="idle"}}[{window}]))'),
    }


def instant(prometheus: PrometheusClient, promql: str) -> list[tuple[dict[str, str], float]]:
    """Every series' value now (a one-point range query: the runner's client has no other)."""
    now = time.time()
    return [
        (labels, points[max(points)])
        for labels, points in prometheus.query_range_labelled(promql, now, now, 1)
        if points
    ]


def kubectl(context: str, *args: str) -> None:
    subprocess.run(["kubectl", "--context", context, "-n", NS, *args], check=True)


def set_rate(context: str, rate: int | None) -> None:
    setting = "LOADGEN_RATE-" if rate is None else f"LOADGEN_RATE={rate}"
    kubectl(context, "set", "env", "deployment/loadgen", setting)
    kubectl(context, "rollout", "status", "deployment/loadgen", "--timeout=180s")


def describe(results: list[tuple[dict[str, str], float]], group_by: str) -> str:
    keys = [k for k in group_by.split(",") if k]
    parts = []
    for labels, value in sorted(results, key=lambda r: [r[0].get(k, "") for k in keys]):
        name = ",".join(f"{k}={labels.get(k, '')}" for k in keys) or "all"
        parts.append(f"{name}={value:.3g}")
    return "; ".join(parts) or "(no data)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rates", nargs="+", type=int, help="requests per second per target")
    parser.add_argument("--context", required=True, help="kubectl context of the cluster")
    parser.add_argument("--prometheus", required=True, help="Prometheus base URL")
    parser.add_argument("--hold", type=int, default=170, help="seconds per step (default 170)")
    parser.add_argument("--window", default="2m", help="PromQL window read at the end of a step")
    args = parser.parse_args(argv)

    prometheus = PrometheusClient(args.prometheus, timeout=30)
    prometheus.check_ready()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(
        f"# rate ramp, {started}; hold {args.hold}s per step, figures over the last {args.window}"
    )
    try:
        for rate in args.rates:
            set_rate(args.context, rate)
            time.sleep(args.hold)
            print(f"\n## LOADGEN_RATE={rate} per target ({datetime.now(UTC):%H:%M:%S})")
            for name, (group_by, promql) in queries(args.window).items():
                print(f"- {name}: {describe(instant(prometheus, promql), group_by)}")
            sys.stdout.flush()
    finally:
        set_rate(args.context, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
