"""Validate rendered objects: built-ins strictly against pinned Kubernetes schemas, Chaos Mesh and
Gateway API custom resources against the shared JSON Schemas; anything else is an error."""

from __future__ import annotations

import functools
import importlib.resources
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from tests.support.render import REPO

# The Kubernetes minor version of the kind node image (kind/cluster.yaml); kubernetes-validate
# bundles its schemas.
KUBERNETES_VERSION = "1.36"
CHAOS_MESH_API_VERSION = "chaos-mesh.org/v1alpha1"
GATEWAY_API_GROUP = "gateway.networking.k8s.io"


def chaos_mesh_schema_dir() -> Path:
    """Where the Chaos Mesh schemas live: $SCHEMA_LOCATION or ../shared/schemas/chaos-mesh."""
    default = REPO.parent / "shared" / "schemas" / "chaos-mesh"
    return Path(os.environ.get("SCHEMA_LOCATION", default))


def gateway_api_schema_dir() -> Path:
    """Where the Gateway API schemas live: $GATEWAY_API_SCHEMA_LOCATION or
    ../shared/schemas/gateway-api (holding gateway.networking.k8s.io/<kind>_<version>.json)."""
    default = REPO.parent / "shared" / "schemas" / "gateway-api"
    return Path(os.environ.get("GATEWAY_API_SCHEMA_LOCATION", default))


def is_gateway_api(obj: dict) -> bool:
    return str(obj.get("apiVersion", "")).startswith(f"{GATEWAY_API_GROUP}/")


def _describe(obj: dict) -> str:
    metadata = obj.get("metadata") or {}
    where = f"{metadata['namespace']}/" if metadata.get("namespace") else ""
    return f"{obj.get('kind')} {where}{metadata.get('name')}"


def _location(path: object) -> str:
    return ".".join(str(part) for part in path) or "(root)"


@functools.cache
def _custom_resource_validator(path: Path) -> jsonschema.protocols.Validator | None:
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    # The schemas carry `format` (ipv4, ipv6, date-time): only a format checker asserts them.
    return jsonschema.validators.validator_for(schema)(
        schema, format_checker=jsonschema.FormatChecker()
    )


def _validate_custom_resource(obj: dict, schema_dir: Path, variable: str, what: str) -> list[str]:
    """`obj` against <schema_dir>/<group>/<kind>_<version>.json; skips when the folder is absent
    (naming `variable`, which points elsewhere), fails when the kind or version has no schema."""
    group, version = obj["apiVersion"].split("/", 1)
    relative = f"{group}/{obj['kind'].lower()}_{version}.json"
    if not schema_dir.is_dir():
        pytest.skip(
            f"{what} schemas not found at {schema_dir}: {_describe(obj)} not validated "
            f"(set {variable} to a folder holding {group}/<kind>_<version>.json)"
        )
    validator = _custom_resource_validator(schema_dir / relative)
    if validator is None:
        return [
            f"{_describe(obj)}: no {what} schema {relative} in {schema_dir} (an "
            "experimental-channel kind, or a version the CRDs do not serve)"
        ]
    return _errors(obj, validator)


@functools.cache
def _kubernetes_schemas() -> tuple[Path, Registry]:
    # kubernetes-validate's bundled, strict (unknown fields fail) schemas of the pinned version,
    # loaded once: its own validate() re-reads the 1.3 MB definitions file on every call.
    root = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    folder = Path(str(root / f"v{KUBERNETES_VERSION}.0-local-strict"))
    definitions = Resource.from_contents(json.loads((folder / "_definitions.json").read_text()))
    return folder, definitions @ Registry()


@functools.cache
def _kubernetes_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    folder, registry = _kubernetes_schemas()
    # File names as kubernetes-validate spells them: "apps/v1" -> "apps-v1", "v1" -> "v1".
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = folder / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _errors(obj: dict, validator: jsonschema.protocols.Validator) -> list[str]:
    return [
        f"{_describe(obj)}: {_location(error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.path)))
    ]


def validate_object(obj: dict) -> list[str]:
    """Error messages for one object (empty when valid); unknown fields and unknown kinds fail."""
    if not obj.get("apiVersion") or not obj.get("kind"):
        return [f"{_describe(obj)}: apiVersion and kind are required"]
    if obj["apiVersion"] == CHAOS_MESH_API_VERSION:
        schema_dir, variable, what = chaos_mesh_schema_dir(), "SCHEMA_LOCATION", "Chaos Mesh"
        return _validate_custom_resource(obj, schema_dir, variable, what)
    if is_gateway_api(obj):
        schema_dir, variable = gateway_api_schema_dir(), "GATEWAY_API_SCHEMA_LOCATION"
        return _validate_custom_resource(obj, schema_dir, variable, "Gateway API")
    validator = _kubernetes_validator(obj["apiVersion"], obj["kind"])
    if validator is None:
        return [
            f"{_describe(obj)}: no Kubernetes {KUBERNETES_VERSION} schema for "
            f"{obj['apiVersion']} {obj['kind']} (a custom resource nothing here can check)"
        ]
    return _errors(obj, validator)
