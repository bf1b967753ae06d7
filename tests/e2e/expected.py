"""What the repository says the cluster should run: the overlay's workloads, Prometheus' scrape
jobs and rule groups. The suite checks the live cluster against these, so an overlay that was
never applied (or an old one) shows up as a failure, not as nothing to check."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.e2e.cluster import WORKLOAD_KINDS, Workload
from tests.e2e.components import SCRAPE_JOB_COMPONENTS, WORKLOAD_COMPONENTS
from tests.e2e.settings import NAMESPACES
from tests.support.render import KUSTOMIZE, overlay, render

# `make chaos-deploy` applies this one: the kind overlay plus the load generator.
SUITE_OVERLAY = overlay("chaos")
PROMETHEUS_DIR = KUSTOMIZE / "overlays" / "monitoring" / "prometheus"


def _needs(component: str | None) -> tuple:
    return (pytest.mark.needs(component),) if component else ()


def _app(workload: dict) -> str | None:
    return workload["spec"]["template"]["metadata"].get("labels", {}).get("app.kubernetes.io/name")


def _workloads() -> dict[Workload, str | None]:
    """Every Deployment, DaemonSet and StatefulSet the suite's overlay puts in both namespaces,
    with the app (app.kubernetes.io/name) its pods belong to."""
    return {
        Workload(obj["metadata"]["namespace"], obj["kind"], obj["metadata"]["name"]): _app(obj)
        for obj in render(SUITE_OVERLAY)
        if obj["kind"] in WORKLOAD_KINDS and obj["metadata"].get("namespace") in NAMESPACES
    }


def workloads() -> set[Workload]:
    return set(_workloads())


def workload_params() -> list:
    """`workloads()` as pytest params named like `monitoring/deployment/grafana`, each marked
    with the component it belongs to."""
    return [
        pytest.param(workload, id=str(workload), marks=_needs(WORKLOAD_COMPONENTS.get(app)))
        for workload, app in _workloads().items()
    ]


def scrape_job_params(config: Path = PROMETHEUS_DIR / "prometheus.yml") -> list:
    """The job names of the repository's Prometheus config, marked with their component."""
    jobs = [job["job_name"] for job in yaml.safe_load(config.read_text())["scrape_configs"]]
    return [pytest.param(job, id=job, marks=_needs(SCRAPE_JOB_COMPONENTS.get(job))) for job in jobs]


def rule_groups(rules_dir: Path = PROMETHEUS_DIR / "rules") -> dict[str, int]:
    """Rule group name -> number of rules, over every rule file of the repository."""
    return {
        group["name"]: len(group["rules"])
        for path in sorted(rules_dir.glob("*.yml"))
        for group in yaml.safe_load(path.read_text())["groups"]
    }
