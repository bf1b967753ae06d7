"""The generated dashboard: up to date, classic schema, provisioned with a fixed uid."""

from __future__ import annotations

import json

import pytest
import yaml

from grafana import dashboard
from tests.support.render import REPO

PROVISIONING = REPO / "grafana" / "provisioning"


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(dashboard.OUTPUT.read_text())


def panels(document: dict) -> list[dict]:
    return [panel for panel in document["panels"] if panel["type"] != "row"]


def test_committed_json_is_what_the_generator_writes():
    assert dashboard.OUTPUT.read_text() == dashboard.render(), "run 'make dashboards'"


def test_dashboard_is_classic_json_with_fixed_uid_and_title(document):
    # Grafana 13's file provisioning rejects v2-schema (apiVersion/kind/spec) documents.
    assert not {"apiVersion", "kind", "spec"} & set(document)
    assert document["uid"] == "stockwatch-overview"
    assert document["title"] == "stockwatch overview"
    assert "id" not in document or document["id"] is None


def test_dashboard_has_datasource_and_namespace_variables(document):
    variables = {variable["name"]: variable for variable in document["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["namespace"]["current"]["value"] == "stock-monitoring"


def test_default_datasource_is_the_provisioned_one(document):
    provisioned = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yaml").read_text())
    (source,) = provisioned["datasources"]
    variables = {variable["name"]: variable for variable in document["templating"]["list"]}
    assert variables["datasource"]["current"]["value"] == source["uid"]
    assert source["url"] == "http://prometheus:9090/prometheus"


def test_every_panel_and_query_uses_the_datasource_variable(document):
    for panel in panels(document):
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]


def test_panel_ids_are_unique_and_fixed(document):
    ids = [panel["id"] for panel in document["panels"]]
    assert len(ids) == len(set(ids))
    assert all(isinstance(panel_id, int) and panel_id > 0 for panel_id in ids)


def test_every_panel_has_a_description_and_a_unit(document):
    for panel in panels(document):
        assert panel["description"].strip(), panel["title"]
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]


def test_required_panels_are_present(document):
    titles = {panel["title"] for panel in panels(document)}
    assert {
        "API request rate",
        "API p95 latency per service",
        "5xx ratio",
        "Pod CPU (cores)",
        "Pod memory (working set)",
        "Container restarts (last 15 min)",
        "Ready vs desired replicas",
        "CPU throttling",
        "Client p95 latency",
        "Client outcomes",
        "Upstream errors and stale responses",
        "Webui degraded pages",
    } <= titles


def test_p95_panel_is_a_histogram_quantile_per_service(document):
    (panel,) = [p for p in panels(document) if p["title"] == "API p95 latency per service"]
    (target,) = panel["targets"]
    assert target["expr"].startswith("histogram_quantile(0.95, sum by (le, app) (rate(")
    assert "_bucket{" in target["expr"]


def test_chaos_events_are_annotations(document):
    annotations = {item["name"]: item for item in document["annotations"]["list"]}
    assert (
        "chaos_controller_manager_chaos_experiments"
        in annotations["Chaos Mesh experiments"]["expr"]
    )
    assert annotations["Chaos lab"]["target"]["tags"] == [dashboard.CHAOS_TAG]
    assert annotations["Annotations & Alerts"]["builtIn"] == 1


def test_dashboard_provider_points_at_the_mounted_dashboard_folder():
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "stockwatch.yaml").read_text())
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/etc/grafana/dashboards"
    assert provider["allowUiUpdates"] is False


def test_docs_list_every_panel(document):
    docs = (REPO / "docs" / "monitoring.md").read_text()
    missing = [panel["title"] for panel in panels(document) if f"| {panel['title']} |" not in docs]
    assert missing == []
