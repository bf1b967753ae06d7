"""The analysis: baseline check, recovery time, verdicts and peaks on hand-built series."""

import dataclasses

import pytest
from chaoslab.analysis import (
    analyse,
    check_baseline,
    find_recovery,
    grid,
    judge,
    peak_impact,
    states,
)
from chaoslab.pods import Readiness

from tests.lab.builders import (
    AVAILABILITY,
    CPU,
    LATENCY,
    REPLICAS,
    SPEC,
    TIMELINE,
    between,
    series,
)

HEALTHY_LATENCY = series(lambda t: 0.1)
HEALTHY_AVAILABILITY = series(lambda t: 1.0)


def recovery_of(latency: dict, stable: float = 30):
    times = TIMELINE.after_injection_times()
    return find_recovery([states(LATENCY, latency, times)], times, TIMELINE.chaos_end, stable)


def test_grid_includes_start_and_end():
    assert grid(0, 20, 5) == [0, 5, 10, 15, 20]


def test_baseline_passes_when_every_sample_holds():
    result = check_baseline([LATENCY], {"p95_latency": HEALTHY_LATENCY},
                            TIMELINE.baseline_times(), 0.8)  # fmt: skip
    assert result[0].passed and result[0].coverage == 1.0


def test_baseline_already_failing_is_reported_with_its_violations():
    latency = series(between(20, 30, inside=0.9, outside=0.1))
    result = check_baseline([LATENCY], {"p95_latency": latency}, TIMELINE.baseline_times(), 0.8)
    assert not result[0].passed
    assert result[0].violations == 2


def test_baseline_with_too_little_data_fails():
    sparse = series(lambda t: 0.1 if t % 15 == 0 else None)
    result = check_baseline([LATENCY], {"p95_latency": sparse}, TIMELINE.baseline_times(), 0.8)
    assert not result[0].passed
    assert result[0].violations == 0


def test_unbroken_hypotheses_mean_no_impact():
    recovery = recovery_of(HEALTHY_LATENCY)
    assert not recovery.impacted
    assert recovery.recovered_at is None


def test_recovery_is_the_first_instant_that_stays_healthy_for_the_stable_interval():
    latency = series(between(65, 110, inside=2.0, outside=0.1))
    recovery = recovery_of(latency)
    assert recovery.first_violation == 65
    assert recovery.recovered_at == 110


def test_flapping_restarts_the_stable_interval():
    def flapping(t: float) -> float:
        bad = 65 <= t < 100 or 120 <= t < 125 or 140 <= t < 145
        return 2.0 if bad else 0.1

    assert recovery_of(series(flapping)).recovered_at == 145


def test_a_system_that_never_recovers_has_no_recovery_time():
    latency = series(between(65, 1000, inside=2.0, outside=0.1))
    recovery = recovery_of(latency)
    assert recovery.impacted
    assert recovery.recovered_at is None


def test_healthy_stretches_before_the_fault_ends_do_not_count_as_recovered():
    # healthy 70..85 is longer than `stable`, but the fault (until 90) breaks it again at 85
    latency = series(lambda t: 2.0 if t in (65, 85) else 0.1)
    assert recovery_of(latency, stable=10).recovered_at == 90


def test_gaps_after_injection_are_not_healthy():
    latency = series(lambda t: None if 70 <= t < 100 else 0.1)
    recovery = recovery_of(latency)
    assert recovery.first_violation == 70
    assert recovery.recovered_at == 100


def test_recovery_near_the_end_without_a_full_stable_interval_is_not_recovery():
    latency = series(between(65, 225, inside=2.0, outside=0.1))
    assert recovery_of(latency).recovered_at is None


def test_verdict_held_when_never_broken():
    assert judge(LATENCY, HEALTHY_LATENCY, TIMELINE, 30).verdict == "held"


def test_verdict_recovered_reports_worst_value_and_times():
    latency = series(lambda t: 1.5 if t == 75 else (0.8 if 65 <= t < 100 else 0.1))
    verdict = judge(LATENCY, latency, TIMELINE, 30)
    assert (verdict.verdict, verdict.worst, verdict.worst_at) == ("recovered", 1.5, 75)
    assert (verdict.first_violation, verdict.recovered_at) == (65, 100)


def test_verdict_not_recovered_when_still_failing_at_the_end():
    latency = series(between(65, 1000, inside=2.0, outside=0.1))
    assert judge(LATENCY, latency, TIMELINE, 30).verdict == "not recovered"


def test_verdict_no_data_when_the_series_is_empty_after_injection():
    baseline_only = series(lambda t: 0.1 if t < 60 else None)
    assert judge(LATENCY, baseline_only, TIMELINE, 30).verdict == "no data"


