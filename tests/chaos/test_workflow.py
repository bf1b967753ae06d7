"""The Workflow chaos-lab, as its Schedule runs it and as `make chaos-workflow` runs it once:
real template types, existing children, a deadline per step and no duration in any step."""

from __future__ import annotations

import pytest

from tests.chaos.chaos_mesh import TEMPLATE_KEYS, TEMPLATE_TYPES, seconds
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
def workflow_schedule(chaos_mesh_objects) -> dict:
    return by_name(chaos_mesh_objects, "Schedule", "chaos-lab")


@pytest.fixture(scope="module", params=["schedule", "run on demand"])
def workflow(request, workflow_schedule, workflow_run) -> dict:
    """The Workflow's spec: each test runs on the Schedule's and on the one-off run's."""
    if request.param == "schedule":
        return workflow_schedule["spec"]["workflow"]
    return workflow_run["spec"]


@pytest.fixture(scope="module")
def templates(workflow) -> dict[str, dict]:
    return {template["name"]: template for template in workflow["templates"]}


def test_the_schedule_and_the_run_on_demand_run_the_same_workflow(workflow_schedule, workflow_run):
    assert workflow_schedule["spec"]["type"] == "Workflow"
    assert workflow_schedule["spec"]["workflow"] == workflow_run["spec"]


def test_the_run_on_demand_gets_a_fresh_name_each_time_in_the_app_namespace(workflow_run):
    assert workflow_run["kind"] == "Workflow"
    assert workflow_run["metadata"] == {
        "generateName": "chaos-lab-now-",
        "namespace": "stock-monitoring",
    }


def test_template_names_are_unique(workflow):
    names = [template["name"] for template in workflow["templates"]]
    assert len(names) == len(set(names))


def test_entry_is_a_serial_template_running_the_lab_in_order(workflow, templates):
    entry = templates[workflow["entry"]]
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
    entry = templates[workflow["entry"]]
    steps = [seconds(templates[child]["deadline"]) for child in entry["children"]]
    assert all(step.total_seconds() > 0 for step in steps)
    assert seconds(entry["deadline"]) >= sum(steps, start=steps[0] * 0)


def test_no_step_carries_a_duration(templates):
    # Chaos Mesh's workflow webhook refuses a duration in a Workflow's chaos: the deadline is it.
    for name, template in templates.items():
        key = TEMPLATE_TYPES[template["templateType"]]
        if key is not None:
            assert "duration" not in template[key], name


def test_experiment_steps_run_the_one_shot_experiment_for_its_duration(templates, experiments):
    for name in ("pod-kill", "cpu-stress", "network-delay"):
        template = templates[name]
        _, experiment = experiments[name]
        spec = dict(experiment["spec"])
        duration = spec.pop("duration")
        assert template["templateType"] == experiment["kind"]
        assert template[TEMPLATE_TYPES[experiment["kind"]]] == spec
        assert seconds(template["deadline"]) == seconds(duration)


def test_recovery_steps_are_suspends(templates):
    for name in STEPS:
        if name.startswith("recover-from-"):
            assert templates[name]["templateType"] == "Suspend"
