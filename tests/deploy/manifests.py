"""Small readers for rendered objects: namespaces, label selectors, pods and their ports."""

from __future__ import annotations

from tests.support.render import by_kind, pod_templates

CLUSTER_SCOPED_KINDS = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "StorageClass",
    "PersistentVolume",
    "IngressClass",
    "GatewayClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
}


def namespace_of(obj: dict) -> str | None:
    return obj["metadata"].get("namespace")


def find(objects: list[dict], kind: str, namespace: str | None, name: str) -> dict | None:
    """The object of this kind, namespace and name, or None."""
    return next(
        (
            obj
            for obj in by_kind(objects, kind)
            if namespace_of(obj) == namespace and obj["metadata"]["name"] == name
        ),
        None,
    )


def autoscaler_of(objects: list[dict], workload: dict) -> dict | None:
    """The HorizontalPodAutoscaler that scales `workload`, or None."""
    return next(
        (
            hpa
            for hpa in by_kind(objects, "HorizontalPodAutoscaler")
            if namespace_of(hpa) == namespace_of(workload)
            and hpa["spec"]["scaleTargetRef"]["kind"] == workload["kind"]
            and hpa["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]
        ),
        None,
    )


def replica_floor(objects: list[dict], workload: dict) -> int:
    """The fewest replicas `workload` runs with: its autoscaler's minimum when one scales it,
    else spec.replicas (1 when unset, as the API server defaults it)."""
    hpa = autoscaler_of(objects, workload)
    if hpa is not None:
        return hpa["spec"].get("minReplicas", 1)
    return workload["spec"].get("replicas", 1)


def name_of(obj: dict) -> str:
    return f"{obj['kind']} {namespace_of(obj) or '-'}/{obj['metadata']['name']}"


def labels_match(selector: dict, labels: dict) -> bool:
    """Whether a LabelSelector ({matchLabels, matchExpressions}) selects `labels`."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    return all(_expression_matches(e, labels) for e in selector.get("matchExpressions") or [])


def _expression_matches(expression: dict, labels: dict) -> bool:
    key, operator = expression["key"], expression["operator"]
    if operator == "In":
        return labels.get(key) in expression["values"]
    if operator == "NotIn":
        return labels.get(key) not in expression["values"]
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise ValueError(f"unknown label selector operator {operator!r}")


def pods(objects: list[dict], namespace: str | None = None) -> list[tuple[dict, dict]]:
    """(workload, pod template) pairs, optionally only those of one namespace."""
    return [
        (workload, template)
        for workload, template in pod_templates(objects)
        if namespace is None or namespace_of(workload) == namespace
    ]


def pod_labels(template: dict) -> dict:
    return template.get("metadata", {}).get("labels") or {}


def containers(template: dict) -> list[dict]:
    spec = template["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def container_ports(template: dict) -> list[dict]:
    return [port for c in template["spec"]["containers"] for port in c.get("ports", [])]


def exposes(template: dict, port: int | str) -> bool:
    """Whether a pod has a container port with this number or name."""
    return any(port in (p.get("containerPort"), p.get("name")) for p in container_ports(template))


def container_env(objects: list[dict], namespace: str | None, container: dict) -> dict:
    """What a container's environment holds: envFrom ConfigMap values, then env entries on top
    (None for values that come from a Secret or a field reference)."""
    config_maps = {
        cm["metadata"]["name"]: cm.get("data", {})
        for cm in by_kind(objects, "ConfigMap")
        if namespace_of(cm) == namespace
    }
    env: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        env.update(config_maps.get(source.get("configMapRef", {}).get("name"), {}))
    for entry in container.get("env", []):
        env[entry["name"]] = entry.get("value")
    return env
