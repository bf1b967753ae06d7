"""kind/cluster.yaml gives the cluster the overlays and the Makefile expect."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.support.render import REPO, by_kind, overlay, render
from tests.support.validate import KUBERNETES_VERSION

CLUSTER = yaml.safe_load((REPO / "kind" / "cluster.yaml").read_text())
NGF_VALUES = yaml.safe_load((REPO / "kind" / "nginx-gateway-fabric-values.yaml").read_text())
CLUSTER_MK = (REPO / "mk" / "cluster.mk").read_text()
NODE_IMAGE = re.compile(r"^kindest/node:v(?P<minor>\d+\.\d+)\.\d+@sha256:[0-9a-f]{64}$")
# docs/architecture.md: NodePorts of the webui, Grafana, Prometheus, the Chaos Mesh dashboard.
CONTRACT_NODE_PORTS = {30080, 30300, 30090, 32333}


# The kind v1alpha4 fields this config may use; kind rejects unknown ones only at create time.
CLUSTER_FIELDS = {"kind", "apiVersion", "name", "nodes", "networking", "featureGates"}
NODE_FIELDS = {"role", "image", "labels", "extraPortMappings", "extraMounts"}
PORT_MAPPING_FIELDS = {"containerPort", "hostPort", "listenAddress", "protocol"}


def roles() -> list[str]:
    return [node["role"] for node in CLUSTER["nodes"]]


def control_plane() -> dict:
    return next(node for node in CLUSTER["nodes"] if node["role"] == "control-plane")


def host_ports() -> set[int]:
    return {mapping["hostPort"] for mapping in control_plane().get("extraPortMappings", [])}


def test_the_config_uses_only_known_kind_fields():
    assert set(CLUSTER) <= CLUSTER_FIELDS
    assert (CLUSTER["kind"], CLUSTER["apiVersion"]) == ("Cluster", "kind.x-k8s.io/v1alpha4")
    for node in CLUSTER["nodes"]:
        assert set(node) <= NODE_FIELDS
        for mapping in node.get("extraPortMappings", []):
            assert set(mapping) <= PORT_MAPPING_FIELDS


def test_the_cluster_has_one_control_plane_and_two_workers():
    assert sorted(roles()) == ["control-plane", "worker", "worker"]


@pytest.mark.parametrize("node", range(len(CLUSTER["nodes"])))
def test_every_node_runs_the_pinned_kubernetes_version_the_schemas_check(node):
    match = NODE_IMAGE.match(CLUSTER["nodes"][node]["image"])
    assert match, "node image must be kindest/node:vX.Y.Z@sha256:<digest>"
    assert match["minor"] == KUBERNETES_VERSION


def test_host_port_80_reaches_the_gateway_listener_through_its_node_port():
    # NGINX Gateway Fabric publishes the Gateway's listener port 80 on a fixed NodePort
    # (kind/nginx-gateway-fabric-values.yaml); kind maps 127.0.0.1:80 on the host to it.
    node_ports = {
        entry["listenerPort"]: entry["port"]
        for entry in NGF_VALUES["nginx"]["service"]["nodePorts"]
    }
    [mapping] = [m for m in control_plane()["extraPortMappings"] if m["hostPort"] == 80]
    assert mapping["containerPort"] == node_ports[80]
    assert NGF_VALUES["nginx"]["service"]["type"] == "NodePort"
    # The host port lands on the control-plane node; `Cluster` lets kube-proxy forward it to the
    # nginx pod wherever it runs (`Local` would drop it unless the pod ran on that node).
    assert NGF_VALUES["nginx"]["service"]["externalTrafficPolicy"] == "Cluster"


def test_every_other_port_mapping_maps_a_node_port_to_itself_on_loopback():
    mappings = control_plane()["extraPortMappings"]
    assert [m for m in mappings if m["hostPort"] not in (80, m["containerPort"])] == []
    assert {m.get("listenAddress") for m in mappings} == {"127.0.0.1"}


def test_no_node_carries_labels_for_a_controller_that_is_gone():
    # ingress-nginx's kind manifest scheduled onto `ingress-ready` nodes; nothing needs it now.
    assert [node.get("labels") for node in CLUSTER["nodes"] if node.get("labels")] == []


def test_the_node_image_is_built_for_the_kind_release_the_makefile_names():
    kind_version = re.search(r"^KIND_VERSION := (\S+)$", CLUSTER_MK, re.MULTILINE)[1]
    comments = (REPO / "kind" / "cluster.yaml").read_text()
    assert f"kind {kind_version}" in comments


def test_the_contract_node_ports_are_published():
    assert host_ports() >= CONTRACT_NODE_PORTS


def test_every_node_port_the_kind_overlay_uses_is_published():
    kind = render(overlay("kind"))
    node_ports = {
        port["nodePort"]
        for service in by_kind(kind, "Service")
        for port in service["spec"]["ports"]
        if "nodePort" in port
    }
    assert node_ports
    assert node_ports <= host_ports()
