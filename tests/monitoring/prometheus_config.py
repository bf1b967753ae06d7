"""The Prometheus config the monitoring overlay renders, and variants of it that run on loopback.

Debian's Prometheus is built without Kubernetes service discovery, so wherever a config must run
or be checked here, each `kubernetes_sd_configs` block is swapped for static targets carrying
the same `__meta_kubernetes_*` labels the pod role would attach. Relabelling stays untouched.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tests.support.render import overlay, render

OVERLAY = overlay("monitoring")
RULES_DIR = OVERLAY / "prometheus" / "rules"
RULE_FILES = sorted(RULES_DIR.glob("*.yml"))
TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token"
APP_NAMESPACE = "stock-monitoring"


def rules() -> list[dict]:
    """Every recording rule and alert of the repository's rule files, in file order."""
    return [
        rule
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    ]


def monitoring_objects() -> list[dict]:
    """Every object the monitoring overlay renders."""
    return render(OVERLAY)


def configmap_data(objects: list[dict], name: str) -> dict[str, str]:
    """The data of the generated ConfigMap `name` (its hash suffix ignored)."""
    for obj in objects:
        generated = obj["metadata"]["name"].rsplit("-", 1)[0]
        if obj["kind"] == "ConfigMap" and name in (obj["metadata"]["name"], generated):
            return obj["data"]
    raise LookupError(f"no ConfigMap {name} in the rendered overlay")


def rendered_config() -> dict[str, Any]:
    """prometheus.yml exactly as the rendered prometheus-config ConfigMap carries it."""
    return yaml.safe_load(
        configmap_data(monitoring_objects(), "prometheus-config")["prometheus.yml"]
    )


def scrape_job(config: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of the scrape job `name`."""
    for job in config["scrape_configs"]:
        if job["job_name"] == name:
            return copy.deepcopy(job)
    raise LookupError(f"no scrape job {name}")


def pod_target(
    address: str,
    *,
    namespace: str,
    pod: str,
    container: str,
    app: str,
    port: int,
    port_name: str,
    annotations: dict[str, str] | None = None,
    node: str = "stockwatch-worker",
) -> dict[str, Any]:
    """A static target labelled like kubernetes_sd's `role: pod` labels one container port."""
    labels = {
        "__meta_kubernetes_namespace": namespace,
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_container_name": container,
        "__meta_kubernetes_pod_container_port_number": str(port),
        "__meta_kubernetes_pod_container_port_name": port_name,
        "__meta_kubernetes_pod_label_app_kubernetes_io_name": app,
        "__meta_kubernetes_pod_node_name": node,
        "__meta_kubernetes_pod_phase": "Running",
    }
    for key, value in (annotations or {}).items():
        labels[f"__meta_kubernetes_pod_annotation_{key.replace('.', '_').replace('/', '_')}"] = (
            value
        )
    return {"targets": [address], "labels": labels}


def scrape_annotations(port: int) -> dict[str, str]:
    """The prometheus.io/* annotations of a stockwatch pod (docs/architecture.md)."""
    return {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(port),
        "prometheus.io/path": "/metrics",
    }


def with_static_targets(job: dict[str, Any], targets: list[dict[str, Any]]) -> dict[str, Any]:
    """The job with its service discovery replaced by `targets` (relabelling unchanged)."""
    job = copy.deepcopy(job)
    job.pop("kubernetes_sd_configs", None)
    job["static_configs"] = targets
    return job


def checkable_config(config: dict[str, Any], token_file: Path) -> dict[str, Any]:
    """`config` made checkable by Debian's promtool: discovery swapped for placeholder targets,
    the service-account token path for `token_file`, rule_files for the repository's files, and
    `storage.tsdb.retention` (Prometheus 3.8+, unknown to Debian's 2.42) left out."""
    config = copy.deepcopy(config)
    tsdb = config.get("storage", {}).get("tsdb", {})
    tsdb.pop("retention", None)
    if "storage" in config and not tsdb:
        config["storage"].pop("tsdb", None)
    if config.get("storage") == {}:
        del config["storage"]
    placeholder = {"targets": ["127.0.0.1:9"]}
    config["scrape_configs"] = [
        with_static_targets(job, [placeholder]) if "kubernetes_sd_configs" in job else job
        for job in config["scrape_configs"]
    ]
    for job in config["scrape_configs"]:
        if job.get("authorization", {}).get("credentials_file") == TOKEN_FILE:
            job["authorization"]["credentials_file"] = str(token_file)
    config["rule_files"] = [str(path) for path in RULE_FILES]
    return config
