"""The Gateway API front door: routes resolve to Services and ports that exist, attach to a
Gateway listener that admits them, cross namespaces only where the API permits it, and the
Gateway's data plane may reach every backend; the controller's Helm values, the kind port
mapping and the pins agree with it."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.deploy.manifests import find, name_of, namespace_of, pods
from tests.support.render import KUSTOMIZE, REPO, by_kind, overlay, render
from tests.support.selectors import labels_match
from tests.support.validate import GATEWAY_API_GROUP, gateway_api_schema_dir

COMPONENT = KUSTOMIZE / "components" / "gateway"
NGF_VALUES = yaml.safe_load((REPO / "kind" / "nginx-gateway-fabric-values.yaml").read_text())
CLUSTER_MK = (REPO / "mk" / "cluster.mk").read_text()
# Label Gateway API defines for the resources a controller provisions for a Gateway (GEP-1762).
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
# What README.md and `make urls` promise on http://localhost/.
FRONT_DOOR = {
    "/": ("stock-monitoring", "webui"),
    "/api": ("stock-monitoring", "backend"),
    "/grafana": ("monitoring", "grafana"),
    "/prometheus": ("monitoring", "prometheus"),
}


def make_variable(name: str) -> str:
    return re.search(rf"^{name} := (\S+)$", CLUSTER_MK, re.MULTILINE)[1]


def routes(objects: list[dict]) -> list[dict]:
    return [obj for obj in objects if obj["kind"] in ("HTTPRoute", "GRPCRoute")]


def namespace_labels(objects: list[dict], namespace: str) -> dict:
    """A namespace's labels as the API server has them (it adds kubernetes.io/metadata.name)."""
    ns = find(objects, "Namespace", None, namespace) or {"metadata": {}}
    return {**(ns["metadata"].get("labels") or {}), "kubernetes.io/metadata.name": namespace}


def backend_refs(route: dict) -> list[dict]:
    return [ref for rule in route["spec"].get("rules", []) for ref in rule.get("backendRefs", [])]


def reference_granted(objects: list[dict], source: dict, target_kind: str, target: dict) -> bool:
    """Whether a ReferenceGrant in the target's namespace lets `source` refer to it."""
    to_namespace = target.get("namespace")
    for grant in by_kind(objects, "ReferenceGrant"):
        if namespace_of(grant) != to_namespace:
            continue
        allows_from = any(
            entry["group"] == GATEWAY_API_GROUP
            and entry["kind"] == source["kind"]
            and entry["namespace"] == namespace_of(source)
            for entry in grant["spec"]["from"]
        )
        allows_to = any(
            entry["group"] == ""
            and entry["kind"] == target_kind
            and entry.get("name", target["name"]) == target["name"]
            for entry in grant["spec"]["to"]
        )
        if allows_from and allows_to:
            return True
    return False


def listener_admits(objects: list[dict], gateway: dict, listener: dict, route: dict) -> bool:
    allowed = listener.get("allowedRoutes", {})
    kinds = [entry["kind"] for entry in allowed.get("kinds", [])]
    if kinds and route["kind"] not in kinds:
        return False
    namespaces = allowed.get("namespaces", {})
    origin = namespaces.get("from", "Same")
    if origin == "All":
        return True
    if origin == "Same":
        return namespace_of(route) == namespace_of(gateway)
    if origin == "Selector":
        return labels_match(namespaces["selector"], namespace_labels(objects, namespace_of(route)))
    return False


@pytest.fixture
def gateway_objects(objects: list[dict]) -> list[dict]:
    if not routes(objects) and not by_kind(objects, "Gateway"):
        pytest.skip("this tree has no Gateway API objects")
    return objects


