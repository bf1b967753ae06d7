"""Every rendered object is valid: built-ins strictly against the pinned Kubernetes schemas,
Chaos Mesh and Gateway API resources against their CRD schemas, and nothing of an unknown kind."""

from __future__ import annotations

import pytest

from tests.support.validate import CHAOS_MESH_API_VERSION, is_gateway_api, validate_object


def is_custom_resource_with_schemas(obj: dict) -> bool:
    return obj["apiVersion"] == CHAOS_MESH_API_VERSION or is_gateway_api(obj)


def test_kubernetes_objects_are_valid_with_no_unknown_fields(objects):
    errors = [
        error
        for obj in objects
        if not is_custom_resource_with_schemas(obj)
        for error in validate_object(obj)
    ]
    assert errors == []


def test_chaos_mesh_objects_match_their_crd_schemas(objects):
    chaos = [obj for obj in objects if obj["apiVersion"] == CHAOS_MESH_API_VERSION]
    if not chaos:
        pytest.skip("this tree has no Chaos Mesh objects")
    errors = [error for obj in chaos for error in validate_object(obj)]
    assert errors == []


def test_gateway_api_objects_match_their_crd_schemas(objects):
    gateway = [obj for obj in objects if is_gateway_api(obj)]
    if not gateway:
        pytest.skip("this tree has no Gateway API objects")
    errors = [error for obj in gateway for error in validate_object(obj)]
    assert errors == []
