"""The environment Kubernetes gives a container, resolved from rendered objects as the kubelet
resolves it: envFrom (ConfigMaps and Secrets of the pod's namespace, with their prefix), then
env on top, later entries winning. A fieldRef or resourceFieldRef is known only in a running
pod: its value is None."""

from __future__ import annotations

import base64

from tests.support.render import by_kind


def _data(obj: dict) -> dict[str, str]:
    if obj["kind"] == "ConfigMap":
        return dict(obj.get("data") or {})
    data = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
    data.update(obj.get("stringData") or {})
    return data


def _sources(objects: list[dict], namespace: str | None) -> dict[tuple[str, str], dict[str, str]]:
    """Key/value data of every ConfigMap and Secret of `namespace`, by (kind, name)."""
    return {
        (obj["kind"], obj["metadata"]["name"]): _data(obj)
        for kind in ("ConfigMap", "Secret")
        for obj in by_kind(objects, kind)
        if obj["metadata"].get("namespace") == namespace
    }


def _source(sources: dict, kind: str, ref: dict) -> dict[str, str]:
    """A referenced ConfigMap's or Secret's data; a missing one is an error unless optional."""
    if (kind, ref["name"]) in sources:
        return sources[kind, ref["name"]]
    if ref.get("optional"):
        return {}
    raise LookupError(f"the container refers to {kind} {ref['name']!r}, which is not rendered")


def container_env(
    objects: list[dict], namespace: str | None, container: dict
) -> dict[str, str | None]:
    """The environment of `container` (a container spec) in a pod of `namespace`."""
    sources = _sources(objects, namespace)
    env: dict[str, str | None] = {}
    for entry in container.get("envFrom", []):
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in entry:
                data = _source(sources, kind, entry[key])
                env.update({entry.get("prefix", "") + k: v for k, v in data.items()})
    for entry in container.get("env", []):
        ref = entry.get("valueFrom", {})
        env[entry["name"]] = entry.get("value")
        for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            if key in ref:
                env[entry["name"]] = _source(sources, kind, ref[key]).get(ref[key]["key"])
    return env


def deployment_env(objects: list[dict], deployment: str) -> dict[str, str | None]:
    """The environment of the container named like `deployment` (else its first container)."""
    found = [d for d in by_kind(objects, "Deployment") if d["metadata"]["name"] == deployment]
    if not found:
        raise LookupError(f"the rendered overlay has no Deployment {deployment!r}")
    containers = found[0]["spec"]["template"]["spec"]["containers"]
    container = next((c for c in containers if c["name"] == deployment), containers[0])
    return container_env(objects, found[0]["metadata"].get("namespace"), container)
