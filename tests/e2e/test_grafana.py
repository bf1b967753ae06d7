"""Grafana end to end: it serves the provisioned dashboard, its datasource reaches Prometheus
(Grafana -> Prometheus across the namespaces and NetworkPolicies) and every panel's queries get
data through it, the anonymous viewer reads and cannot write, and a chaos annotation made with
the chaos lab's own code shows through the dashboard's annotation query."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest
import requests
from chaoslab.grafana import GrafanaClient, annotation_tags
from kubernetes import client

from tests.e2e.forwarding import Forward
from tests.e2e.grafana_access import admin_credentials, datasource_proxy, prometheus_datasource_uid
from tests.e2e.settings import MONITORING_NAMESPACE, Settings
from tests.support.grafana import (
    PanelQuery,
    load_dashboard,
    panel_queries,
    scrape_interval,
    substitute,
)
from tests.support.grafana import variables as dashboard_variables
from tests.support.polling import NotYet, wait_for
from tests.support.prometheus import query

pytestmark = pytest.mark.needs("grafana")
DASHBOARD = load_dashboard()
VALUES = dashboard_variables(DASHBOARD, scrape_interval())


@pytest.fixture(scope="module")
def grafana(forward: Forward, settings: Settings) -> Iterator[str]:
    """Base URL of the cluster's Grafana (sub-path included), once it is healthy."""
    with forward(MONITORING_NAMESPACE, "grafana", 3000) as base:
        url = f"{base}/grafana"
        wait_for(lambda: requests.get(f"{url}/api/health", timeout=10).ok, settings.timeout,
                 "Grafana healthy")  # fmt: skip
        yield url


@pytest.fixture(scope="module")
def admin(apps: client.AppsV1Api, core: client.CoreV1Api) -> tuple[str, str]:
    return admin_credentials(apps, core)


@pytest.fixture(scope="module")
def prometheus_via_grafana(grafana: str, admin: tuple[str, str]) -> str:
    return datasource_proxy(grafana, admin, prometheus_datasource_uid())


def test_grafana_serves_the_provisioned_dashboard(grafana: str, settings: Settings):
    health = requests.get(f"{grafana}/api/health", timeout=10)
    assert health.json().get("database") == "ok"
    served = wait_for(
        lambda: requests.get(f"{grafana}/api/dashboards/uid/{DASHBOARD['uid']}", timeout=10),
        settings.timeout,
        f"dashboard {DASHBOARD['uid']} provisioned",
    )
    assert served.json()["dashboard"]["title"] == DASHBOARD["title"]


def test_the_provisioned_datasource_reaches_prometheus_through_grafana(
    prometheus_via_grafana: str, record_property
):
    up = query(prometheus_via_grafana, 'up{job="prometheus"}')
    assert [float(sample["value"][1]) for sample in up] == [1.0], up
    record_property("proxy", prometheus_via_grafana.split("/grafana", 1)[1])


@pytest.mark.parametrize("panel_query", panel_queries(DASHBOARD), ids=lambda q: q.name)
def test_every_panel_query_gets_data_through_grafana(
    panel_query: PanelQuery, prometheus_via_grafana: str, settings: Settings
):
    promql = substitute(panel_query.expr, VALUES)

    def data() -> list[float]:
        numbers = [float(s["value"][1]) for s in query(prometheus_via_grafana, promql)]
        if not [n for n in numbers if not math.isnan(n)]:
            raise NotYet(f"no data through Grafana for: {promql}")
        return numbers

    wait_for(data, settings.timeout, f"data through Grafana for {panel_query.name}", interval=5)


def test_the_anonymous_viewer_reads_the_dashboard_and_cannot_write(grafana: str):
    uid = DASHBOARD["uid"]
    assert requests.get(f"{grafana}/api/dashboards/uid/{uid}", timeout=10).status_code == 200
    now = int(time.time() * 1000)
    annotation = {"time": now, "text": "anonymous write", "tags": ["chaos"]}
    posted = requests.post(f"{grafana}/api/annotations", json=annotation, timeout=10)
    assert posted.status_code == 403, posted.text
    dashboard = {"dashboard": {"title": "anonymous write", "uid": None}, "overwrite": False}
    saved = requests.post(f"{grafana}/api/dashboards/db", json=dashboard, timeout=10)
    assert saved.status_code == 403, saved.text


def test_a_chaos_annotation_shows_through_the_dashboards_annotation_query(
    grafana: str, admin: tuple[str, str], record_property
):
    served = requests.get(f"{grafana}/api/dashboards/uid/{DASHBOARD['uid']}", timeout=10).json()
    tags = annotation_tags(served["dashboard"])  # as Grafana serves it (7.5: rewritten shape)
    assert tags, "the dashboard has no Grafana tag annotation query for the chaos lab"
    # Made as the chaos lab makes them: the lab's client, its tags, a region.
    lab = GrafanaClient(grafana, DASHBOARD["uid"], *admin, dashboard_tags=tags)
    end = time.time()
    annotation_id = lab.annotate(end - 60, "chaos: e2e check", ["chaoslab", "e2e"], end)
    try:
        viewer = GrafanaClient(grafana, DASHBOARD["uid"], "", "")  # what the dashboard asks
        found = {a["id"]: a for a in viewer.annotations(end - 120, end + 60, tags)}
        assert annotation_id in found, f"tags {tags} do not find annotation {annotation_id}"
        region = found[annotation_id]
        assert region["timeEnd"] - region["time"] == pytest.approx(60_000, abs=2)
        record_property("annotation", f"{annotation_id} with tags {region['tags']}")
    finally:
        lab.delete_annotation(annotation_id)
    assert annotation_id not in {a["id"] for a in viewer.annotations(end - 120, end + 60, tags)}
