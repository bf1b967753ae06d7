"""The analysis and report against a REAL Prometheus holding synthetic pod-kill and CPU-stress
series, backfilled with `promtool tsdb create-blocks-from openmetrics`."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from chaoslab.analysis import analyse
from chaoslab.budget import SLOCost, price
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
CONTEXT = {
    "started": "2026-01-05 10:00:00 UTC (synthetic)",
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


@pytest.fixture(scope="module")
def results(prometheus: PrometheusClient) -> dict[str, ExperimentResult]:
    """Each synthetic scenario measured and judged exactly as the runner does after a run."""
    measured = {}
    for scenario in (synthetic.pod_kill(), synthetic.cpu_stress()):
        t = scenario.timeline
        result = ExperimentResult(scenario.experiment, timeline=t)
        result.hypothesis_series, result.impact_series = collect(
            SPEC, prometheus, t.baseline_start, t.end
        )
        result.analysis = analyse(SPEC, result.hypothesis_series, result.impact_series, t,
                                  readiness(scenario.snapshots, t.chaos_start))  # fmt: skip
        result.status = PASSED if result.analysis.passed else FAILED
        result.budget = price(SPEC.slos, prometheus, t)
        result.pod_events = pod_events(scenario.snapshots)
        result.notes.append("No dashboard screenshot: synthetic data, no Grafana involved.")
        measured[scenario.experiment.name] = result
    return measured


@pytest.fixture(scope="module")
def report(results: dict[str, ExperimentResult]) -> Path:
    shutil.rmtree(SAMPLE, ignore_errors=True)
    return write_report(SAMPLE, list(results.values()), SPEC, CONTEXT, banner=BANNER)


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
    # The killed pod is gone 1 s after the kill, its replacement Ready 17 s later.
    assert (seen.before, seen.lowest, seen.longest_dip_seconds, seen.back) == (2, 1, 17, True)
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
    window = result.timeline.end - result.timeline.chaos_start  # 210 s at 10 requests/s
    backend = costs(result)["api-availability"]
    # 20 % of one 15 s scrape interval's 150 requests failed: about 30.
    assert backend.requests == pytest.approx(10 * window, rel=0.05)
    assert backend.bad == pytest.approx(30, rel=0.15)
    # 30 failures / (0.1 % of 2100 requests per 210 s, over 30 days): about 0.12 % of the budget.
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
    assert "lowest 1 at +3s, longest stretch below 17s" in text
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
