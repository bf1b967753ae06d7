"""The OpenAPI document matches the URLconf and the contract's error codes."""

import re

from django.urls import URLPattern, URLResolver, get_resolver
from quotes.openapi import ERROR_CODES, OPENAPI_DOCUMENT

# Served on the metrics listener for Prometheus, not part of the API.
UNDOCUMENTED = {"/metrics"}


def routes(patterns, prefix: str = "") -> set[str]:
    """Every URL route as an OpenAPI path template."""
    found: set[str] = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found |= routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return found


def test_every_route_is_documented_and_every_documented_path_exists():
    assert routes(get_resolver().url_patterns) - UNDOCUMENTED == set(OPENAPI_DOCUMENT["paths"])


def test_path_parameters_match_the_route_placeholders():
    for path, item in OPENAPI_DOCUMENT["paths"].items():
        placeholders = set(re.findall(r"{(\w+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == placeholders, path


def test_operations_are_get_only_with_unique_ids():
    operations = [
        (method, op["operationId"])
        for item in OPENAPI_DOCUMENT["paths"].values()
        for method, op in item.items()
    ]
    assert {method for method, _ in operations} == {"get"}
    ids = [operation_id for _, operation_id in operations]
    assert len(ids) == len(set(ids))


def test_error_codes_are_the_contracts():
    assert set(ERROR_CODES) == {
        "invalid_symbol", "too_many_symbols", "invalid_period", "invalid_interval",
        "unsupported_combination", "not_found", "method_not_allowed", "upstream_unavailable",
        "fault_injected",
    }  # fmt: skip