def test_lower_bound_hypotheses_report_their_minimum_as_worst():
    availability = series(between(60, 70, inside=0.9, outside=1.0))
    assert judge(AVAILABILITY, availability, TIMELINE, 30).worst == 0.9


def test_peak_impact_takes_the_minimum_or_maximum_after_injection_and_the_baseline_median():
    replicas = peak_impact(REPLICAS, series(between(65, 80, inside=1, outside=2)), TIMELINE)
    cpu = peak_impact(CPU, series(lambda t: 1.2 if t == 100 else 0.2), TIMELINE)
    assert (replicas.value, replicas.at, replicas.baseline) == (1, 65, 2)
    assert (cpu.value, cpu.at, cpu.baseline) == (1.2, 100, 0.2)


def test_experiment_passes_when_every_hypothesis_held_or_recovered_within_the_budget():
    latency = series(between(65, 90, inside=2.0, outside=0.1))  # 25 s of a 30 s budget
    analysis = analyse(SPEC, {"p95_latency": latency, "availability": HEALTHY_AVAILABILITY}, {},
                       TIMELINE)  # fmt: skip
    assert analysis.passed
    assert [v.verdict for v in analysis.verdicts] == ["recovered", "held"]
    assert analysis.verdicts[0].violated_seconds == 25
    assert analysis.time_to_recover(TIMELINE) == 30


def test_experiment_fails_when_a_hypothesis_is_violated_beyond_the_budget_though_it_recovered():
    latency = series(between(65, 100, inside=2.0, outside=0.1))  # 35 s of a 30 s budget
    analysis = analyse(SPEC, {"p95_latency": latency, "availability": HEALTHY_AVAILABILITY}, {},
                       TIMELINE)  # fmt: skip
    assert [v.verdict for v in analysis.verdicts] == ["broken", "held"]
    assert analysis.verdicts[0].recovered_at == 100
    assert not analysis.passed


def test_a_baseline_factor_makes_the_bound_relative_to_the_measured_baseline():
    relative = dataclasses.replace(LATENCY, baseline_factor=4)  # SLO 500 ms, baseline 10 ms
    latency = series(between(60, 120, inside=0.094, outside=0.01))
    verdict = judge(relative, latency, TIMELINE, 30, budget_seconds=30)
    assert verdict.bound == pytest.approx(0.04)
    assert verdict.verdict == "broken"
    assert judge(LATENCY, latency, TIMELINE, 30, budget_seconds=30).verdict == "held"


def test_a_baseline_factor_never_loosens_the_slo():
    relative = dataclasses.replace(LATENCY, baseline_factor=4)
    slow_baseline = series(lambda t: 0.3)
    assert judge(relative, slow_baseline, TIMELINE, 30).bound == 0.5


def test_a_readiness_dip_longer_than_allowed_fails_the_experiment():
    dip = Readiness(before=2, lowest=1, lowest_at=62, longest_dip_seconds=14, back=True)
    healthy = {"p95_latency": HEALTHY_LATENCY, "availability": HEALTHY_AVAILABILITY}
    assert not analyse(SPEC, healthy, {}, TIMELINE, dip).passed  # max_unready_seconds 10
    short = dataclasses.replace(dip, longest_dip_seconds=4)
    assert analyse(SPEC, healthy, {}, TIMELINE, short).passed


def test_overall_recovery_waits_for_the_slowest_hypothesis():
    latency = series(between(65, 100, inside=2.0, outside=0.1))
    availability = series(between(60, 130, inside=0.5, outside=1.0))
    analysis = analyse(SPEC, {"p95_latency": latency, "availability": availability}, {}, TIMELINE)
    assert analysis.recovery.recovered_at == 130


def test_experiment_fails_when_the_baseline_already_failed():
    latency = series(lambda t: 2.0 if t == 10 else 0.1)
    analysis = analyse(SPEC, {"p95_latency": latency, "availability": HEALTHY_AVAILABILITY}, {},
                       TIMELINE)  # fmt: skip
    assert not analysis.baseline_passed
    assert not analysis.passed


def test_no_impact_means_zero_time_to_recover():
    analysis = analyse(SPEC, {"p95_latency": HEALTHY_LATENCY,
                              "availability": HEALTHY_AVAILABILITY}, {}, TIMELINE)  # fmt: skip
    assert analysis.time_to_recover(TIMELINE) == 0


def test_the_baseline_check_holds_a_relative_hypothesis_to_its_slo_only():
    relative = dataclasses.replace(LATENCY, baseline_factor=4)  # SLO 500 ms
    spiky = series(lambda t: 0.2 if t == 20 else 0.01)  # 20 x the median once, within the SLO
    (result,) = check_baseline([relative], {"p95_latency": spiky}, TIMELINE.baseline_times(), 0.8)
    assert result.passed
