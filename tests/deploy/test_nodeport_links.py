"""The webui's Grafana and Prometheus links on kind (issue 20, item 4): relative links led to the
webui's own 404 on its NodePort, http://localhost:30080/. The links must name a NodePort that
Grafana's or Prometheus's Service opens and kind/cluster.yaml maps to the same host port, and the
sub-path those servers answer on, so they work from the Gateway and from the NodePort alike."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import yaml

from tests.support.render import REPO, by_kind, overlay, render

CLUSTER = yaml.safe_load((REPO / "kind" / "cluster.yaml").read_text())
LINKS = {"GRAFANA_URL": ("grafana", "/grafana/"), "PROMETHEUS_URL": ("prometheus", "/prometheus/")}


def webui_config(objects: list[dict]) -> dict:
    (config,) = [
        obj
        for obj in by_kind(objects, "ConfigMap")
        if obj["metadata"]["name"].startswith("webui-config")
    ]
    return config["data"]


def node_ports(objects: list[dict], app: str) -> set[int]:
    return {
        port["nodePort"]
        for service in by_kind(objects, "Service")
        if service["spec"].get("type") == "NodePort"
        and service["spec"]["selector"].get("app.kubernetes.io/name") == app
        for port in service["spec"]["ports"]
    }


def host_mapped_ports() -> set[int]:
    return {
        mapping["hostPort"]
        for node in CLUSTER["nodes"]
        for mapping in node.get("extraPortMappings", [])
        if mapping["hostPort"] == mapping["containerPort"]
    }


@pytest.mark.parametrize("tree", ["kind", "chaos"])
@pytest.mark.parametrize("variable", sorted(LINKS))
def test_the_webui_links_reach_the_nodeport_of_what_they_name(tree, variable):
    objects = render(overlay(tree))
    app, path = LINKS[variable]
    link = urlsplit(webui_config(objects)[variable])
    assert link.scheme == "http" and link.hostname == "localhost", link.geturl()
    assert link.port in node_ports(objects, app)
    assert link.port in host_mapped_ports()
    assert link.path == path


def test_without_the_nodeports_the_links_stay_relative_to_the_front_door():
    data = webui_config(render(REPO / "kustomize" / "base"))
    assert {data[variable] for variable in LINKS} == {"/grafana/", "/prometheus/"}
