"""SLOs in the chaos lab: hypotheses that name an SLO take its threshold from slo/slos.yaml, and
the arithmetic that prices an experiment in error budget."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from chaoslab.analysis import Analysis, Recovery, Timeline, Verdict
from chaoslab.budget import (
    ExperimentBudget,
    SLOCost,
    consumed_share,
    cost,
    judge_availability_by_budget,
    verdict,
)
from chaoslab.config import REPO
from chaoslab.hypotheses import HypothesisError, load_hypotheses

from slo.definitions import load as load_slos

SLOS = load_slos()
HYPOTHESES = REPO / "chaos" / "hypotheses.yaml"
MONTH = 30 * 86400


def write(tmp_path: Path, hypotheses: str) -> Path:
    path = tmp_path / "hypotheses.yaml"
    path.write_text(f"hypotheses:\n{hypotheses}")
    return path


def test_slo_hypotheses_take_query_and_threshold_from_the_slo_file():
    spec = load_hypotheses(HYPOTHESES)
    by_name = {h.name: h for h in spec.hypotheses}
    assert (by_name["availability"].op, by_name["availability"].threshold) == (
        ">=",
        SLOS.get("api-availability").objective,
    )
    assert by_name["p95_latency"].threshold == SLOS.get("api-latency").threshold_seconds
    assert by_name["webui_p95"].threshold == SLOS.get("webui-latency").threshold_seconds
    assert by_name["p95_latency"].baseline_factor == 5
    assert spec.slos == SLOS


def test_a_threshold_beside_an_slo_is_a_second_definition_and_refused(tmp_path):
    path = write(
        tmp_path, "  - name: availability\n    slo: api-availability\n    threshold: 0.99\n"
    )
    with pytest.raises(HypothesisError, match=r"hypotheses\[0\]: threshold come from slo"):
        load_hypotheses(path)


def test_an_unknown_slo_is_refused_naming_the_known_ones(tmp_path):
    path = write(tmp_path, "  - name: availability\n    slo: api-uptime\n")
    with pytest.raises(HypothesisError, match=r"no SLO named 'api-uptime'.*api-availability"):
        load_hypotheses(path)


def test_a_total_outage_of_six_minutes_costs_a_seventh_of_a_99_9_budget():
    # 30 days at 99.9 % allow 43.2 minutes of total outage; 6 minutes are 13.9 % of that.
    slo = SLOS.get("api-availability")
    share = consumed_share(bad=1800, requests=1800, window_seconds=360, slo=slo, period=MONTH)
    assert share == pytest.approx(6 / 43.2)


def test_the_budget_scales_with_the_measured_traffic():
    # The same 4 failed requests cost four times as much at a quarter of the traffic.
    slo = SLOS.get("api-availability")
    busy = consumed_share(bad=4, requests=4 * 1200, window_seconds=240, slo=slo, period=MONTH)
    quiet = consumed_share(bad=4, requests=1200, window_seconds=240, slo=slo, period=MONTH)
    assert quiet == pytest.approx(4 * busy)


def test_no_traffic_costs_nothing():
    assert consumed_share(0, 0, 240, SLOS.get("api-availability"), MONTH) == 0


@pytest.mark.parametrize(("consumed", "word"), [(0.004, "within"), (0.02, "**over**")])
def test_the_verdict_compares_the_worst_slo_with_the_allowance(consumed, word):
    cost = SLOCost(SLOS.get("api-latency"), 1000, 5, consumed, 2.0, 0.5)
    quiet = SLOCost(SLOS.get("api-availability"), 1000, 0, 0.0, 0.0, 0.0)
    budget = ExperimentBudget((quiet, cost), (), SLOS.experiment_allowance, 240)
    assert budget.worst is cost
    assert verdict(budget).startswith(f"{word} the 1 % allowance (worst: api-latency")


def _broken(name: str) -> Verdict:
    return Verdict(name, "broken", 0.99, 10.0, 5.0, 80.0, 0.999, 60.0)


def _analysis(*verdicts: Verdict) -> Analysis:
    recovery = Recovery(impacted=True, first_violation=5.0, recovered_at=80.0)
    return Analysis(baseline=[], verdicts=list(verdicts), recovery=recovery, peaks=[])


@pytest.mark.parametrize(("consumed", "verdict_word", "passed"), [
    (0.004, "within budget", True),  # two failed requests at 5/s: a blip, well in the allowance
    (0.02, "broken", False),  # twice the allowance: the fault cost too much
])  # fmt: skip
def test_availability_broken_only_by_its_1m_ratio_passes_within_the_budget_allowance(
    consumed, verdict_word, passed
):
    spec = load_hypotheses(HYPOTHESES)
    availability = SLOCost(SLOS.get("api-availability"), 1000, 2, consumed, 20.0, 1.0)
    budget = ExperimentBudget((availability,), (), SLOS.experiment_allowance, 240)
    judged = judge_availability_by_budget(_analysis(_broken("availability")), budget,
                                          spec.hypotheses)  # fmt: skip
    assert judged.verdicts[0].verdict == verdict_word
    assert judged.passed is passed


def test_latency_and_unrecovered_availability_keep_their_own_rules():
    spec = load_hypotheses(HYPOTHESES)
    cheap = tuple(SLOCost(slo, 1000, 0, 0.0, 0.0, 0.0) for slo in SLOS.slos)
    budget = ExperimentBudget(cheap, (), SLOS.experiment_allowance, 240)
    unrecovered = dataclasses.replace(_broken("availability"), verdict="not recovered")
    judged = judge_availability_by_budget(
        _analysis(_broken("p95_latency"), unrecovered), budget, spec.hypotheses
    )
    assert [v.verdict for v in judged.verdicts] == ["broken", "not recovered"]
    assert not judged.passed


class _CountingPrometheus:
    """Answers the budget's queries with 0 and records the windows it was asked about: the
    window is the whole point here, Prometheus' increase() semantics are tested by
    test_integration on a real Prometheus."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def query_range(self, query: str, start: float, end: float, step: float) -> dict:
        self.queries.append(query)
        return {round(end, 3): 0.0}

    def query_range_labelled(self, query: str, start: float, end: float, step: float) -> list:
        return []


def test_the_counting_window_starts_a_scrape_before_the_injection():
    # increase() over a window that starts at the injection misses the errors the first scrape
    # after it already holds (a kill fault's connection errors come in its first second).
    timeline = Timeline(0.0, 100.0, 160.0, 340.0, 5.0)
    prometheus = _CountingPrometheus()
    billed = cost(SLOS.get("api-availability"), SLOS, prometheus, timeline)
    assert billed.bad == 0.0
    assert "[270s]" in prometheus.queries[0]  # 240 s from injection to the end, plus 30 s
