"""Every rendered object is valid: built-ins strictly against the pinned Kubernetes schemas,
Chaos Mesh resources against their CRD schemas, and nothing of an unknown kind."""

from __future__ import annotations

import pytest

from tests.support.validate import CHAOS_MESH_API_VERSION, validate_object


def test_kubernetes_objects_are_valid_with_no_unknown_fields(objects):
    errors = [
        error
        for obj in objects
        if obj["apiVersion"] != CHAOS_MESH_API_VERSION
        for error in validate_object(obj)
    ]
    assert errors == []


def test_chaos_mesh_objects_match_their_crd_schemas(objects):
    chaos = [obj for obj in objects if obj["apiVersion"] == CHAOS_MESH_API_VERSION]
    if not chaos:
        pytest.skip("this tree has no Chaos Mesh objects")
    errors = [error for obj in chaos for error in validate_object(obj)]
    assert errors == []
