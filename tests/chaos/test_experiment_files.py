"""Each chaos/experiments file is one reviewed, namespace-scoped, time-boxed experiment."""

from __future__ import annotations

import pytest

from tests.chaos.chaos_mesh import (
    CHAOS_KINDS,
    MAX_NAME_LENGTH,
    NAMESPACE,
    load_experiments,
    seconds,
)
from tests.support.validate import validate_object

# The lab runner (chaos/chaoslab) and docs refer to the experiments by these file names.
EXPECTED = {
    "pod-kill": "PodChaos",
    "pod-failure": "PodChaos",
    "container-kill": "PodChaos",
    "cpu-stress": "StressChaos",
    "cpu-stress-one": "StressChaos",
    "memory-stress": "StressChaos",
    "network-delay": "NetworkChaos",
    "network-loss": "NetworkChaos",
    "http-abort": "HTTPChaos",
}
NAMES = sorted(load_experiments())


def test_the_expected_experiments_exist_with_their_kinds(experiments):
    assert {stem: obj["kind"] for stem, (_, obj) in experiments.items()} == EXPECTED


@pytest.mark.parametrize("stem", NAMES)
def test_experiment_validates_strictly_against_the_chaos_mesh_schema(experiments, stem):
    _, obj = experiments[stem]
    assert validate_object(obj) == []


@pytest.mark.parametrize("stem", NAMES)
def test_experiment_is_named_after_its_file_and_lives_in_the_app_namespace(experiments, stem):
    _, obj = experiments[stem]
    assert obj["kind"] in CHAOS_KINDS
    assert obj["metadata"]["name"] == stem
    assert len(stem) <= MAX_NAME_LENGTH
    assert obj["metadata"]["namespace"] == NAMESPACE


@pytest.mark.parametrize("stem", NAMES)
def test_experiment_has_an_explicit_mode_and_a_bounded_duration(experiments, stem):
    _, obj = experiments[stem]
    assert obj["spec"]["mode"] in {"one", "all", "fixed", "fixed-percent", "random-max-percent"}
    duration = seconds(obj["spec"]["duration"])
    assert 0 < duration.total_seconds() <= 10 * 60, "a lab experiment lasts at most 10 minutes"


@pytest.mark.parametrize("stem", NAMES)
def test_experiment_file_starts_with_what_it_does_what_to_watch_and_how_long(experiments, stem):
    path, _ = experiments[stem]
    header = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    text = "\n".join(header)
    assert text.startswith(f"# {stem}:"), "the header opens with the experiment's name"
    assert "# Watch:" in text
    assert "# Lasts:" in text
