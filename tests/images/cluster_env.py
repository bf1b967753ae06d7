"""The environment Kubernetes gives a Deployment's container, resolved from a rendered overlay."""

from __future__ import annotations

import base64

from tests.support.render import by_kind


def _sources(objects: list[dict]) -> dict[tuple[str, str], dict[str, str]]:
    """Key/value data of every ConfigMap and Secret, by (kind, name)."""
    sources = {}
    for obj in by_kind(objects, "ConfigMap"):
        sources["ConfigMap", obj["metadata"]["name"]] = dict(obj.get("data") or {})
    for obj in by_kind(objects, "Secret"):
        data = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
        data.update(obj.get("stringData") or {})
        sources["Secret", obj["metadata"]["name"]] = data
    return sources


def container_env(objects: list[dict], deployment: str) -> dict[str, str]:
    """envFrom, then env (later wins, as in the kubelet) of the container named `deployment`."""
    found = [d for d in by_kind(objects, "Deployment") if d["metadata"]["name"] == deployment]
    if not found:
        raise LookupError(f"the rendered overlay has no Deployment {deployment!r}")
    containers = found[0]["spec"]["template"]["spec"]["containers"]
    container = next((c for c in containers if c["name"] == deployment), containers[0])
    sources = _sources(objects)
    env: dict[str, str] = {}
    for entry in container.get("envFrom", []):
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in entry:
                data = sources[kind, entry[key]["name"]]
                env.update({entry.get("prefix", "") + k: v for k, v in data.items()})
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
            continue
        ref = entry.get("valueFrom", {})
        for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            if key in ref:
                env[entry["name"]] = sources[kind, ref[key]["name"]][ref[key]["key"]]
    return env
