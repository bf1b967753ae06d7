"""Every app and node dashboard query on a real Prometheus that scrapes real services on loopback.

backend and webui run under gunicorn (2 workers each) with the backend's fault knobs on, the
load generator and prometheus-node-exporter beside them; Prometheus uses the cluster config's
own scrape jobs (discovery swapped for static targets) and the repository's rule files.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from grafana.dashboard import PanelSpec, Query, panel_specs
from tests.monitoring.panel_queries import instantiate, legend_labels
from tests.monitoring.prometheus_config import (
    APP_NAMESPACE,
    RULE_FILES,
    pod_target,
    rendered_config,
    rules,
    scrape_annotations,
    scrape_job,
    with_static_targets,
)
from tests.monitoring.test_synthetic_panels import EXPECTED as SYNTHETIC
from tests.support import http
from tests.support.prometheus import api_get, prometheus_server, query, wait_for_result
from tests.support.servers import RunningProcess, free_port, loadgen_service, running
from tests.support.stack import local_stack

pytestmark = pytest.mark.slow

NODE_EXPORTER = "prometheus-node-exporter"
TRAFFIC_SECONDS = 6.0
# Client-side requests besides the load generator's, so 4xx answers show up too.
BACKEND_PATHS = (
    "/api/v1/quotes",
    "/api/v1/quotes/AAPL",
    "/api/v1/quotes/MSFT/history?period=1d&interval=5m",
    "/api/v1/quotes/not%20a%20symbol",  # 400 invalid_symbol
    "/api/v1/no-such-route",  # 404
)
WEBUI_PATHS = ("/", "/symbol/AAPL")
# Pod names as a Deployment would give them; the scrape relabelling turns them into labels.
PODS = {"backend": "backend-6c9f8d7b5-k2x8q", "webui": "webui-7d4b9c6f8-p5m2z"}
LOADGEN_POD = "loadgen-5f6d7c8b9-w4n7r"
# Labels a recording rule keeps that its panel query aggregates away.
IGNORED = ("__name__", "namespace")
RECORDING_RULES = {rule["record"]: rule["expr"] for rule in rules() if "record" in rule}


@dataclass
class Stack:
    prometheus: RunningProcess
    services: dict[str, RunningProcess]


def live_queries() -> list[tuple[PanelSpec, Query]]:
    """App and node queries, except those only synthetic series can feed (no Yahoo here)."""
    return [
        (spec, query)
        for spec in panel_specs()
        if spec.source in ("app", "node")
        for query in spec.queries
        if (spec.title, query.legend) not in SYNTHETIC
    ]


def metrics_port(server: RunningProcess) -> int:
    return int(server.metrics_url.split(":")[-1].split("/")[0])


def app_port(server: RunningProcess) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def app_targets(services: dict[str, RunningProcess]) -> list[dict]:
    """What kubernetes_sd reports for the stockwatch pods: one target per declared container
    port (http and metrics), the pods annotated for scraping on the metrics port."""
    targets = []
    for app, server in services.items():
        pod = PODS.get(app, LOADGEN_POD)
        ports = [("metrics", metrics_port(server))]
        if app in PODS:
            ports.append(("http", app_port(server)))
        for port_name, port in ports:
            targets.append(
                pod_target(
                    f"127.0.0.1:{port}",
                    namespace=APP_NAMESPACE,
                    pod=pod,
                    container=app,
                    app=app,
                    port=port,
                    port_name=port_name,
                    annotations=scrape_annotations(metrics_port(server)),
                )
            )
    return targets


def node_exporter_target(address: str) -> dict:
    port = int(address.rsplit(":", 1)[1])
    return pod_target(
        address,
        namespace="monitoring",
        pod="node-exporter-x7k2p",
        container="node-exporter",
        app="node-exporter",
        port=port,
        port_name="metrics",
    )


def get(url: str) -> None:
    """One client request; any HTTP status is a fine outcome here."""
    # A timed-out request is traffic too; the metrics count it.
    with contextlib.suppress(urllib.error.URLError, TimeoutError):
        http.get(url)


def send_traffic(backend: str, webui: str, seconds: float) -> None:
    urls = [backend + path for path in BACKEND_PATHS] + [webui + path for path in WEBUI_PATHS]
    end = time.monotonic() + seconds
    with ThreadPoolExecutor(max_workers=6) as pool:
        while time.monotonic() < end:
            list(pool.map(get, urls))


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if shutil.which(NODE_EXPORTER) is None:
        pytest.fail(f"{NODE_EXPORTER} is not installed (Debian: apt-get install {NODE_EXPORTER})")
    tmp = tmp_path_factory.mktemp("live")
    with ExitStack() as stack:
        app = stack.enter_context(
            local_stack(
                tmp,
                # 20% 503s and up to 400 ms of delay: errors and slow requests for the panels.
                backend_env={"FAULT_ERROR_RATE": "0.2", "FAULT_DELAY_MS": "400"},
                # A read timeout under the backend's delay makes some pages degrade.
                webui_env={"BACKEND_READ_TIMEOUT": "0.3"},
            )
        )
        backend, webui = app.backend, app.webui
        loadgen = stack.enter_context(
            loadgen_service(tmp, backend.base_url, webui.base_url, {"LOADGEN_TIMEOUT": "2"})
        )
        node_address = f"127.0.0.1:{free_port()}"
        stack.enter_context(
            running(
                "node-exporter",
                [NODE_EXPORTER, f"--web.listen-address={node_address}"],
                tmp / "node-exporter.log",
                f"http://{node_address}/metrics",
                f"http://{node_address}",
            )
        )
        services = {"backend": backend, "webui": webui, "loadgen": loadgen}
        cluster = rendered_config()
        config = {
            "global": {
                "scrape_interval": "1s",
                "scrape_timeout": "1s",
                "evaluation_interval": "1s",
            },
            "scrape_configs": [
                with_static_targets(scrape_job(cluster, "kubernetes-pods"), app_targets(services)),
                with_static_targets(
                    scrape_job(cluster, "node-exporter"), [node_exporter_target(node_address)]
                ),
            ],
        }
        prometheus = stack.enter_context(
            prometheus_server(tmp_path_factory.mktemp("prometheus"), config, RULE_FILES)
        )
        traffic = threading.Thread(
            target=send_traffic, args=(backend.base_url, webui.base_url, TRAFFIC_SECONDS)
        )
        traffic.start()
        traffic.join(TRAFFIC_SECONDS + 30)
        yield Stack(prometheus, services)


def test_every_app_and_node_query_is_checked_live_or_synthetically():
    checked = {(s.title, q.legend) for s, q in live_queries()} | set(SYNTHETIC)
    wanted = {
        (spec.title, query.legend)
        for spec in panel_specs()
        if spec.source in ("app", "node")
        for query in spec.queries
    }
    assert wanted <= checked


def test_app_scrape_keeps_one_target_per_pod_on_its_metrics_port(stack):
    active = api_get(stack.prometheus.base_url, "targets", {"state": "active"})["activeTargets"]
    app_scrapes = [t for t in active if t["labels"]["job"] == "kubernetes-pods"]
    expected = {
        f"http://127.0.0.1:{metrics_port(server)}/metrics" for server in stack.services.values()
    }
    assert {t["scrapeUrl"] for t in app_scrapes} == expected


def test_app_series_carry_namespace_pod_container_and_app(stack):
    expected = {
        (APP_NAMESPACE, PODS["backend"], "backend", "backend"),
        (APP_NAMESPACE, PODS["webui"], "webui", "webui"),
    }

    def pod_labels(result: list[dict]) -> set[tuple[str, ...]]:
        keys = ("namespace", "pod", "container", "app")
        return {tuple(sample["metric"].get(key, "") for key in keys) for sample in result}

    result = wait_for_result(
        stack.prometheus.base_url,
        "stockwatch_build_info",
        30,
        until=lambda result: pod_labels(result) >= expected,
    )
    assert pod_labels(result) == expected


def test_traffic_reached_the_request_rate_panel_with_4xx_and_5xx(stack):
    rate = next(spec for spec in panel_specs() if spec.title == "API request rate")
    wanted = {"200", "400", "404", "503"}

    def backend_statuses(result: list[dict]) -> set[str]:
        return {s["metric"]["status"] for s in result if s["metric"]["app"] == "backend"}

    result = wait_for_result(
        stack.prometheus.base_url,
        instantiate(rate.queries[0].expr),
        30,
        until=lambda result: backend_statuses(result) >= wanted,
    )
    assert backend_statuses(result) >= wanted


def test_injected_5xx_turn_the_high_5xx_ratio_alert_pending_for_the_backend(stack):
    # 20% injected 503s are far above the 5% threshold; `for: 2m` keeps it pending here.
    alerts = wait_for_result(
        stack.prometheus.base_url, 'ALERTS{alertname="High5xxRatio", app="backend"}', 30
    )
    assert {alert["metric"]["alertstate"] for alert in alerts} == {"pending"}


@pytest.mark.parametrize(
    ("spec", "query"),
    live_queries(),
    ids=lambda item: getattr(item, "title", None) or getattr(item, "legend", ""),
)
def test_panel_query_returns_data_with_its_legend_labels(stack, spec, query):
    result = wait_for_result(stack.prometheus.base_url, instantiate(query.expr), 30)
    needed = legend_labels(query.legend)
    for sample in result:
        assert needed <= set(sample["metric"]), f"{spec.title}: {sample['metric']}"
    values = [float(sample["value"][1]) for sample in result]
    assert any(math.isfinite(value) for value in values), f"{spec.title}: {values}"


@pytest.mark.parametrize(
    ("record", "title"),
    [
        ("namespace_app_status:django_http_responses:rate1m", "API request rate"),
        (
            "namespace_app:django_http_requests_latency_seconds:p95_rate1m",
            "API p95 latency per service",
        ),
        ("namespace_app:django_http_responses_5xx:ratio_rate1m", "5xx ratio"),
    ],
)
def test_recording_rule_expression_equals_its_panel_query(stack, record, title):
    base = stack.prometheus.base_url
    (panel_query,) = next(spec for spec in panel_specs() if spec.title == title).queries
    # Both queries at one instant old enough that every scrape started before it has landed
    # (scrape timeout 2s), so they see exactly the same samples. The rule engine itself is
    # covered by rules_test.yml.
    wait_for_result(base, f'{record}{{namespace="{APP_NAMESPACE}"}} offset 5s', 30)
    at = time.time() - 5

    def by_labels(result: list[dict]) -> dict[tuple, float]:
        return {
            tuple(sorted(item for item in s["metric"].items() if item[0] not in IGNORED)): float(
                s["value"][1]
            )
            for s in result
            if s["metric"].get("namespace", APP_NAMESPACE) == APP_NAMESPACE
        }

    recorded = by_labels(query(base, RECORDING_RULES[record], time=at))
    panel = by_labels(query(base, instantiate(panel_query.expr), time=at))
    assert recorded and panel.keys() == recorded.keys()
    for labels, value in panel.items():
        assert math.isclose(value, recorded[labels], rel_tol=1e-9) or (
            math.isnan(value) and math.isnan(recorded[labels])
        ), f"{labels}: panel {value}, recording rule {recorded[labels]}"
