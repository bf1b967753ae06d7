"""The analysis and report against a REAL Prometheus holding synthetic pod-kill and CPU-stress
series, backfilled with `promtool tsdb create-blocks-from openmetrics`."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from chaoslab import journal
from chaoslab.analysis import analyse
from chaoslab.budget import LOOKBACK_SECONDS, SLOCost, price
from chaoslab.cli import main
from chaoslab.config import REPO
from chaoslab.hypotheses import LabSettings, load_hypotheses
from chaoslab.pods import pod_events, readiness
from chaoslab.prometheus import PrometheusClient
from chaoslab.report import write_report
from chaoslab.results import FAILED, PASSED, ExperimentResult
from chaoslab.runner import collect

from tests.lab import synthetic
from tests.support.prometheus import prometheus_server

pytestmark = pytest.mark.slow
SAMPLE = REPO / "artifacts" / "lab" / "sample-synthetic"
PUBLISHED = REPO / "docs" / "reports" / "sample-synthetic"
BANNER = (
    "SYNTHETIC DATA. Written by `make lab-sample` (tests/lab/test_integration.py) from series "
    "shaped like a pod-kill and a CPU stress, backfilled into a real Prometheus. No cluster was "
    "involved: this shows what the lab measures and writes, not how stockwatch behaves."
)
NOTE = "synthetic series backfilled into a loopback Prometheus; no cluster"
CONTEXT = {
    "started": "2026-01-05 10:00:00 UTC (synthetic)",
    "environment": NOTE,
    "namespace": synthetic.NAMESPACE,
    "targets": "pods with `app.kubernetes.io/name=backend`",
    "Prometheus": "Debian prometheus 2.42 on loopback, TSDB backfilled by promtool",
    "hypotheses": "hypotheses.yaml",
}
SPEC = load_hypotheses(REPO / "chaos" / "hypotheses.yaml")
SPEC = dataclasses.replace(SPEC, settings=LabSettings(step_seconds=5, baseline_seconds=120,
                           recovery_seconds=180, stable_seconds=60, min_coverage=0.8))  # fmt: skip


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> PrometheusClient:
    if shutil.which("promtool") is None:
        pytest.fail("promtool is not installed; on Debian: apt-get install prometheus")
    tmp = tmp_path_factory.mktemp("prometheus")
    source = tmp / "synthetic.om"
    source.write_text(synthetic.openmetrics([synthetic.pod_kill(), synthetic.cpu_stress()]))
    storage = tmp / "tsdb"
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(source),
                    str(storage)], check=True, capture_output=True, timeout=60)  # fmt: skip
    config = {"global": {"scrape_interval": "15s"}, "scrape_configs": []}
    # A lookback just under the 15s scrape interval stands in for the staleness markers a live
    # scrape writes when a pod disappears: a killed pod's series ends at its first missed scrape
    # instead of counting for 5 more minutes, and no query instant falls into a gap.
    lookback = ["--query.lookback-delta=14s"]
    with prometheus_server(tmp, config, storage=storage, extra_args=lookback) as server:
        yield PrometheusClient(server.base_url)


SETTINGS = {"CHAOSLAB_ENVIRONMENT_NOTE": NOTE}  # what the sample's journal records


def measure(
    prometheus: PrometheusClient, scenarios: list[synthetic.Scenario], spec=SPEC
) -> dict[str, ExperimentResult]:
    """Each synthetic scenario measured and judged exactly as the runner does after a run."""
    measured = {}
    for scenario in scenarios:
        t = scenario.timeline
        result = ExperimentResult(scenario.experiment, timeline=t, injected_at=t.chaos_start + 1)
        result.hypothesis_series, result.impact_series = collect(
            spec, prometheus, t.baseline_start, t.end
        )
        result.analysis = analyse(spec, result.hypothesis_series, result.impact_series, t,
                                  readiness(scenario.snapshots, t.chaos_start))  # fmt: skip
        result.status = PASSED if result.analysis.passed else FAILED
        result.budget = price(spec.slos, prometheus, t)
        result.pod_events = pod_events(scenario.snapshots)
        result.notes.append("No dashboard screenshot: synthetic data, no Grafana involved.")
        measured[scenario.experiment.name] = result
    return measured


@pytest.fixture(scope="module")
def results(prometheus: PrometheusClient) -> dict[str, ExperimentResult]:
    return measure(prometheus, [synthetic.pod_kill(), synthetic.cpu_stress()])


@pytest.fixture(scope="module")
def report(results: dict[str, ExperimentResult]) -> Path:
    shutil.rmtree(SAMPLE, ignore_errors=True)
    return write_report(
        SAMPLE, list(results.values()), SPEC, CONTEXT, banner=BANNER, settings=SETTINGS
    )


def since_injection(result: ExperimentResult, at: float | None) -> float | None:
    return None if at is None else at - result.timeline.chaos_start


def verdicts(result: ExperimentResult) -> dict[str, str]:
    return {v.name: v.verdict for v in result.analysis.verdicts}


def peaks(result: ExperimentResult) -> dict[str, float]:
    return {p.name: p.value for p in result.analysis.peaks}


def test_pod_kill_breaks_availability_and_latency_beyond_the_budget(results):
    result = results["pod-kill"]
    assert result.analysis.baseline_passed
    assert verdicts(result) == {
        "availability": "broken",
        "p95_latency": "broken",
        "webui_availability": "held",
        "webui_p95": "held",
        "ready_replicas": "recovered",  # one 15 s scrape below: within the 30 s budget
    }
    # Recovered afterwards, but violated for far longer than 30 s: the experiment fails.
    broken = {v.name: v for v in result.analysis.verdicts}["availability"]
    assert broken.recovered_at is not None and broken.violated_seconds == 50
    assert result.status == FAILED


def test_pod_kill_readiness_dip_comes_from_the_pod_timeline(results):
    seen = results["pod-kill"].analysis.readiness
    # The killed pod is gone 1 s after the kill; the dip counts from when its replacement
    # exists (2 s later here, the same second on the lab) until it is Ready, 15 s.
    assert (seen.before, seen.lowest, seen.longest_dip_seconds, seen.back) == (2, 1, 15, True)
    assert not results["pod-kill"].analysis.readiness_ok  # longer than the 10 s allowed


def test_pod_kill_recovers_once_the_error_scrape_leaves_the_rate_window(results):
    # The errors land in the scrape at +15s; the closed 1m range [t-1m, t] still holds the
    # scrape before them at +60s, so availability is healthy again from +65s.
    result = results["pod-kill"]
    recovery = result.analysis.recovery
    assert since_injection(result, recovery.first_violation) == 15
    assert since_injection(result, recovery.recovered_at) == 65
    assert result.analysis.time_to_recover(result.timeline) == 65


def test_pod_kill_peak_impact(results):
    found = peaks(results["pod-kill"])
    assert found["ready_replicas"] == 1
    # 20% errors in one 15s scrape interval, diluted by the other intervals in the 1m window
    assert 0.05 <= found["error_ratio"] <= 0.07
    assert 0.5 < found["p95_latency"] <= 1.0
    # The replacement's start-up burst on top of the survivor; the killed pod's counter, still
    # inside the rate window after its death, no longer adds to it.
    assert 0.3 < found["cpu"] <= 0.52
    # cAdvisor still reports the killed pod's 400 MiB; only the two live pods count.
    assert found["memory"] < 400 * synthetic.MIB
    # No degraded page while the webui ran: 0, not "no data".
    assert found["webui_degraded_pages"] == 0


def test_cpu_stress_slows_requests_beyond_the_latency_slo_but_keeps_availability(results):
    result = results["cpu-stress"]
    assert verdicts(result) == {
        "availability": "held",
        "p95_latency": "broken",
        "webui_availability": "held",
        "webui_p95": "held",
        "ready_replicas": "held",
    }
    assert result.status == FAILED
    # One throttled scrape interval in the 1m window (the first lands at +15s) pushes p95 over
    # the 250 ms SLO, until the last one (the scrape after the fault ended) has left the window.
    recovery = result.analysis.recovery
    assert since_injection(result, recovery.first_violation) == 15
    assert since_injection(result, recovery.recovered_at) == 170


def test_cpu_stress_peak_cpu_is_both_pods_at_their_limit(results):
    found = peaks(results["cpu-stress"])
    assert found["cpu"] == pytest.approx(1.0, rel=0.02)
    assert found["ready_replicas"] == 2


def costs(result: ExperimentResult) -> dict[str, SLOCost]:
    return {cost.slo.name: cost for cost in result.budget.costs}


def test_pod_kill_is_priced_by_its_failed_requests(results):
    result = results["pod-kill"]
    # 210 s from injection to the end plus the look-back before it, at 10 requests/s.
    window = result.timeline.end - result.timeline.chaos_start + LOOKBACK_SECONDS
    backend = costs(result)["api-availability"]
    # 20 % of one 15 s scrape interval's 150 requests failed: about 30.
    assert backend.requests == pytest.approx(10 * window, rel=0.05)
    assert backend.bad == pytest.approx(30, rel=0.15)
    # 30 failures / (0.1 % of 2400 requests per 240 s, over 30 days): about 0.12 % of the budget.
    expected = backend.bad * window / (0.001 * backend.requests * 30 * 86400)
    assert backend.consumed == pytest.approx(expected)
    assert 0.001 < backend.consumed < 0.0015
    # A 1 % 5-minute error ratio is a 10x burn: far below the 14.4x a page needs on both windows.
    assert 5 < backend.peak_short < 14.4
    assert backend.peak_long < backend.peak_short
    assert costs(result)["webui-availability"].bad == pytest.approx(0, abs=0.01)
    assert result.budget.within_allowance


def test_cpu_stress_is_priced_by_its_slow_requests(results):
    result = results["cpu-stress"]
    latency = costs(result)["api-latency"]
    # 30 % of the requests slower than 250 ms for the two stressed minutes: about 350 of 3000.
    assert 300 < latency.bad < 400
    assert costs(result)["api-availability"].bad == pytest.approx(0, abs=0.01)
    assert latency.consumed < result.budget.allowance
    # Two slow minutes in a 5-minute window: 2/5 x 30 % = 12 % slow, a 2.4x burn of the 5 %
    # budget; a full 5 minutes of it would be 6x.
    assert 2 < latency.peak_short < 3


def test_the_alerts_prometheus_raised_are_listed_with_their_moments(results):
    (alert,) = results["cpu-stress"].budget.alerts
    assert (alert.alertname, alert.firing_at) == ("CPUThrottlingHigh", None)
    assert since_injection(results["cpu-stress"], alert.pending_at) == 30
    assert results["pod-kill"].budget.alerts == ()


def test_report_prices_every_experiment_in_error_budget(report):
    text = report.read_text()
    assert "| experiment | worst SLO | budget consumed | alerts that fired | verdict |" in text
    assert "| pod-kill | `api-availability` |" in text
    assert text.count("### Error budget") == 2
    assert "- `CPUThrottlingHigh` (pod=backend-5c4e-a): pending +30s, firing never fired" in text
    assert "within the 1 % allowance" in text


def test_report_has_summary_sections_charts_and_raw_series(report):
    text = report.read_text()
    assert "| pod-kill | PodChaos | **failed** |" in text
    assert "| cpu-stress | StressChaos | **failed** |" in text
    assert "lowest 1 at +3s, longest stretch below 15s" in text
    assert "ReplicaSet replaced the 1 lost pod(s)" in text
    assert "stressors stopped when the StressChaos object's duration ended" in text
    for name in ("pod-kill", "cpu-stress"):
        folder = report.parent / name
        charts = sorted(folder.glob("*.png"))
        assert len(charts) >= 5
        assert all(chart.read_bytes().startswith(b"\x89PNG") for chart in charts)
        assert (folder / "series.json").exists()
        assert (folder / "series.csv").read_text().startswith("kind,name,unix_time")


def test_published_sample_report_matches_what_the_test_writes(report):
    published = PUBLISHED / "report.md"
    if not published.exists():
        pytest.fail(f"{published} is missing; run `make lab-sample`")
    assert published.read_text() == report.read_text(), "run `make lab-sample` to refresh it"
    # The journal too, but for the versions of the tools on the machine that wrote it.
    written, kept = journal.load(report.parent), journal.load(PUBLISHED)
    for run in (written, kept):
        del run["environment"]["tools"]
    assert kept == written, "run `make lab-sample` to refresh it"


def test_the_journal_records_environment_inputs_timings_verdicts_budget_and_series(report):
    run = journal.load(report.parent)
    assert run["schema_version"] == journal.SCHEMA_VERSION and run["run"] == "sample-synthetic"
    environment = run["environment"]
    assert environment["context"] == CONTEXT and environment["note"] == NOTE
    assert environment["settings"] == SETTINGS
    assert {"python", "kubernetes", "matplotlib"} <= set(environment["tools"])
    inputs = run["inputs"]
    assert inputs["settings"]["stable_seconds"] == 60
    latency = {h["name"]: h for h in inputs["hypotheses"]}["p95_latency"]
    assert (latency["slo"], latency["op"], latency["threshold"]) == ("api-latency", "<=", 0.25)
    assert inputs["budget_allowance"] == inputs["slos"]["experiment_allowance"] == 0.01
    assert [m["name"] for m in inputs["impact"]] == [m.name for m in SPEC.impact]
    pod_kill, cpu_stress = run["experiments"]
    assert pod_kill["definition"]["spec"]["action"] == "pod-kill"
    t0 = synthetic.T0
    assert pod_kill["timings"] == {
        "baseline_start": t0, "baseline_end": t0 + 120, "injection": t0 + 120,
        "injected": t0 + 121, "fault_end": t0 + 150, "observed_until": t0 + 330, "step": 5,
        "recovered": t0 + 185, "time_to_recover": 65,
    }  # fmt: skip
    verdicts = {v["name"]: v["verdict"] for v in pod_kill["analysis"]["verdicts"]}
    assert verdicts["availability"] == "broken" and not pod_kill["analysis"]["passed"]
    assert pod_kill["analysis"]["readiness"]["lowest"] == 1
    costs = {c["slo"]: c for c in pod_kill["budget"]["costs"]}
    assert costs["api-availability"]["bad"] == pytest.approx(30, rel=0.15)
    assert pod_kill["budget"]["within_allowance"] is True
    assert cpu_stress["budget"]["alerts"][0]["alertname"] == "CPUThrottlingHigh"
    assert [e["kind"] for e in pod_kill["pod_events"]][:1] == ["gone"]
    assert pod_kill["screenshots"] == [] and pod_kill["notes"]
    # Every sampled series, read back from the series.json the journal names.
    for experiment in (pod_kill, cpu_stress):
        series = experiment["series"]
        assert series["file"] == f"{experiment['name']}/series.json"
        assert set(series["hypothesis"]) == {h.name for h in SPEC.hypotheses}
        assert set(series["impact"]) == {m.name for m in SPEC.impact}
        t = experiment["timings"]
        samples = (t["observed_until"] - t["baseline_start"]) / t["step"] + 1  # one every 5 s
        assert len(series["hypothesis"]["availability"]) == samples
    stored = json.loads((report.parent / "journal.json").read_text())
    assert stored["experiments"][0]["series"]["impact"] == sorted(m.name for m in SPEC.impact)


def test_the_journal_reads_back_equal_to_what_was_recorded(report, results, tmp_path):
    recorded = journal.record(report.parent.name, list(results.values()), SPEC, CONTEXT, BANNER,
                              SETTINGS)  # fmt: skip
    assert journal.load(report.parent) == recorded
    rewritten = tmp_path / "rewritten"
    journal.write(rewritten, journal.load(report.parent))
    assert (rewritten / "journal.json").read_text() == (report.parent / "journal.json").read_text()
    assert (rewritten / "pod-kill" / "series.csv").read_text() == (
        report.parent / "pod-kill" / "series.csv"
    ).read_text()


def test_the_report_renders_again_from_the_journal_alone(report, tmp_path, capsys):
    copy = tmp_path / report.parent.name
    shutil.copytree(report.parent, copy)
    (copy / "report.md").unlink()
    assert main(["report", str(copy)]) == 0
    assert (copy / "report.md").read_text() == report.read_text()
    assert str(copy / "report.md") in capsys.readouterr().out


def test_compare_puts_two_runs_side_by_side_with_the_changes(report, prometheus, tmp_path, capsys):
    # Run B: the pod-kill judged again with a 60 s violation budget, so availability's 50 s
    # of violation counts as recovered; the CPU stress was not run.
    lenient = dataclasses.replace(
        SPEC, settings=dataclasses.replace(SPEC.settings, violation_budget_seconds=60)
    )
    b = measure(prometheus, [synthetic.pod_kill()], lenient)
    write_report(tmp_path / "b", list(b.values()), lenient, CONTEXT, settings=SETTINGS)
    output = tmp_path / "compare.md"
    assert main(["compare", str(report.parent), str(tmp_path / "b"), "-o", str(output)]) == 0
    assert capsys.readouterr().out == f"{output}\n"
    text = output.read_text()
    assert text.startswith("# Chaos lab runs compared — sample-synthetic (A) and b (B)")
    assert "| cpu-stress | failed | not run | 170s | not run | 0.0286 % | — |" in text
    pod_kill = text.split("## pod-kill")[1].split("## cpu-stress")[0]
    assert "| hypothesis `availability` | broken (50s violated) | recovered (50s violated) |" in (
        pod_kill
    )
    assert "| time to recover | 65s | 65s | = |" in pod_kill
    assert "| `api-availability` requests failed | 30 | 30 | = |" in pod_kill
    assert "| lowest Backend replicas available (`ready_replicas`) | 1 | 1 | = |" in pod_kill
    assert "| peak Backend replicas the autoscaler wants (`desired_replicas`) | 2 | 2 | = |" in (
        pod_kill
    )
    assert main(["compare", str(report.parent), str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out == text
