"""The rendered Prometheus config and rules: promtool-valid, discoverable with the RBAC granted."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
import yaml

from tests.monitoring.prometheus_config import (
    RULE_FILES,
    checkable_config,
    configmap_data,
    monitoring_objects,
    rendered_config,
)
from tests.support.prometheus import promtool
from tests.support.render import by_name

# What upstream's kubernetes_sd_config accepts (Debian's promtool cannot parse the block).
SD_FIELDS = {"role", "namespaces", "selectors", "attach_metadata", "api_server", "kubeconfig_file"}
NAMESPACE_FIELDS = {"names", "own_namespace"}
# Which resources each discovery role lists and watches.
ROLE_RESOURCES = {
    "pod": {"pods"},
    "node": {"nodes"},
    "service": {"services"},
    "endpoints": {"endpoints", "services", "pods"},
    "endpointslice": {"endpointslices", "services", "pods"},
    "ingress": {"ingresses"},
}


@pytest.fixture(scope="module")
def config() -> dict:
    return rendered_config()


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return monitoring_objects()


def kubernetes_sd_blocks(config: dict) -> list[tuple[str, dict]]:
    return [
        (job["job_name"], sd)
        for job in config["scrape_configs"]
        for sd in job.get("kubernetes_sd_configs", [])
    ]


def test_promtool_accepts_the_rendered_config(config, tmp_path):
    token = tmp_path / "token"
    token.write_text("test-token\n")
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(checkable_config(config, token)))
    result = promtool("check", "config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RULE_FILES)} rule files found" in result.stdout


def test_promtool_accepts_every_rule_file():
    result = promtool("check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("job", "block"), kubernetes_sd_blocks(rendered_config()), ids=lambda value: str(value)[:40]
)
def test_kubernetes_sd_blocks_use_only_known_fields(job, block):
    assert set(block) <= SD_FIELDS, f"{job}: unknown kubernetes_sd fields {set(block) - SD_FIELDS}"
    assert block["role"] in ROLE_RESOURCES
    assert set(block.get("namespaces", {})) <= NAMESPACE_FIELDS


def test_relabelling_reads_only_meta_labels_of_the_jobs_role(config):
    prefixes = {
        "pod": ("__meta_kubernetes_pod_", "__meta_kubernetes_namespace"),
        "node": ("__meta_kubernetes_node_",),
    }
    for job in config["scrape_configs"]:
        roles = {sd["role"] for sd in job.get("kubernetes_sd_configs", [])}
        allowed = tuple(prefix for role in roles for prefix in prefixes[role])
        for rule in job.get("relabel_configs", []):
            for label in rule.get("source_labels", []):
                if label.startswith("__meta_kubernetes"):
                    assert label.startswith(allowed), f"{job['job_name']}: {label}"


def test_prometheus_cluster_role_grants_every_discovery_role(config, objects):
    role = by_name(objects, "ClusterRole", "stockwatch-prometheus")
    granted = {
        resource
        for rule in role["rules"]
        if {"list", "watch"} <= set(rule["verbs"])
        for resource in rule["resources"]
    }
    needed = {r for _, block in kubernetes_sd_blocks(config) for r in ROLE_RESOURCES[block["role"]]}
    assert needed <= granted


def test_prometheus_cluster_role_reads_kubelet_metrics_without_node_proxy(objects):
    role = by_name(objects, "ClusterRole", "stockwatch-prometheus")
    resources = {resource for rule in role["rules"] for resource in rule["resources"]}
    assert "nodes/metrics" in resources
    assert "nodes/proxy" not in resources
    assert "secrets" not in resources


def test_rules_configmap_carries_exactly_the_repository_rule_files(objects):
    data = configmap_data(objects, "prometheus-rules")
    assert data == {path.name: path.read_text() for path in RULE_FILES}


def test_rule_files_glob_matches_where_the_rules_configmap_is_mounted(config, objects):
    pod = by_name(objects, "Deployment", "prometheus")["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {
        mount["mountPath"]: volumes[mount["name"]] for mount in pod["containers"][0]["volumeMounts"]
    }
    for pattern in config["rule_files"]:
        directory = str(PurePosixPath(pattern).parent)
        assert mounts[directory]["configMap"]["name"].startswith("prometheus-rules-")


def test_retention_is_set_in_the_config_file_within_the_data_volume(config, objects):
    # Prometheus 3.8+ reads retention from the config file (the flags are deprecated); the size
    # cap must leave room in the emptyDir for compaction (docs: at most ~85% of the volume).
    retention = config["storage"]["tsdb"]["retention"]
    assert retention["time"]
    volumes = by_name(objects, "Deployment", "prometheus")["spec"]["template"]["spec"]["volumes"]
    [data] = [volume for volume in volumes if volume["name"] == "data"]
    size_gb = float(retention["size"].removesuffix("GB"))
    volume_gib = float(data["emptyDir"]["sizeLimit"].removesuffix("Gi"))
    assert size_gb <= 0.85 * volume_gib
