"""Price an experiment in error budget: requests failed and slow, the share of each SLO's
monthly budget they cost, peak burn rates, and the alerts Prometheus raised (issue 19)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chaoslab.analysis import WITHIN_BUDGET, Analysis, Series, Timeline, Verdict
from chaoslab.hypotheses import Hypothesis
from chaoslab.narrative import since
from slo.definitions import SLO, SLOFile

# Burn-rate windows shown per experiment: the paging pair's short and long window.
SHORT_WINDOW, LONG_WINDOW = "5m", "1h"


@dataclass(frozen=True)
class SLOCost:
    """What one experiment cost one SLO over its window (injection to end of observation)."""

    slo: SLO
    requests: float  # valid events counted by the load generator
    bad: float  # failed (availability) or slower than the threshold (latency)
    consumed: float  # share of the SLO's budget for the period, at the measured traffic
    peak_short: float | None  # highest burn rate over SHORT_WINDOW
    peak_long: float | None  # highest burn rate over LONG_WINDOW


@dataclass(frozen=True)
class AlertSpan:
    """One alert's pending and firing moments seen in Prometheus' ALERTS series."""

    alertname: str
    labels: str  # the alert's distinguishing labels, e.g. "slo=api-availability"
    pending_at: float | None
    firing_at: float | None


@dataclass(frozen=True)
class ExperimentBudget:
    """The experiment priced in error budget, and the verdict against the allowance."""

    costs: tuple[SLOCost, ...]
    alerts: tuple[AlertSpan, ...]
    allowance: float
    window_seconds: float

    @property
    def worst(self) -> SLOCost | None:
        return max(self.costs, key=lambda c: c.consumed, default=None)

    @property
    def within_allowance(self) -> bool:
        return all(cost.consumed <= self.allowance for cost in self.costs)


def consumed_share(
    bad: float, requests: float, window_seconds: float, slo: SLO, period: int
) -> float:
    """`bad` events as a share of the budget the period allows at the traffic of the window:
    the budget is slo.budget x (requests / window) x period events."""
    if requests <= 0 or window_seconds <= 0:
        return 0.0
    allowed = slo.budget * requests / window_seconds * period
    return bad / allowed


def _peak(series: Series) -> float | None:
    return max(series.values(), default=None)


class RangeQueries(Protocol):
    """What pricing needs from Prometheus (chaoslab.prometheus.PrometheusClient has it)."""

    def query_range(self, query: str, start: float, end: float, step: float) -> Series: ...

    def query_range_labelled(
        self, query: str, start: float, end: float, step: float
    ) -> list[tuple[dict[str, str], Series]]: ...


# How far before injection the counting window starts: one scrape interval (15 s) and some.
# increase() counts only from the first sample inside its window, so a window that starts at
# the injection misses what the first scrape after it already holds: the connection errors of
# a kill fault, which come in its first second (seen on the lab: 2 failed requests read as 0).
# The baseline before injection held every hypothesis, so the extra seconds add nothing bad.
LOOKBACK_SECONDS = 30


def cost(slo: SLO, spec: SLOFile, prometheus: RangeQueries, timeline: Timeline) -> SLOCost:
    """One SLO's bill for the experiment, from the load generator's counters."""
    window = max(round(timeline.end - timeline.chaos_start + LOOKBACK_SECONDS), 1)
    bad_query, valid_query = slo.bad_and_valid(f"{window}s")
    at = timeline.end
    bad = prometheus.query_range(bad_query, at, at, timeline.step).get(round(at, 3), 0.0)
    requests = prometheus.query_range(valid_query, at, at, timeline.step).get(round(at, 3), 0.0)
    burn = {
        w: prometheus.query_range(
            f"({slo.error_ratio(w)}) / {slo.budget}",
            timeline.chaos_start,
            timeline.end,
            timeline.step,
        )
        for w in (SHORT_WINDOW, LONG_WINDOW)
    }
    bad = max(bad, 0.0)
    return SLOCost(
        slo, requests, bad, consumed_share(bad, requests, window, slo, spec.period_seconds),
        _peak(burn[SHORT_WINDOW]), _peak(burn[LONG_WINDOW]),
    )  # fmt: skip


def alert_spans(prometheus: RangeQueries, timeline: Timeline) -> tuple[AlertSpan, ...]:
    """Every alert that was pending or firing between the start of the baseline and the end."""
    query = "max by (alertname, alertstate, slo, app, deployment, pod) (ALERTS)"
    spans: dict[tuple[str, str], dict[str, float | None]] = {}
    for labels, series in prometheus.query_range_labelled(
        query, timeline.baseline_start, timeline.end, timeline.step
    ):
        active = sorted(t for t, v in series.items() if v > 0)
        if not active:
            continue
        detail = ", ".join(
            f"{key}={labels[key]}" for key in ("slo", "app", "deployment", "pod") if key in labels
        )
        moments = spans.setdefault((labels.get("alertname", "?"), detail), {})
        state = labels.get("alertstate", "firing")
        moments[state] = min(active[0], moments.get(state) or active[0])
    return tuple(
        AlertSpan(name, detail, moments.get("pending"), moments.get("firing"))
        for (name, detail), moments in sorted(spans.items())
    )


def price(spec: SLOFile, prometheus: RangeQueries, timeline: Timeline) -> ExperimentBudget:
    """The whole bill of one experiment."""
    return ExperimentBudget(
        costs=tuple(cost(slo, spec, prometheus, timeline) for slo in spec.slos),
        alerts=alert_spans(prometheus, timeline),
        allowance=spec.experiment_allowance,
        window_seconds=timeline.end - timeline.chaos_start + LOOKBACK_SECONDS,
    )


def judge_availability_by_budget(
    analysis: Analysis, budget: ExperimentBudget, hypotheses: Sequence[Hypothesis]
) -> Analysis:
    """Availability is judged by what the fault cost, not by how long a ratio stayed low.

    A 1-minute error ratio at 5 requests/s breaks 99.9 % for a minute with one failed request,
    so the duration rule cannot tell a two-request blip from an outage. An availability SLO's
    hypothesis that was *broken* only by that rule passes as *within budget* when the
    experiment spent at most the allowance of that SLO's error budget; *not recovered* still
    fails, and latency and readiness keep their own rules.
    """
    costs = {cost.slo.name: cost for cost in budget.costs}
    slo_of = {h.name: h.slo for h in hypotheses}

    def rejudged(verdict: Verdict) -> Verdict:
        cost = costs.get(slo_of.get(verdict.name) or "")
        if (
            verdict.verdict == "broken"
            and cost is not None
            and cost.slo.sli == "availability"
            and cost.consumed <= budget.allowance
        ):
            return dataclasses.replace(verdict, verdict=WITHIN_BUDGET)
        return verdict

    return dataclasses.replace(analysis, verdicts=[rejudged(v) for v in analysis.verdicts])


def _share(value: float) -> str:
    return f"{value * 100:.3g} %"


def _burn(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}x"


def verdict(budget: ExperimentBudget) -> str:
    worst = budget.worst
    if worst is None:
        return "no SLO priced"
    word = "within" if budget.within_allowance else "**over**"
    return (
        f"{word} the {_share(budget.allowance)} allowance (worst: {worst.slo.name}, "
        f"{_share(worst.consumed)} of its budget)"
    )


def section(budget: ExperimentBudget, timeline: Timeline, recovered_at: float | None) -> list[str]:
    """The report's "Error budget" section for one experiment (markdown lines)."""
    lines = [
        "### Error budget",
        "",
        f"Counted by the load generator from {LOOKBACK_SECONDS}s before injection (so the "
        "first scrape after it is counted whole) to the end of observation "
        f"({budget.window_seconds:.0f}s). Budget consumed = bad requests / the requests the "
        "SLO allows to be bad in its whole period at this traffic. Burn rate = error ratio / "
        f"budget over {SHORT_WINDOW} and {LONG_WINDOW} windows (1 spends the budget in exactly "
        "the period; the paging alert needs 14.4 on both).",
        "",
        "| SLO | objective | requests | bad | budget consumed | peak burn "
        f"{SHORT_WINDOW} | peak burn {LONG_WINDOW} |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in budget.costs:
        what = "failed" if c.slo.sli == "availability" else f"over {c.slo.threshold_seconds:g} s"
        lines.append(
            f"| `{c.slo.name}` | {c.slo.objective * 100:g} % | {c.requests:.0f} | "
            f"{c.bad:.1f} {what} | {_share(c.consumed)} | {_burn(c.peak_short)} | "
            f"{_burn(c.peak_long)} |"
        )
    lines += ["", f"Verdict: {verdict(budget)}."]
    if recovered_at is not None:
        lines.append(f"Time to recover: {since(timeline, recovered_at)}.")
    lines += ["", "Alerts (Prometheus' ALERTS series, from the start of the baseline):", ""]
    if not budget.alerts:
        lines.append("- none pending or firing.")
    for alert in budget.alerts:
        detail = f" ({alert.labels})" if alert.labels else ""
        pending = since(timeline, alert.pending_at)
        firing = since(timeline, alert.firing_at) if alert.firing_at else "never fired"
        lines.append(f"- `{alert.alertname}`{detail}: pending {pending}, firing {firing}")
    return [*lines, ""]


def summary_rows(results: Sequence[tuple[str, ExperimentBudget | None]]) -> list[str]:
    """One row per experiment for the report's budget overview."""
    rows = [
        "| experiment | worst SLO | budget consumed | alerts that fired | verdict |",
        "|---|---|---|---|---|",
    ]
    for name, budget in results:
        if budget is None or budget.worst is None:
            rows.append(f"| {name} | — | — | — | not priced |")
            continue
        fired = sorted({a.alertname for a in budget.alerts if a.firing_at is not None})
        rows.append(
            f"| {name} | `{budget.worst.slo.name}` | {_share(budget.worst.consumed)} | "
            f"{', '.join(fired) or 'none'} | "
            f"{'within' if budget.within_allowance else '**over**'} allowance |"
        )
    return rows
