"""The report writer and its prose for runs that did not get as far as a recovery."""

from __future__ import annotations

from pathlib import Path

from chaoslab.analysis import Analysis, BaselineResult, Recovery, Timeline, analyse
from chaoslab.narrative import recovery_mechanism
from chaoslab.report import write_index, write_report
from chaoslab.results import ABORTED, BASELINE_FAILED, FAILED, ExperimentResult

from tests.lab.builders import SPEC, TIMELINE, between, series
from tests.lab.synthetic import cpu_stress, pod_kill


def test_a_failed_baseline_is_reported_per_hypothesis_with_nothing_injected(tmp_path: Path):
    result = ExperimentResult(pod_kill().experiment, status=BASELINE_FAILED)
    result.timeline = Timeline(0, 60, 60, 60, 5)
    baseline = [BaselineResult("p95_latency", 1.0, 3, False),
                BaselineResult("availability", 0.5, 0, False)]  # fmt: skip
    result.analysis = Analysis(baseline, [], Recovery(False, None, None), [])
    text = write_report(tmp_path / "run", [result], SPEC, {}).read_text()
    assert "| pod-kill | PodChaos | **baseline failed** (nothing injected) |" in text
    assert "| `p95_latency` | <= 500 ms | 100% | 3 | **failed** |" in text
    assert "| `availability` | >= 99.00% | 50% | 0 | **failed** |" in text
    assert not list((tmp_path / "run" / "pod-kill").glob("*.png"))


def test_an_aborted_experiment_shows_its_error(tmp_path: Path):
    result = ExperimentResult(pod_kill().experiment, status=ABORTED, error="API unreachable")
    text = write_report(tmp_path / "run", [result], SPEC, {"namespace": "x"}).read_text()
    assert "**aborted** (API unreachable)" in text
    assert "Error: `API unreachable`" in text


def test_a_system_that_never_recovered_is_said_plainly():
    result = ExperimentResult(cpu_stress().experiment, status=FAILED, timeline=TIMELINE)
    latency = series(between(65, 1000, inside=2.0, outside=0.1))
    result.analysis = analyse(SPEC, {"p95_latency": latency, "availability": series(lambda t: 1)},
                              {}, TIMELINE)  # fmt: skip
    text = recovery_mechanism(result)
    assert "recovered in place" in text
    assert "NOT recovered 150s after the fault ended (`p95_latency` still failing)" in text


def test_the_index_lists_runs_newest_first_then_other_reports(tmp_path: Path):
    for run in ("20260105T100000Z-pod-kill", "20260106T090000Z-lab"):
        (tmp_path / run).mkdir()
        (tmp_path / run / "report.md").write_text("# report\n")
    (tmp_path / "sample-synthetic").mkdir()
    (tmp_path / "sample-synthetic" / "report.md").write_text("# sample\n")
    (tmp_path / "not-a-run").mkdir()
    lines = write_index(tmp_path).read_text().splitlines()
    assert [line for line in lines if line.startswith("- ")] == [
        "- [20260106T090000Z-lab](20260106T090000Z-lab/report.md)",
        "- [20260105T100000Z-pod-kill](20260105T100000Z-pod-kill/report.md)",
        "- [sample-synthetic](sample-synthetic/report.md)",
    ]
