"""Names that point at other objects resolve within the same render: Services to pods and ports,
pods to ConfigMaps, Secrets and ServiceAccounts, URLs in config to Services, NetworkPolicies to
pods (the Gateway API routes have their own tests in test_gateway.py)."""

from __future__ import annotations

import re

from tests.deploy.manifests import (
    containers,
    exposes,
    find,
    name_of,
    namespace_of,
    pod_labels,
    pods,
)
from tests.support.render import by_kind
from tests.support.selectors import labels_match

# Pods a Gateway controller provisions for a Gateway carry this label (Gateway API, GEP-1762);
# no kustomize tree renders them, so a policy peer selecting them must name a rendered Gateway.
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
# http://name[.namespace[.svc[.cluster.local]]][:port] where name is a cluster-internal host.
SERVICE_URL = re.compile(
    r"https?://(?P<name>[a-z0-9-]+)(?:\.(?P<namespace>[a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?)?"
    r"(?::(?P<port>\d+))?(?=[/\"'\s]|$)"
)
NOT_SERVICES = {"localhost"}


def selected_pods(objects: list[dict], namespace: str | None, selector: dict) -> list[dict]:
    return [
        template
        for workload, template in pods(objects, namespace)
        if labels_match(selector, pod_labels(template))
    ]


def test_services_select_pods_that_expose_their_target_ports(objects):
    problems = []
    for service in by_kind(objects, "Service"):
        selector = service["spec"].get("selector")
        if not selector:
            continue  # a Service without selector has hand-made endpoints
        matched = selected_pods(objects, namespace_of(service), {"matchLabels": selector})
        if not matched:
            problems.append(f"{name_of(service)} selects no pod")
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            if any(not exposes(template, target) for template in matched):
                problems.append(f"{name_of(service)}: a selected pod does not expose {target}")
    assert problems == []


def config_references(template: dict) -> list[tuple[str, str, str | None, bool]]:
    """(kind, name, key or None, optional) for every ConfigMap and Secret a pod reads."""
    refs = []
    for c in containers(template):
        for entry in c.get("env", []):
            source = entry.get("valueFrom", {})
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                if field in source:
                    ref = source[field]
                    refs.append((kind, ref["name"], ref["key"], ref.get("optional", False)))
        for entry in c.get("envFrom", []):
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if field in entry:
                    ref = entry[field]
                    refs.append((kind, ref["name"], None, ref.get("optional", False)))
    for volume in template["spec"].get("volumes", []):
        sources = [volume, *volume.get("projected", {}).get("sources", [])]
        for source in sources:
            if "configMap" in source:
                ref = source["configMap"]
                refs.append(("ConfigMap", ref["name"], None, ref.get("optional", False)))
            if "secret" in source:
                ref = source["secret"]
                name = ref.get("secretName") or ref.get("name")
                refs.append(("Secret", name, None, ref.get("optional", False)))
    return refs


def test_every_configmap_and_secret_a_pod_reads_exists_in_its_namespace(objects):
    problems = []
    for workload, template in pods(objects):
        for kind, name, key, optional in config_references(template):
            target = find(objects, kind, namespace_of(workload), name)
            if target is None and not optional:
                problems.append(f"{name_of(workload)}: {kind} {name} is not rendered")
            elif target is not None and key is not None:
                keys = {*target.get("data", {}), *target.get("stringData", {})}
                if key not in keys and not optional:
                    problems.append(f"{name_of(workload)}: {kind} {name} has no key {key}")
    assert problems == []


def test_every_service_account_a_pod_uses_exists_in_its_namespace(objects):
    missing = [
        f"{name_of(workload)}: ServiceAccount {template['spec']['serviceAccountName']}"
        for workload, template in pods(objects)
        if template["spec"].get("serviceAccountName", "default") != "default"
        and find(
            objects,
            "ServiceAccount",
            namespace_of(workload),
            template["spec"]["serviceAccountName"],
        )
        is None
    ]
    assert missing == []


