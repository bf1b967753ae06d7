"""No experiment can reach beyond the backend pods of stock-monitoring."""

from __future__ import annotations

import pytest

from tests.chaos.chaos_mesh import (
    CHAOS_KINDS,
    NAMESPACE,
    SCHEDULE_KEYS,
    TEMPLATE_KEYS,
    load_experiments,
    selected_workloads,
)
from tests.support.render import BASE, render

BACKEND = {(NAMESPACE, "backend")}
WEBUI = {(NAMESPACE, "webui")}
NAMES = sorted(load_experiments())


def _workflow_specs(name: str, workflow: dict) -> list[tuple[str, dict]]:
    return [
        (f"{name} template {template['name']}", template[key])
        for template in workflow["templates"]
        for key in TEMPLATE_KEYS
        if key in template
    ]


def _chaos_specs(obj: dict) -> list[tuple[str, dict]]:
    """(where, chaos spec) for a chaos object, a Schedule (of a Workflow too) or a Workflow."""
    name = f"{obj['kind']} {obj['metadata'].get('name', obj['metadata'].get('generateName'))}"
    if obj["kind"] in CHAOS_KINDS:
        return [(name, obj["spec"])]
    if obj["kind"] == "Schedule" and obj["spec"]["type"] == "Workflow":
        return _workflow_specs(name, obj["spec"]["workflow"])
    if obj["kind"] == "Schedule":
        return [(name, obj["spec"][key]) for key in SCHEDULE_KEYS if key in obj["spec"]]
    if obj["kind"] == "Workflow":
        return _workflow_specs(name, obj["spec"])
    return []


def _assert_selects_exactly(selector: dict, expected: set, objects: list[dict], where: str) -> None:
    # Only keys _selects() understands: anything else (pods, fieldSelectors, ...) could widen
    # or narrow the selection in ways this check would not see.
    assert set(selector) <= {"namespaces", "labelSelectors", "expressionSelectors"}, where
    assert selector["namespaces"] == [NAMESPACE], where
    assert selected_workloads(selector, objects) == expected, where


@pytest.fixture(scope="module")
def base_objects() -> list[dict]:
    return render(BASE)


@pytest.mark.parametrize("stem", NAMES)
def test_experiment_selects_exactly_the_backend_pods_of_the_base(experiments, base_objects, stem):
    _, obj = experiments[stem]
    _assert_selects_exactly(obj["spec"]["selector"], BACKEND, base_objects, stem)


@pytest.mark.parametrize("stem", NAMES)
def test_experiment_selects_nothing_else_in_the_whole_chaos_stack(experiments, chaos_overlay, stem):
    # The chaos overlay adds the monitoring stack and the load generator: still only backend.
    _, obj = experiments[stem]
    _assert_selects_exactly(obj["spec"]["selector"], BACKEND, chaos_overlay, stem)


@pytest.mark.parametrize("stem", ["network-delay", "network-loss"])
def test_network_experiment_targets_exactly_the_webui_pods(experiments, chaos_overlay, stem):
    _, obj = experiments[stem]
    assert obj["spec"]["direction"] == "to"
    _assert_selects_exactly(obj["spec"]["target"]["selector"], WEBUI, chaos_overlay, stem)


def test_every_scheduled_and_workflow_spec_selects_exactly_the_backend_pods(
    chaos_mesh_objects, workflow_run, chaos_overlay
):
    specs = [spec for obj in [*chaos_mesh_objects, workflow_run] for spec in _chaos_specs(obj)]
    assert len(specs) == 9, "three Schedules and twice three Workflow steps embed a chaos spec"
    for where, spec in specs:
        _assert_selects_exactly(spec["selector"], BACKEND, chaos_overlay, where)
        if "target" in spec:
            _assert_selects_exactly(spec["target"]["selector"], WEBUI, chaos_overlay, where)


def test_expression_selectors_narrow_the_selection_as_label_selectors_do(base_objects):
    # Chaos Mesh's expressionSelectors are a LabelSelector's matchExpressions.
    def selector(*expressions: tuple[str, list[str]]) -> dict:
        return {
            "namespaces": [NAMESPACE],
            "expressionSelectors": [
                {"key": "app.kubernetes.io/name", "operator": operator, "values": values}
                for operator, values in expressions
            ],
        }

    assert selected_workloads(selector(("In", ["backend"])), base_objects) == BACKEND
    both_but_backend = selector(("In", ["backend", "webui"]), ("NotIn", ["backend"]))
    assert selected_workloads(both_but_backend, base_objects) == WEBUI
