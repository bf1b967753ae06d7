"""The lab's input files: chaos/hypotheses.yaml and chaos/experiments/*.yaml."""

from pathlib import Path

import pytest
from chaoslab.config import REPO
from chaoslab.experiments import (
    ExperimentError,
    available,
    load_experiment,
    parse_duration,
    resolve,
)
from chaoslab.hypotheses import HypothesisError, load_hypotheses

EXPERIMENTS = REPO / "chaos" / "experiments"
CRDS = REPO.parent / "shared" / "schemas" / "chaos-mesh" / "crds.yaml"


def test_the_repository_hypotheses_file_loads():
    spec = load_hypotheses(REPO / "chaos" / "hypotheses.yaml")
    assert {h.name for h in spec.hypotheses} >= {"availability", "p95_latency", "ready_replicas"}
    assert {m.name for m in spec.impact} >= {"p95_latency", "error_ratio", "cpu", "ready_replicas"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hypotheses: [{name: a, query: up, op: '!=', threshold: 1}]", "op '!='"),
        ("hypotheses: [{name: a, op: '<=', threshold: 1}]", "missing 'query'"),
        ("settings: {baseline: 5}\nhypotheses: [{name: a, query: up, op: '<=', threshold: 1}]",
         "unknown keys"),
        ("settings: {step_seconds: 5s}\nhypotheses: [{name: a, query: up, op: '<=', threshold: 1}]",
         "step_seconds: expected a plain number"),
        ("hypotheses: []", "no hypotheses"),
    ],
)  # fmt: skip
def test_a_malformed_hypotheses_file_is_rejected_with_the_reason(tmp_path: Path, text, message):
    path = tmp_path / "hypotheses.yaml"
    path.write_text(text)
    with pytest.raises(HypothesisError, match=message):
        load_hypotheses(path)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("2m", 120), ("1m30s", 90),
                                               ("500ms", 0.5)])  # fmt: skip
def test_go_durations_are_parsed(text, seconds):
    assert parse_duration(text) == seconds


def test_a_malformed_duration_is_rejected():
    with pytest.raises(ExperimentError):
        parse_duration("2 minutes")


@pytest.mark.skipif(not EXPERIMENTS.is_dir(), reason="chaos/experiments/ does not exist yet")
def test_every_repository_experiment_is_runnable_by_the_lab():
    names = available(EXPERIMENTS)
    assert names
    crds = CRDS.read_text() if CRDS.exists() else ""
    for experiment in resolve(EXPERIMENTS, names):
        assert experiment.namespace == "stock-monitoring"
        if crds:
            assert f"plural: {experiment.plural}\n" in crds, experiment.name


def test_an_experiment_whose_name_differs_from_its_file_is_rejected(tmp_path: Path):
    path = tmp_path / "pod-kill.yaml"
    path.write_text(
        "apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\n"
        "metadata: {name: other, namespace: ns}\nspec: {action: pod-kill}\n"
    )
    with pytest.raises(ExperimentError, match=r"metadata\.name"):
        load_experiment(path)


def test_an_unknown_experiment_name_lists_the_known_ones(tmp_path: Path):
    (tmp_path / "pod-kill.yaml").write_text("kind: PodChaos\n")
    with pytest.raises(ExperimentError, match=r"known in .*: pod-kill"):
        resolve(tmp_path, ["pod-kil"])
