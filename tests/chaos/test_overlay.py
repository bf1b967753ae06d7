"""The chaos overlay: the kind stack plus a tight backend, the load generator and no one-shots."""

from __future__ import annotations

import pytest

from tests.chaos.chaos_mesh import CHAOS_KINDS, NAMESPACE
from tests.support.render import BASE, by_name, render
from tests.support.validate import validate_object


def _container(deployment: dict, name: str) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == name)


@pytest.fixture(scope="module")
def loadgen(chaos_overlay) -> dict:
    return by_name(chaos_overlay, "Deployment", "loadgen")


def test_backend_gets_a_tight_cpu_limit_and_a_memory_limit(chaos_overlay):
    resources = _container(by_name(chaos_overlay, "Deployment", "backend"), "backend")["resources"]
    assert resources["limits"] == {"cpu": "500m", "memory": "512Mi"}


def test_backend_keeps_the_base_requests_so_autoscaling_reads_the_same_utilisation(chaos_overlay):
    # An HPA's utilisation is usage / request: the chaos lab scales on the same figure.
    base = _container(by_name(render(BASE), "Deployment", "backend"), "backend")["resources"]
    resources = _container(by_name(chaos_overlay, "Deployment", "backend"), "backend")["resources"]
    assert resources["requests"] == base["requests"]


def test_one_shot_experiments_are_not_deployed_by_the_overlay(chaos_overlay):
    assert [obj["metadata"]["name"] for obj in chaos_overlay if obj["kind"] in CHAOS_KINDS] == []


def test_load_generator_objects_validate_strictly(chaos_overlay):
    objects = [
        obj
        for obj in chaos_overlay
        if obj["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "loadgen"
        or obj["metadata"]["name"].startswith("loadgen-config")
    ]
    assert sorted(obj["kind"] for obj in objects) == [
        "ConfigMap",
        "Deployment",
        "NetworkPolicy",
        "Service",
        "ServiceAccount",
    ]
    assert [error for obj in objects for error in validate_object(obj)] == []
    assert {obj["metadata"]["namespace"] for obj in objects} == {NAMESPACE}


def test_load_generator_pods_carry_the_contract_labels_and_scrape_annotations(loadgen):
    template = loadgen["spec"]["template"]["metadata"]
    assert template["labels"] == {
        "app.kubernetes.io/name": "loadgen",
        "app.kubernetes.io/part-of": "stockwatch",
        "app.kubernetes.io/component": "loadgen",
    }
    assert template["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9000",
        "prometheus.io/path": "/metrics",
    }


def test_load_generator_runs_the_local_image_restricted_with_limits_and_probes(loadgen):
    pod = loadgen["spec"]["template"]["spec"]
    container = _container(loadgen, "loadgen")
    assert container["image"] == "stockwatch/loadgen:dev"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["ports"] == [{"name": "metrics", "containerPort": 9000, "protocol": "TCP"}]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["readinessProbe"]["httpGet"]["port"] == "metrics"
    assert container["livenessProbe"]["httpGet"]["port"] == "metrics"


def test_load_generator_is_configured_for_the_in_cluster_services(chaos_overlay, loadgen):
    config_name = _container(loadgen, "loadgen")["envFrom"][0]["configMapRef"]["name"]
    config = by_name(chaos_overlay, "ConfigMap", config_name)["data"]
    assert config["LOADGEN_BACKEND_URL"] == "http://backend:8000"
    assert config["LOADGEN_WEBUI_URL"] == "http://webui"
    assert config["METRICS_BIND"] == "0.0.0.0:9000"
