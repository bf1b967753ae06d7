"""Small readers for rendered objects: namespaces, autoscalers, pods and their ports (label
selectors: tests/support/selectors.py; a container's environment: tests/support/cluster_env.py)."""

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
