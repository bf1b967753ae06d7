"""The report writer and its prose for runs that did not get as far as a recovery."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from chaoslab import journal
from chaoslab.analysis import Analysis, BaselineResult, Recovery, Timeline, analyse
from chaoslab.config import REPO
from chaoslab.hypotheses import load_hypotheses
from chaoslab.narrative import recovery_mechanism
from chaoslab.report import write_index, write_report
from chaoslab.results import (
    ABORTED,
    BASELINE_FAILED,
    BLANK,
    CUT,
    ERROR,
    FAILED,
    TAKEN,
    ExperimentResult,
    Screenshot,
)

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


def summary_cells(text: str, experiment: str) -> dict[str, str]:
    """The report's summary table row of one experiment, cell by heading."""
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| experiment | fault |"))
    row = next(line for line in lines if line.startswith(f"| {experiment} |"))
    return dict(zip(header.strip("|").split(" | "), row.strip("|").split(" | "), strict=True))


@pytest.mark.parametrize("cpu_name", ["cpu", "backend_cpu"])
def test_renaming_an_impact_metric_in_the_hypotheses_keeps_its_summary_column(tmp_path, cpu_name):
    yaml_text = (REPO / "chaos" / "hypotheses.yaml").read_text()
    assert "  - name: cpu\n" in yaml_text
    renamed = tmp_path / "hypotheses.yaml"
    renamed.write_text(yaml_text.replace("  - name: cpu\n", f"  - name: {cpu_name}\n"))
    spec = load_hypotheses(renamed)
    spec = dataclasses.replace(spec, settings=SPEC.settings)
    result = ExperimentResult(cpu_stress().experiment, status=FAILED, timeline=TIMELINE)
    impact = {cpu_name: series(between(60, 90, inside=0.9, outside=0.1))}
    result.analysis = analyse(spec, {}, impact, TIMELINE)
    text = write_report(tmp_path / "run", [result], spec, {}, settings={}).read_text()
    cells = summary_cells(text, "cpu-stress")
    assert cells["max CPU"] == "0.90 cores"
    assert cells["max backend p95"] == "—"  # no series given: no value, still its column
    columns = {m["name"]: m["summary"] for m in journal.load(tmp_path / "run")["inputs"]["impact"]}
    assert columns[cpu_name] == "max CPU"


def test_screenshots_are_journaled_with_their_status_and_file(tmp_path: Path):
    result = ExperimentResult(pod_kill().experiment, status=FAILED, timeline=TIMELINE)
    result.analysis = analyse(SPEC, {}, {}, TIMELINE)
    result.screenshots = [
        Screenshot("webui", "during", "webui-during.png", TAKEN, "Chromium"),
        Screenshot.failed("grafana", "during", "grafana-during.png",
                          "the capture is blank: 99.9% of its pixels are the one colour"),
        Screenshot.failed("grafana", "after", "grafana-after.png",
                          "http://g/d: the capture is 900 px tall, the page 2000 px: cut"),
        Screenshot.failed("webui", "after", "webui-after.png", "no Chromium at 'chromium'"),
    ]  # fmt: skip
    text = write_report(tmp_path / "run", [result], SPEC, {}, settings={}).read_text()
    (stored,) = journal.load(tmp_path / "run")["experiments"]
    assert [(s["source"], s["moment"], s["file"], s["status"]) for s in stored["screenshots"]] == [
        ("webui", "during", "webui-during.png", TAKEN),
        ("grafana", "during", "grafana-during.png", BLANK),
        ("grafana", "after", "grafana-after.png", CUT),
        ("webui", "after", "webui-after.png", ERROR),
    ]
    # Only the picture taken is shown.
    assert "![web dashboard during the fault](pod-kill/webui-during.png)" in text
    assert "grafana-during.png" not in text and "webui-after.png" not in text


def test_a_run_folder_without_a_journal_cannot_be_rendered(tmp_path: Path):
    with pytest.raises(journal.JournalError, match="no readable journal"):
        journal.load(tmp_path)
