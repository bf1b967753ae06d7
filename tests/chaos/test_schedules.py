"""The chaos overlay's Schedules: well-formed, never overlapping, the one-shot specs exactly."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tests.chaos.chaos_mesh import (
    MAX_NAME_LENGTH,
    NAMESPACE,
    SCHEDULE_KEYS,
    SCHEDULE_TYPES,
    Cron,
    parse_duration,
)
from tests.support.validate import validate_object

SCHEDULED = {
    "pod-kill-hourly": "pod-kill",
    "cpu-stress-hourly": "cpu-stress",
    "network-delay-hourly": "network-delay",
}


@pytest.fixture(scope="module")
def schedules(chaos_mesh_objects) -> list[dict]:
    return [obj for obj in chaos_mesh_objects if obj["kind"] == "Schedule"]


def _window(schedule: dict, start: datetime) -> tuple[datetime, datetime]:
    """When a run started at its slot may be active: a late start, then the whole duration."""
    spec = schedule["spec"]
    embedded = spec[SCHEDULE_TYPES[spec["type"]]]
    late = timedelta(seconds=spec.get("startingDeadlineSeconds", 0))
    return start, start + late + parse_duration(embedded["duration"])


def test_the_three_core_experiments_are_scheduled(schedules):
    assert sorted(s["metadata"]["name"] for s in schedules) == sorted(SCHEDULED)


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


def test_schedules_forbid_concurrent_runs_and_keep_a_bounded_history(schedules):
    for schedule in schedules:
        assert schedule["spec"]["concurrencyPolicy"] == "Forbid"
        assert 1 <= schedule["spec"]["historyLimit"] <= 10


def test_schedule_runs_the_one_shot_experiment_of_the_same_name(schedules, experiments):
    for schedule in schedules:
        spec = schedule["spec"]
        _, experiment = experiments[SCHEDULED[schedule["metadata"]["name"]]]
        assert experiment["kind"] == spec["type"]
        assert spec[SCHEDULE_TYPES[spec["type"]]] == experiment["spec"]


def test_cron_strings_parse_and_fire_at_least_daily(schedules):
    day = datetime(2026, 1, 5, tzinfo=UTC)
    for schedule in schedules:
        runs = list(Cron(schedule["spec"]["schedule"]).runs(day, timedelta(days=1)))
        assert runs, f"{schedule['metadata']['name']} never runs"


def test_scheduled_runs_never_overlap_and_each_ends_before_its_next_run(schedules):
    # Eight days from a Monday: every weekday, and the wrap into the next week.
    start, span = datetime(2026, 1, 5, tzinfo=UTC), timedelta(days=8)
    windows = sorted(
        (*_window(schedule, run), schedule["metadata"]["name"])
        for schedule in schedules
        for run in Cron(schedule["spec"]["schedule"]).runs(start, span)
    )
    for (_, end, name), (next_start, _, next_name) in itertools.pairwise(windows):
        assert end <= next_start, f"{name} (until {end:%a %H:%M:%S}) overlaps {next_name}"