def test_every_backend_ref_names_a_service_port_that_exists(gateway_objects):
    problems = []
    for route in routes(gateway_objects):
        for ref in backend_refs(route):
            where = f"{name_of(route)} -> {ref['name']}:{ref.get('port')}"
            if ref.get("group", "") != "" or ref.get("kind", "Service") != "Service":
                problems.append(f"{where}: not a Service")
                continue
            namespace = ref.get("namespace", namespace_of(route))
            service = find(gateway_objects, "Service", namespace, ref["name"])
            if service is None:
                problems.append(f"{where}: no Service in {namespace}")
            elif ref.get("port") not in [port["port"] for port in service["spec"]["ports"]]:
                problems.append(f"{where}: the Service has no such port")
    assert problems == []


def test_cross_namespace_backend_refs_have_a_reference_grant(gateway_objects):
    ungranted = [
        f"{name_of(route)} -> {ref['namespace']}/{ref['name']}"
        for route in routes(gateway_objects)
        for ref in backend_refs(route)
        if ref.get("namespace", namespace_of(route)) != namespace_of(route)
        and not reference_granted(gateway_objects, route, "Service", ref)
    ]
    assert ungranted == []


def test_every_parent_ref_names_a_gateway_listener_that_admits_the_route(gateway_objects):
    problems = []
    for route in routes(gateway_objects):
        assert route["spec"].get("parentRefs"), f"{name_of(route)} attaches to nothing"
        for ref in route["spec"]["parentRefs"]:
            namespace = ref.get("namespace", namespace_of(route))
            where = f"{name_of(route)} -> {namespace}/{ref['name']}"
            if ref.get("group", GATEWAY_API_GROUP) != GATEWAY_API_GROUP or ref.get(
                "kind", "Gateway"
            ) not in ("Gateway",):
                problems.append(f"{where}: not a Gateway")
                continue
            gateway = find(gateway_objects, "Gateway", namespace, ref["name"])
            if gateway is None:
                problems.append(f"{where}: no such Gateway")
                continue
            listeners = [
                listener
                for listener in gateway["spec"]["listeners"]
                if ref.get("sectionName", listener["name"]) == listener["name"]
                and ref.get("port", listener["port"]) == listener["port"]
            ]
            if not listeners:
                problems.append(f"{where}: no listener {ref.get('sectionName')}")
            elif not any(
                listener_admits(gateway_objects, gateway, candidate, route)
                for candidate in listeners
            ):
                problems.append(f"{where}: the listener's allowedRoutes refuse the route")
    assert problems == []


def test_every_gateway_uses_the_class_the_controller_chart_creates(gateway_objects):
    classes = {
        gateway["spec"]["gatewayClassName"] for gateway in by_kind(gateway_objects, "Gateway")
    }
    assert classes <= {
        NGF_VALUES["nginxGateway"]["gatewayClassName"],
        make_variable("GATEWAY_CLASS"),
    }


def test_the_gateway_data_plane_may_reach_every_backend(gateway_objects):
    # Where NetworkPolicies select a backend's pods, one of them must admit the pods the
    # controller provisions for the Gateway (labelled with the Gateway's name) on the target port.
    problems = []
    for route in routes(gateway_objects):
        for parent in route["spec"]["parentRefs"]:
            gateway_namespace = parent.get("namespace", namespace_of(route))
            data_plane_labels = {GATEWAY_NAME_LABEL: parent["name"]}
            for ref in backend_refs(route):
                namespace = ref.get("namespace", namespace_of(route))
                service = find(gateway_objects, "Service", namespace, ref["name"])
                if service is None:
                    continue  # reported by the backend-ref test
                [port] = [p for p in service["spec"]["ports"] if p["port"] == ref["port"]]
                target = port.get("targetPort", port["port"])
                templates = [
                    template
                    for _, template in pods(gateway_objects, namespace)
                    if labels_match(
                        {"matchLabels": service["spec"]["selector"]}, template["metadata"]["labels"]
                    )
                ]
                for template in templates:
                    if not admitted(
                        gateway_objects,
                        namespace,
                        template,
                        gateway_namespace,
                        data_plane_labels,
                        target,
                    ):
                        problems.append(f"{name_of(route)} -> {namespace}/{ref['name']}:{target}")
    assert problems == []


