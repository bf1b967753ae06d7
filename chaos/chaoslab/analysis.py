"""Judge an experiment from its series: baseline check, verdicts, time to recover, peak impact.

Pure functions over `Series` (unix time -> value; a missing time is a gap), no I/O.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chaoslab.hypotheses import Hypothesis, HypothesisFile, ImpactMetric
from chaoslab.pods import Readiness

Series = Mapping[float, float]
# One probe at one instant: True holds, False violated, None no data (never counts as healthy).
State = bool | None


def grid(start: float, end: float, step: float) -> list[float]:
    """Sample instants start, start+step, ... up to end, as Prometheus' query_range returns them."""
    count = int((end - start) // step) + 1
    return [round(start + i * step, 3) for i in range(max(count, 0))]


@dataclass(frozen=True)
class Timeline:
    """The phases of one experiment in unix seconds: baseline, chaos window, recovery window."""

    baseline_start: float
    chaos_start: float
    chaos_end: float
    end: float
    step: float

    def times(self) -> list[float]:
        return grid(self.baseline_start, self.end, self.step)

    def baseline_times(self) -> list[float]:
        return [t for t in self.times() if t < self.chaos_start]

    def after_injection_times(self) -> list[float]:
        return [t for t in self.times() if t >= self.chaos_start]


def median(series: Series, times: Sequence[float]) -> float | None:
    """The median of the samples at `times`; None when there are none."""
    values = [series[t] for t in times if t in series]
    return statistics.median(values) if values else None


def states(
    hypothesis: Hypothesis, series: Series, times: Sequence[float], bound: float | None = None
) -> list[State]:
    """Whether the hypothesis holds at each instant (None where the series has no sample)."""
    return [hypothesis.holds(series[t], bound) if t in series else None for t in times]


def bound_of(hypothesis: Hypothesis, series: Series, timeline: Timeline) -> float:
    """The threshold in force for one experiment: the SLO, or stricter from its baseline."""
    return hypothesis.bound(median(series, timeline.baseline_times()))


@dataclass(frozen=True)
class BaselineResult:
    """How one hypothesis did over the baseline window."""

    name: str
    coverage: float
    violations: int
    passed: bool


def check_baseline(
    hypotheses: Sequence[Hypothesis],
    series: Mapping[str, Series],
    times: Sequence[float],
    min_coverage: float,
) -> list[BaselineResult]:
    """A hypothesis passes the baseline when it has enough data and never fails on it."""
    results = []
    for hypothesis in hypotheses:
        # The SLO only: a bound relative to the baseline judges the fault, not the baseline.
        observed = states(hypothesis, series.get(hypothesis.name, {}), times)
        with_data = [s for s in observed if s is not None]
        coverage = len(with_data) / len(observed) if observed else 0.0
        violations = with_data.count(False)
        passed = coverage >= min_coverage and violations == 0
        results.append(BaselineResult(hypothesis.name, coverage, violations, passed))
    return results


@dataclass(frozen=True)
class Recovery:
    """When a set of probes first failed after injection and when they were healthy again."""

    impacted: bool
    first_violation: float | None
    recovered_at: float | None


def find_recovery(
    probe_states: Sequence[Sequence[State]],
    times: Sequence[float],
    chaos_end: float,
    stable_seconds: float,
) -> Recovery:
    """Recovery = the first instant after the first failure from which every probe holds without a
    break for `stable_seconds` and at least until the fault has ended.

    `times` are the instants from injection on; each entry of `probe_states` is aligned to them.
    """
    healthy = [all(s[i] is True for s in probe_states) for i in range(len(times))]
    if all(healthy):
        return Recovery(impacted=False, first_violation=None, recovered_at=None)
    first_bad = healthy.index(False)
    for i in range(first_bad + 1, len(times)):
        hold_until = max(times[i] + stable_seconds, chaos_end)
        if hold_until > times[-1]:
            break  # not enough observation left to call it stable
        span = [j for j in range(i, len(times)) if times[j] <= hold_until]
        if all(healthy[j] for j in span):
            return Recovery(True, times[first_bad], times[i])
    return Recovery(True, times[first_bad], None)


# An availability hypothesis broken by the duration rule whose SLO spent no more than the
# experiment's error-budget allowance (chaoslab.budget.judge_availability_by_budget).
WITHIN_BUDGET = "within budget"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one hypothesis after injection."""

    name: str
    # held: never violated | recovered: violated within the budget, then stable again |
    # broken: violated for longer than the budget | within budget (see WITHIN_BUDGET) |
    # not recovered | no data
    verdict: str
    worst: float | None
    worst_at: float | None
    first_violation: float | None
    recovered_at: float | None
    bound: float | None = None  # the threshold in force (see Hypothesis.bound)
    violated_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.verdict in ("held", "recovered", WITHIN_BUDGET)


def _extreme(series: Series, times: Sequence[float], which: str) -> tuple[float, float] | None:
    """(time, value) of the max or min sample over `times`, None when there is no data."""
    points = [(t, series[t]) for t in times if t in series]
    if not points:
        return None
    pick = max if which == "max" else min
    return pick(points, key=lambda point: point[1])


def judge(
    hypothesis: Hypothesis,
    series: Series,
    timeline: Timeline,
    stable_seconds: float,
    budget_seconds: float = math.inf,
) -> Verdict:
    """Held (never failed), recovered (failed for at most `budget_seconds` in all, then stable
    and healthy at the end), broken (failed for longer, even if it recovered) or not recovered.
    """
    times = timeline.after_injection_times()
    extreme = _extreme(series, times, hypothesis.worst)
    bound = bound_of(hypothesis, series, timeline)
    if extreme is None:
        return Verdict(hypothesis.name, "no data", None, None, None, None, bound)
    observed = states(hypothesis, series, times, bound)
    violated = observed.count(False) * timeline.step
    recovery = find_recovery([observed], times, timeline.chaos_end, stable_seconds)
    if not recovery.impacted:
        verdict = "held"
    elif recovery.recovered_at is None or observed[-1] is not True:
        verdict = "not recovered"
    elif violated > budget_seconds:
        verdict = "broken"
    else:
        verdict = "recovered"
    worst_at, worst = extreme
    return Verdict(hypothesis.name, verdict, worst, worst_at, recovery.first_violation,
                   recovery.recovered_at, bound, violated)  # fmt: skip


@dataclass(frozen=True)
class Peak:
    """The worst value of an impact metric after injection, next to its baseline median."""

    name: str
    value: float | None
    at: float | None
    baseline: float | None


def peak_impact(metric: ImpactMetric, series: Series, timeline: Timeline) -> Peak:
    extreme = _extreme(series, timeline.after_injection_times(), metric.peak)
    baseline = median(series, timeline.baseline_times())
    if extreme is None:
        return Peak(metric.name, None, None, baseline)
    return Peak(metric.name, extreme[1], extreme[0], baseline)


@dataclass(frozen=True)
class Analysis:
    """Everything the report says about one experiment's measurements."""

    baseline: list[BaselineResult]
    verdicts: list[Verdict]
    recovery: Recovery
    peaks: list[Peak]
    readiness: Readiness | None = None  # from the runner's pod polls, when there were any
    readiness_ok: bool = True

    @property
    def baseline_passed(self) -> bool:
        return all(result.passed for result in self.baseline)

    @property
    def passed(self) -> bool:
        return self.baseline_passed and self.readiness_ok and all(v.passed for v in self.verdicts)

    def time_to_recover(self, timeline: Timeline) -> float | None:
        """Seconds from injection until all hypotheses held stably again; 0 if never broken."""
        if not self.recovery.impacted:
            return 0.0
        if self.recovery.recovered_at is None:
            return None
        return self.recovery.recovered_at - timeline.chaos_start


def analyse(
    spec: HypothesisFile,
    hypothesis_series: Mapping[str, Series],
    impact_series: Mapping[str, Series],
    timeline: Timeline,
    readiness: Readiness | None = None,
) -> Analysis:
    """Judge one experiment: baseline, per-hypothesis verdicts, overall recovery, peaks, and
    the ready pods of the pod timeline against settings.max_unready_seconds."""
    settings = spec.settings
    stable = settings.stable_seconds
    baseline = check_baseline(
        spec.hypotheses, hypothesis_series, timeline.baseline_times(), settings.min_coverage
    )
    times = timeline.after_injection_times()
    all_states = []
    for h in spec.hypotheses:
        probe = hypothesis_series.get(h.name, {})
        all_states.append(states(h, probe, times, bound_of(h, probe, timeline)))
    budget = settings.violation_budget_seconds
    return Analysis(
        baseline=baseline,
        verdicts=[
            judge(h, hypothesis_series.get(h.name, {}), timeline, stable, budget)
            for h in spec.hypotheses
        ],
        recovery=find_recovery(all_states, times, timeline.chaos_end, stable),
        peaks=[peak_impact(m, impact_series.get(m.name, {}), timeline) for m in spec.impact],
        readiness=readiness,
        readiness_ok=readiness is None or readiness.ok(settings.max_unready_seconds),
    )
