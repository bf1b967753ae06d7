"""The chaos overlay's Schedules: well-formed, never overlapping, the one-shot specs exactly, and
nothing that runs when the overlay is applied."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tests.chaos.admission import Cron
from tests.chaos.chaos_mesh import (
    CHAOS_KINDS,
    MAX_NAME_LENGTH,
    NAMESPACE,
    SCHEDULE_KEYS,
    SCHEDULE_TYPES,
    seconds,
)
from tests.support.validate import validate_object

EXPERIMENT_SCHEDULES = {
    "pod-kill-hourly": "pod-kill",
    "cpu-stress-hourly": "cpu-stress",
    "network-delay-hourly": "network-delay",
}
WORKFLOW_SCHEDULE = "chaos-lab"


@pytest.fixture(scope="module")
def schedules(chaos_mesh_objects) -> list[dict]:
    return [obj for obj in chaos_mesh_objects if obj["kind"] == "Schedule"]


def _longest_run(spec: dict) -> timedelta:
    """How long one run can last: the chaos's duration, or the Workflow entry's deadline."""
    embedded = spec[SCHEDULE_TYPES[spec["type"]]]
    if spec["type"] == "Workflow":
        entry = next(t for t in embedded["templates"] if t["name"] == embedded["entry"])
        return seconds(entry["deadline"])
    return seconds(embedded["duration"])


def _window(schedule: dict, start: datetime) -> tuple[datetime, datetime]:
    """When a run started at its slot may be active: a late start, then the whole run."""
    spec = schedule["spec"]
    late = timedelta(seconds=spec.get("startingDeadlineSeconds", 0))
    return start, start + late + _longest_run(spec)


def _overlaps(schedules: list[dict]) -> list[str]:
    # Eight days from a Monday: every weekday, and the wrap into the next week.
    start, span = datetime(2026, 1, 5, tzinfo=UTC), timedelta(days=8)
    windows = sorted(
        (*_window(schedule, run), schedule["metadata"]["name"])
        for schedule in schedules
        for run in Cron(schedule["spec"]["schedule"]).runs(start, span)
    )
    return [
        f"{name} (until {end:%a %H:%M:%S}) overlaps {next_name} ({next_start:%H:%M:%S})"
        for (_, end, name), (next_start, _, next_name) in itertools.pairwise(windows)
        if end > next_start
    ]


def test_the_three_core_experiments_and_the_workflow_are_scheduled(schedules):
    assert sorted(s["metadata"]["name"] for s in schedules) == sorted(
        [*EXPERIMENT_SCHEDULES, WORKFLOW_SCHEDULE]
    )


def test_applying_the_overlay_starts_nothing(chaos_mesh_objects, schedules):
    # No chaos object and no Workflow: those run on creation. A Schedule's first run is at the
    # first time its cron string names after the Schedule was created, never at creation.
    assert [obj["kind"] for obj in chaos_mesh_objects] == ["Schedule"] * len(chaos_mesh_objects)
    assert not [s for s in schedules if s["spec"]["schedule"].startswith("@every")]


def test_every_chaos_mesh_object_of_the_overlay_validates_strictly(chaos_mesh_objects):
    errors = [error for obj in chaos_mesh_objects for error in validate_object(obj)]
    assert errors == []


def test_every_chaos_mesh_object_of_the_overlay_is_namespaced_with_a_short_name(
    chaos_mesh_objects,
):
    for obj in chaos_mesh_objects:
        assert obj["metadata"]["namespace"] == NAMESPACE
        assert len(obj["metadata"]["name"]) <= MAX_NAME_LENGTH


def test_schedule_type_is_a_real_kind_and_embeds_exactly_its_own_key(schedules):
    for schedule in schedules:
        spec = schedule["spec"]
        assert spec["type"] in SCHEDULE_TYPES, f"{spec['type']} is not a Chaos Mesh kind"
        assert SCHEDULE_KEYS & set(spec) == {SCHEDULE_TYPES[spec["type"]]}


def test_schedules_forbid_concurrent_runs_skip_late_ones_and_keep_a_bounded_history(schedules):
    for schedule in schedules:
        assert schedule["spec"]["concurrencyPolicy"] == "Forbid"
        assert schedule["spec"]["startingDeadlineSeconds"] == 60
        assert 1 <= schedule["spec"]["historyLimit"] <= 10


def test_schedule_runs_the_one_shot_experiment_of_the_same_name(schedules, experiments):
    for schedule in schedules:
        if schedule["metadata"]["name"] == WORKFLOW_SCHEDULE:
            continue
        spec = schedule["spec"]
        _, experiment = experiments[EXPERIMENT_SCHEDULES[schedule["metadata"]["name"]]]
        assert experiment["kind"] == spec["type"] in CHAOS_KINDS
        assert spec[SCHEDULE_TYPES[spec["type"]]] == experiment["spec"]


def test_cron_strings_fire_at_least_daily(schedules):
    day = datetime(2026, 1, 5, tzinfo=UTC)
    for schedule in schedules:
        runs = list(Cron(schedule["spec"]["schedule"]).runs(day, timedelta(days=1)))
        assert runs, f"{schedule['metadata']['name']} never runs"


def test_scheduled_runs_never_overlap_and_each_ends_before_its_next_run(schedules):
    assert _overlaps(schedules) == []


def test_the_workflow_run_is_bounded_by_its_deadline_of_15_minutes(schedules):
    workflow = next(s for s in schedules if s["metadata"]["name"] == WORKFLOW_SCHEDULE)
    assert _longest_run(workflow["spec"]) == timedelta(minutes=15)


def test_the_overlap_check_sees_a_run_moved_into_another_slot(schedules):
    # The Workflow (up to 16 minutes from :45) moved to :55 runs into pod-kill's :05 slot.
    moved = copy.deepcopy(schedules)
    workflow = next(s for s in moved if s["metadata"]["name"] == WORKFLOW_SCHEDULE)
    workflow["spec"]["schedule"] = "55 * * * *"
    assert any("overlaps pod-kill-hourly" in overlap for overlap in _overlaps(moved))