def service_urls(objects: list[dict]) -> list[tuple[dict, str, str, int]]:
    """(ConfigMap, Service name, namespace, port) for each in-cluster URL found in ConfigMaps."""
    namespaces = {ns["metadata"]["name"] for ns in by_kind(objects, "Namespace")}
    found = []
    for config_map in by_kind(objects, "ConfigMap"):
        for value in config_map.get("data", {}).values():
            for match in SERVICE_URL.finditer(value):
                namespace = match["namespace"]
                if match["name"] in NOT_SERVICES or (namespace and namespace not in namespaces):
                    continue  # not a cluster Service (localhost, a public host name)
                default_port = 443 if match[0].startswith("https") else 80
                port = int(match["port"] or default_port)
                found.append(
                    (config_map, match["name"], namespace or namespace_of(config_map), port)
                )
    return found


def test_service_urls_in_configmaps_name_a_service_and_its_port(objects):
    problems = [
        f"{name_of(config_map)}: http://{name}:{port} ({namespace})"
        for config_map, name, namespace, port in service_urls(objects)
        if not any(
            p["port"] == port
            for p in (find(objects, "Service", namespace, name) or {"spec": {"ports": []}})["spec"][
                "ports"
            ]
        )
    ]
    assert problems == []


def test_the_webui_finds_the_backend_through_its_config(objects):
    urls = [
        (name, port)
        for config_map, name, _, port in service_urls(objects)
        if config_map["metadata"]["name"].startswith("webui-config")
    ]
    if find(objects, "Service", "stock-monitoring", "webui"):
        assert ("backend", 8000) in urls


def test_network_policies_select_pods_of_the_same_render(objects):
    problems = []
    for policy in by_kind(objects, "NetworkPolicy"):
        selector = policy["spec"]["podSelector"]
        if selector and not selected_pods(objects, namespace_of(policy), selector):
            problems.append(f"{name_of(policy)} selects no pod")
    assert problems == []


def test_network_policy_ports_are_exposed_by_the_pods_they_protect(objects):
    problems = []
    for policy in by_kind(objects, "NetworkPolicy"):
        protected = selected_pods(objects, namespace_of(policy), policy["spec"]["podSelector"])
        for rule in policy["spec"].get("ingress", []):
            for port in rule.get("ports", []):
                if "port" in port and not any(exposes(t, port["port"]) for t in protected):
                    problems.append(f"{name_of(policy)}: no protected pod exposes {port['port']}")
    assert problems == []


def test_network_policy_peers_are_pods_of_the_system(objects, every_object):
    # Peers are checked against every overlay together: the load generator, for example, only
    # exists in the chaos overlay, while the base already lets it in.
    problems = []
    for policy in by_kind(objects, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if "ipBlock" in peer:
                    continue
                namespaces = [namespace_of(policy)]
                if "namespaceSelector" in peer:
                    names = peer["namespaceSelector"].get("matchLabels", {})
                    namespace = names.get("kubernetes.io/metadata.name")
                    if namespace is None:
                        problems.append(f"{name_of(policy)}: namespace peer not named {peer}")
                        continue
                    namespaces = [namespace]
                selector = peer.get("podSelector", {})
                gateway = selector.get("matchLabels", {}).get(GATEWAY_NAME_LABEL)
                if gateway is not None:
                    if not any(find(every_object, "Gateway", ns, gateway) for ns in namespaces):
                        problems.append(f"{name_of(policy)}: peer {peer} names no Gateway")
                    continue
                if not any(selected_pods(every_object, ns, selector) for ns in namespaces):
                    problems.append(f"{name_of(policy)}: peer {peer} matches no pod")
    assert problems == []


def test_only_the_nodeport_policy_admits_traffic_from_anywhere(objects):
    # A rule without `from` admits every source; only the NodePort component needs one.
    open_policies = [
        name_of(policy)
        for policy in by_kind(objects, "NetworkPolicy")
        for rule in policy["spec"].get("ingress", [])
        if not rule.get("from") and not policy["metadata"]["name"].endswith("-nodeport")
    ]
    assert open_policies == []
