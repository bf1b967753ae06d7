"""The chaos overlay's Workflow: real template types, existing children, a deadline per step."""

from __future__ import annotations

import pytest

from tests.chaos.chaos_mesh import TEMPLATE_KEYS, TEMPLATE_TYPES, parse_duration
from tests.support.render import by_name

STEPS = [
    "pod-kill",
    "recover-from-pod-kill",
    "cpu-stress",
    "recover-from-cpu-stress",
    "network-delay",
    "recover-from-network-delay",
]


@pytest.fixture(scope="module")
def workflow(chaos_mesh_objects) -> dict:
    return by_name(chaos_mesh_objects, "Workflow", "chaos-lab")


@pytest.fixture(scope="module")
def templates(workflow) -> dict[str, dict]:
    return {template["name"]: template for template in workflow["spec"]["templates"]}


def test_template_names_are_unique(workflow):
    names = [template["name"] for template in workflow["spec"]["templates"]]
    assert len(names) == len(set(names))


def test_entry_is_a_serial_template_running_the_lab_in_order(workflow, templates):
    entry = templates[workflow["spec"]["entry"]]
    assert entry["templateType"] == "Serial"
    assert entry["children"] == STEPS


def test_every_child_names_an_existing_template(templates):
    for template in templates.values():
        for child in template.get("children", []):
            assert child in templates, f"{template['name']} runs unknown template {child}"


def test_template_type_is_real_and_embeds_exactly_its_own_key(templates):
    for name, template in templates.items():
        kind = template["templateType"]
        assert kind in TEMPLATE_TYPES, f"{name}: {kind} is not a Workflow template type"
        expected = {TEMPLATE_TYPES[kind]} - {None}
        assert TEMPLATE_KEYS & set(template) == expected, name


def test_every_step_has_a_deadline_and_the_entry_outlasts_its_steps(workflow, templates):
    entry = templates[workflow["spec"]["entry"]]
    steps = [parse_duration(templates[child]["deadline"]) for child in entry["children"]]
    assert all(step.total_seconds() > 0 for step in steps)
    assert parse_duration(entry["deadline"]) >= sum(steps, start=steps[0] * 0)


def test_experiment_steps_run_the_one_shot_experiment_for_its_duration(templates, experiments):
    for name in ("pod-kill", "cpu-stress", "network-delay"):
        template = templates[name]
        _, experiment = experiments[name]
        assert template["templateType"] == experiment["kind"]
        assert template[TEMPLATE_TYPES[experiment["kind"]]] == experiment["spec"]
        assert parse_duration(template["deadline"]) == parse_duration(
            experiment["spec"]["duration"]
        )


def test_recovery_steps_are_suspends(templates):
    for name in STEPS:
        if name.startswith("recover-from-"):
            assert templates[name]["templateType"] == "Suspend"
