"""`make e2e`: connect to the cluster once, refuse clearly when it is not ready for the suite,
skip what E2E_WITHOUT declares missing, run disruptive checks last, and end with a summary."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from chaoslab.experiments import available, resolve
from chaoslab.kube import Cluster, ClusterError, api_client_from_kubeconfig
from kubernetes import client, config

from tests.e2e.cluster import container_environment, exists, pods
from tests.e2e.components import COMPONENTS, skip_reason
from tests.e2e.forwarding import Forward, forwarder
from tests.e2e.loadgen_counters import Loadgen
from tests.e2e.settings import APP_NAMESPACE, MONITORING_NAMESPACE, NAMESPACES, Settings, from_env
from tests.support.polling import wait_for
from tests.support.prometheus import ROUTE_PREFIX
from tests.support.render import REPO

EXPERIMENTS = REPO / "chaos" / "experiments"
MODULE_ORDER = [
    "test_workloads",
    "test_pod_security",
    "test_services",
    "test_prometheus",
    "test_dashboard",
    "test_grafana",
    "test_edge",
    "test_network_policy",
    "test_rolling_restart",
    "test_pod_kill",
]
NOT_DEPLOYED = (
    "the suite tests what `make deploy` and `make chaos-deploy` applied (kind + chaos overlays, "
    "images present, then `make chaos-stop`); see README 'End-to-end tests on a cluster'"
)
_STARTED = pytest.StashKey[float]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs(component): skipped when E2E_WITHOUT declares the component missing"
    )
    config.addinivalue_line("markers", "disruptive: restarts or kills pods; runs after the rest")
    config.stash[_STARTED] = time.monotonic()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    try:
        without = from_env().without
    except ValueError as error:
        raise pytest.UsageError(str(error)) from error
    for item in items:
        for mark in item.iter_markers("needs"):
            component = mark.args[0]
            assert component in COMPONENTS, f"{item.nodeid}: unknown component {component!r}"
            if component in without:
                item.add_marker(pytest.mark.skip(reason=skip_reason(component)))
    # Cheap and fundamental first; disruptive checks last, so nothing they cause is judged by
    # the others (the sort is stable: each module keeps its own order).
    items.sort(key=_position)


def _position(item: pytest.Item) -> tuple[bool, int]:
    module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
    rank = MODULE_ORDER.index(module) if module in MODULE_ORDER else len(MODULE_ORDER)
    return item.get_closest_marker("disruptive") is not None, rank


@pytest.fixture(scope="session")
def settings() -> Settings:
    return from_env()


def _preflight(api: client.ApiClient) -> list[str]:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    kinds = sorted({experiment.kind for experiment in resolve(EXPERIMENTS, available(EXPERIMENTS))})
    problems = Cluster(api, APP_NAMESPACE, "").preflight([], kinds)
    if problems and "unreachable" in problems[0]:
        return problems
    for namespace in NAMESPACES:
        if not exists(core.read_namespace, namespace):
            problems.append(f"namespace {namespace} does not exist: {NOT_DEPLOYED}")
    if not problems and not exists(apps.read_namespaced_deployment, "loadgen", APP_NAMESPACE):
        problems.append(f"no load generator in {APP_NAMESPACE}: {NOT_DEPLOYED}")
    return problems


@pytest.fixture(scope="session")
def api(settings: Settings) -> client.ApiClient:
    """The cluster's API; stops the whole run with what to do when it is not ready for the suite."""
    try:
        api_client = api_client_from_kubeconfig(None, settings.context)
    except ClusterError as error:
        context = settings.context or "the current context"
        pytest.exit(f"e2e: cannot use {context}: {error} (set E2E_CONTEXT or KUBECONFIG)", 2)
    context = f"context {settings.context or config.list_kube_config_contexts()[1]['name']}"
    problems = _preflight(api_client)
    if problems:
        pytest.exit(
            f"e2e: {context} is not ready for the suite:\n  - " + "\n  - ".join(problems), 2
        )
    return api_client


@pytest.fixture(scope="session")
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture(scope="session")
def apps(api: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api)


@pytest.fixture(scope="session")
def forward(settings: Settings, api: client.ApiClient) -> Forward:
    """forward(namespace, service, port) -> base URL of a port-forward to that Service."""
    return forwarder(settings.context)


@pytest.fixture(scope="session")
def prometheus(forward: Forward, settings: Settings) -> Iterator[str]:
    """Base URL of the cluster's Prometheus (route prefix included), once it is ready."""
    with forward(MONITORING_NAMESPACE, "prometheus", 9090) as base:
        url = base + ROUTE_PREFIX
        wait_for(
            lambda: requests.get(f"{url}/-/ready", timeout=5).ok,
            settings.timeout,
            "Prometheus ready",
        )
        yield url


@pytest.fixture
def loadgen(forward: Forward, apps: client.AppsV1Api, core: client.CoreV1Api) -> Iterator[Loadgen]:
    """The load generator's counters (through a port-forward) and its rate and client timeout;
    fails the test if its pods restarted meanwhile (the counters would start again from 0)."""
    env = container_environment(apps, core, APP_NAMESPACE, "loadgen")
    selector = "app.kubernetes.io/name=loadgen"
    before = _incarnations(core, selector)
    with forward(APP_NAMESPACE, "loadgen", 9000) as base:
        yield Loadgen(f"{base}/metrics", float(env["LOADGEN_RATE"]), float(env["LOADGEN_TIMEOUT"]))
    assert _incarnations(core, selector) == before, "the load generator restarted meanwhile"


def _incarnations(core: client.CoreV1Api, selector: str) -> dict[str, int]:
    return {
        pod.metadata.name: sum(s.restart_count for s in pod.status.container_statuses or [])
        for pod in pods(core, APP_NAMESPACE, selector)
    }


def _reason(report: pytest.TestReport) -> str:
    return report.longrepr[2] if isinstance(report.longrepr, tuple) else ""


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    stats = terminalreporter.stats
    if not any(stats.get(key) for key in ("passed", "failed", "skipped", "error")):
        return
    write = terminalreporter.write_line
    terminalreporter.section("stockwatch e2e summary")
    try:
        target = from_env().context or "current kubectl context"
    except ValueError:
        target = "?"
    write(f"cluster: {target}")
    for outcome in ("passed", "failed", "error", "skipped"):
        reports = [r for r in stats.get(outcome, []) if isinstance(r, pytest.TestReport)]
        if not reports:
            continue
        write(f"{outcome} ({len(reports)}):")
        for report in reports:
            name = report.nodeid.split("::", 1)[-1]
            reason = f"  -- {_reason(report)}" if outcome == "skipped" else ""
            write(f"  {name}{reason}")
            for key, value in report.user_properties:
                write(f"      {key}: {value}")
    elapsed = time.monotonic() - config.stash.get(_STARTED, time.monotonic())
    write(f"wall time: {elapsed:.0f} s")
