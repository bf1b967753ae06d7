"""The shared validator (tests/support/validate.py) rejects what a cluster would reject."""

from __future__ import annotations

import pytest

from tests.support.validate import chaos_mesh_schema_dir, gateway_api_schema_dir, validate_object

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


HTTP_ROUTE = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "HTTPRoute",
    "metadata": {"name": "web", "namespace": "stock-monitoring"},
    "spec": {
        "parentRefs": [{"name": "stockwatch", "namespace": "gateway"}],
        "rules": [{"backendRefs": [{"name": "webui", "port": 80}]}],
    },
}
GATEWAY = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "Gateway",
    "metadata": {"name": "stockwatch", "namespace": "gateway"},
    "spec": {
        "gatewayClassName": "nginx",
        "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}],
    },
}


@pytest.fixture
def gateway_api_schemas():
    if not gateway_api_schema_dir().is_dir():
        pytest.skip(
            f"Gateway API schemas not found at {gateway_api_schema_dir()} "
            "(GATEWAY_API_SCHEMA_LOCATION)"
        )


def test_a_valid_gateway_api_object_has_no_errors(gateway_api_schemas):
    assert validate_object(HTTP_ROUTE) == []
    assert validate_object(GATEWAY) == []


def test_an_unknown_gateway_api_field_is_an_error(gateway_api_schemas):
    rule = {**HTTP_ROUTE["spec"]["rules"][0], "timeout": {"request": "5s"}}
    [error] = validate_object({**HTTP_ROUTE, "spec": {**HTTP_ROUTE["spec"], "rules": [rule]}})
    assert "timeout" in error


def test_an_experimental_channel_field_is_an_error(gateway_api_schemas):
    # HTTPRoute retry is experimental only: the standard CRDs the cluster gets do not have it.
    rule = {**HTTP_ROUTE["spec"]["rules"][0], "retry": {"attempts": 2}}
    [error] = validate_object({**HTTP_ROUTE, "spec": {**HTTP_ROUTE["spec"], "rules": [rule]}})
    assert "retry" in error


def test_an_experimental_channel_kind_is_an_error(gateway_api_schemas):
    route = {**HTTP_ROUTE, "apiVersion": "gateway.networking.k8s.io/v1alpha2", "kind": "TCPRoute"}
    [error] = validate_object(route)
    assert "no Gateway API schema" in error


def test_gateway_api_formats_are_checked(gateway_api_schemas):
    spec = {**GATEWAY["spec"], "addresses": [{"type": "IPAddress", "value": "not-an-ip"}]}
    assert validate_object({**GATEWAY, "spec": spec}) != []


def test_gateway_api_objects_are_skipped_loudly_without_schemas(monkeypatch, tmp_path):
    monkeypatch.setenv("GATEWAY_API_SCHEMA_LOCATION", str(tmp_path / "absent"))
    with pytest.raises(pytest.skip.Exception, match="GATEWAY_API_SCHEMA_LOCATION"):
        validate_object(HTTP_ROUTE)
