"""The one cluster-env resolver (tests/support/cluster_env.py) resolves a container's environment
the way the kubelet does."""

from __future__ import annotations

import base64

import pytest

from tests.support.cluster_env import container_env, deployment_env


def deployment(name: str, container: dict) -> dict:
    return {
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"template": {"spec": {"containers": [{"name": name, **container}]}}},
    }


CONFIG = {"kind": "ConfigMap", "metadata": {"name": "cfg-abc"}, "data": {"A": "1", "B": "2"}}
SECRET = {
    "kind": "Secret",
    "metadata": {"name": "sec-abc"},
    "data": {"KEY": base64.b64encode(b"s3cret").decode()},
}


def test_env_from_config_map_and_secret_key_ref() -> None:
    app = deployment(
        "app",
        {
            "envFrom": [{"configMapRef": {"name": "cfg-abc"}}],
            "env": [
                {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "sec-abc", "key": "KEY"}}}
            ],
        },
    )
    assert deployment_env([CONFIG, SECRET, app], "app") == {"A": "1", "B": "2", "KEY": "s3cret"}


def test_explicit_env_wins_over_env_from() -> None:
    app = deployment(
        "app",
        {
            "envFrom": [{"configMapRef": {"name": "cfg-abc"}}],
            "env": [{"name": "A", "value": "override"}],
        },
    )
    assert deployment_env([CONFIG, app], "app")["A"] == "override"


def test_missing_deployment_is_named() -> None:
    with pytest.raises(LookupError, match="no Deployment 'ghost'"):
        deployment_env([CONFIG], "ghost")


def test_sources_come_from_the_pods_namespace_and_a_field_ref_is_unknown() -> None:
    elsewhere = {**CONFIG, "metadata": {"name": "cfg-abc", "namespace": "other"}}
    container = {
        "envFrom": [{"configMapRef": {"name": "cfg-abc", "optional": True}}],
        "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
    }
    assert container_env([elsewhere], "apps", container) == {"POD": None}


def test_a_missing_source_that_is_not_optional_is_named() -> None:
    container = {"envFrom": [{"secretRef": {"name": "sec-abc"}}]}
    with pytest.raises(LookupError, match="Secret 'sec-abc'"):
        container_env([CONFIG], None, container)