def admitted(objects, namespace, template, peer_namespace, peer_labels, port) -> bool:
    labels = template["metadata"]["labels"]
    policies = [
        policy
        for policy in by_kind(objects, "NetworkPolicy")
        if namespace_of(policy) == namespace
        and "Ingress" in policy["spec"].get("policyTypes", ["Ingress"])
        and labels_match(policy["spec"]["podSelector"], labels)
    ]
    if not policies:
        return True  # nothing isolates these pods
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            ports = [entry.get("port") for entry in rule.get("ports", [])]
            if ports and port not in ports:
                continue
            peers = rule.get("from")
            if not peers:
                return True
            for peer in peers:
                ns_ok = (
                    labels_match(
                        peer["namespaceSelector"], namespace_labels(objects, peer_namespace)
                    )
                    if "namespaceSelector" in peer
                    else peer_namespace == namespace
                )
                if ns_ok and labels_match(peer.get("podSelector", {}), peer_labels):
                    return True
    return False


def test_the_kind_overlay_serves_every_url_the_docs_promise():
    objects = render(overlay("kind"))
    served = {}
    for route in routes(objects):
        assert [ref["name"] for ref in route["spec"]["parentRefs"]] == ["stockwatch"]
        for rule in route["spec"]["rules"]:
            [backend] = backend_refs({"spec": {"rules": [rule]}})
            for match in rule["matches"]:
                assert match["path"]["type"] == "PathPrefix"
                served[match["path"]["value"]] = (namespace_of(route), backend["name"])
    assert served == FRONT_DOOR


def test_the_gateway_listens_for_plain_http_on_port_80():
    [gateway] = by_kind(render(overlay("kind")), "Gateway")
    assert (namespace_of(gateway), gateway["metadata"]["name"]) == (
        make_variable("GATEWAY_NAMESPACE"),
        make_variable("GATEWAY_NAME"),
    )
    assert [
        (lst["name"], lst["protocol"], lst["port"]) for lst in gateway["spec"]["listeners"]
    ] == [("http", "HTTP", 80)]


def test_the_gateway_objects_live_in_a_component_the_kind_overlay_includes():
    component = yaml.safe_load((COMPONENT / "kustomization.yaml").read_text())
    assert component["kind"] == "Component"
    kind = yaml.safe_load((overlay("kind") / "kustomization.yaml").read_text())
    assert "../../components/gateway" in kind.get("components", [])
    assert not [obj for obj in render(overlay("kind")) if obj["kind"] == "Ingress"]


def test_the_gateway_namespace_runs_its_data_plane_restricted():
    [namespace] = [
        ns
        for ns in by_kind(render(overlay("kind")), "Namespace")
        if ns["metadata"]["name"] == make_variable("GATEWAY_NAMESPACE")
    ]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_the_controller_images_match_the_pinned_chart_version():
    version = make_variable("NGF_VERSION")
    assert NGF_VALUES["nginxGateway"]["image"]["tag"] == version
    assert NGF_VALUES["nginx"]["image"]["tag"] == version
    header = (REPO / "kind" / "nginx-gateway-fabric-values.yaml").read_text().splitlines()[0]
    assert f"chart {version}" in header


def test_the_pinned_crds_are_the_release_the_offline_schemas_describe():
    # The schemas are generated from one Gateway API release; the pinned CRDs must be of the same
    # minor (patch releases of 1.6 changed conformance tests only, not the CRDs).
    readme = gateway_api_schema_dir() / "README.md"
    if not readme.is_file():
        pytest.skip(f"Gateway API schemas not found at {gateway_api_schema_dir()}")
    schemas = re.search(r"\(v(\d+)\.(\d+)\.\d+, standard channel\)", readme.read_text())
    pinned = re.fullmatch(r"v(\d+)\.(\d+)\.\d+", make_variable("GATEWAY_API_VERSION"))
    assert schemas and pinned
    assert pinned.groups() == schemas.groups()
