"""The shared validator (tests/support/validate.py) rejects what a cluster would reject."""

from __future__ import annotations

import pytest

from tests.support.validate import chaos_mesh_schema_dir, validate_object

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}}
POD_KILL = {
    "apiVersion": "chaos-mesh.org/v1alpha1",
    "kind": "PodChaos",
    "metadata": {"name": "kill-one", "namespace": "stock-monitoring"},
    "spec": {"action": "pod-kill", "mode": "one", "selector": {"namespaces": ["x"]}},
}


def test_a_valid_builtin_object_has_no_errors():
    assert validate_object(CONFIG_MAP) == []


def test_an_unknown_field_of_a_builtin_object_is_an_error():
    [error] = validate_object({**CONFIG_MAP, "datta": {}})
    assert "datta" in error


def test_a_wrongly_typed_field_is_an_error():
    assert validate_object({**CONFIG_MAP, "data": {"replicas": 2}}) != []


def test_an_unknown_custom_resource_is_an_error():
    [error] = validate_object({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {}})
    assert "Widget" in error


@pytest.fixture
def chaos_mesh_schemas():
    if not chaos_mesh_schema_dir().is_dir():
        pytest.skip(f"Chaos Mesh schemas not found at {chaos_mesh_schema_dir()} (SCHEMA_LOCATION)")


def test_a_valid_chaos_mesh_object_has_no_errors(chaos_mesh_schemas):
    assert validate_object(POD_KILL) == []


def test_an_unknown_chaos_mesh_field_is_an_error(chaos_mesh_schemas):
    [error] = validate_object({**POD_KILL, "spec": {**POD_KILL["spec"], "durration": "1m"}})
    assert "durration" in error


def test_chaos_mesh_objects_are_skipped_loudly_without_schemas(monkeypatch, tmp_path):
    monkeypatch.setenv("SCHEMA_LOCATION", str(tmp_path / "absent"))
    with pytest.raises(pytest.skip.Exception, match="SCHEMA_LOCATION"):
        validate_object(POD_KILL)
