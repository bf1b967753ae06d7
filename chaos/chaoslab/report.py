"""Write a run's report folder: journal.json (and the raw series it names), charts, and
report.md, rendered from the journal alone (`render`), so a report can be rendered again later."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from chaoslab import budget, charts, journal
from chaoslab.hypotheses import Hypothesis, HypothesisFile
from chaoslab.narrative import failure_pattern, recovery_mechanism, since
from chaoslab.results import ExperimentResult
from chaoslab.units import show


def utc(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _chart_files(spec: HypothesisFile) -> list[tuple[str, str]]:
    """(title, file name) of every chart of an experiment: each hypothesis, then each impact
    metric that is not a hypothesis' own query."""
    files = [(f"hypothesis `{h.name}`", f"hypothesis-{h.name}.png") for h in spec.hypotheses]
    queries = {h.query for h in spec.hypotheses}
    files += [(m.title, f"impact-{m.name}.png") for m in spec.impact if m.query not in queries]
    return files


def draw_charts(result: ExperimentResult, spec: HypothesisFile, folder: Path) -> None:
    """Draw every chart of one experiment into its folder."""
    timeline = result.timeline
    verdicts = {v.name: v for v in result.analysis.verdicts} if result.analysis else {}
    for h in spec.hypotheses:
        verdict = verdicts.get(h.name)
        recovered = verdict.recovered_at if verdict else None
        charts.draw(folder / f"hypothesis-{h.name}.png",
                    f"hypothesis {h.name}: {h.op} {show(h.threshold, h.unit)}",
                    result.hypothesis_series.get(h.name, {}), h.unit, timeline, h.threshold,
                    recovered)  # fmt: skip
    queries = {h.query for h in spec.hypotheses}
    for m in spec.impact:
        if m.query not in queries:  # else already drawn as a hypothesis
            charts.draw(folder / f"impact-{m.name}.png", m.title,
                        result.impact_series.get(m.name, {}), m.unit, timeline)  # fmt: skip


def _readiness_cell(result: ExperimentResult) -> str:
    seen = result.analysis.readiness if result.analysis else None
    if seen is None:
        return "—"
    dip = f", {seen.longest_dip_seconds:.0f}s below" if seen.lowest < seen.before else ""
    return f"{seen.lowest} of {seen.before}{dip}"


def _summary_row(result: ExperimentResult, spec: HypothesisFile) -> str:
    analysis, timeline = result.analysis, result.timeline
    fault = result.experiment.kind
    columns = [m for m in spec.impact if m.summary]
    if analysis is None or timeline is None or not result.injected:
        reason = result.error or "nothing injected"
        empty = " |" * (len(columns) + 3)
        return f"| {result.experiment.name} | {fault} | **{result.status}** ({reason}) |{empty}"
    counts = Counter(v.verdict for v in analysis.verdicts)
    verdicts = ", ".join(f"{n} {word}" for word, n in counts.items())
    ttr = analysis.time_to_recover(timeline)
    peaks = {p.name: p for p in analysis.peaks}
    cells = [show(peaks[m.name].value, m.unit) if m.name in peaks else "—" for m in columns]
    return (
        f"| {result.experiment.name} | {fault} | **{result.status}** | {verdicts} | "
        f"{'not recovered' if ttr is None else f'{ttr:.0f}s'} | " + " | ".join(cells) + " | "
        f"{_readiness_cell(result)} |"
    )


def _must_be(h: Hypothesis, bound: float | None) -> str:
    """'<= 250 ms', or '<= 55 ms (5 x baseline; SLO 250 ms)' when the baseline made it stricter."""
    slo = f"{h.op} {show(h.threshold, h.unit)}"
    if bound is None or bound == h.threshold:
        return slo
    return f"{h.op} {show(bound, h.unit)} ({h.baseline_factor:g} x baseline; SLO {slo})"


def _hypothesis_line(h: Hypothesis) -> str:
    relative = (
        f" and at most {h.baseline_factor:g} x its baseline median" if h.baseline_factor else ""
    )
    return f"`{h.name}` {h.op} {show(h.threshold, h.unit)}{relative}: {h.description}"


def _readiness_line(result: ExperimentResult, spec: HypothesisFile) -> list[str]:
    seen, timeline = result.analysis.readiness, result.timeline
    if seen is None:
        return []
    allowed = spec.settings.max_unready_seconds
    verdict = "ok" if result.analysis.readiness_ok else "**failed**"
    lowest = (
        f"lowest {seen.lowest} at {since(timeline, seen.lowest_at)}, longest stretch below "
        f"{seen.longest_dip_seconds:.0f}s"
        if seen.lowest < seen.before
        else "never fewer"
    )
    back = "" if seen.back else "; NOT back to that count at the end"
    return [
        "",
        f"Ready target pods from the runner's pod polls (every poll, finer than any scrape): "
        f"{seen.before} at injection, {lowest}{back} (allowed: {allowed}s below): {verdict}.",
    ]


def _baseline_only(result: ExperimentResult, spec: HypothesisFile) -> list[str]:
    """Why nothing was injected: each hypothesis over the baseline window."""
    timeline, by_name = result.timeline, {h.name: h for h in spec.hypotheses}
    lines = [
        "",
        f"The steady state did not hold over the baseline {utc(timeline.baseline_start)} → "
        f"{utc(timeline.chaos_start)}, so nothing was injected.",
        "",
        "| hypothesis | must be | samples with data | violations | baseline |",
        "|---|---|---|---|---|",
    ]
    for b in result.analysis.baseline:
        h = by_name[b.name]
        lines.append(
            f"| `{b.name}` | {h.op} {show(h.threshold, h.unit)} | {b.coverage:.0%} | "
            f"{b.violations} | {'ok' if b.passed else '**failed**'} |"
        )
    return [*lines, ""]


def _biggest_changes(result: ExperimentResult, spec: HypothesisFile, count: int = 3) -> list[str]:
    """The impact metrics that moved most from their baseline, as 'title: peak X at +Ts (baseline
    Y)', largest relative change first; only changes of more than 20%."""
    metrics, moved = {m.name: m for m in spec.impact}, []
    for p in result.analysis.peaks:
        if p.value is None or p.baseline is None:
            continue
        change = abs(p.value - p.baseline) / max(abs(p.baseline), 1e-9)
        if change > 0.2:
            m = metrics[p.name]
            word = "down to" if m.peak == "min" else "up to"
            moved.append((change, f"{m.title} {word} {show(p.value, m.unit)} at "
                                  f"{since(result.timeline, p.at)} (baseline "
                                  f"{show(p.baseline, m.unit)})"))  # fmt: skip
    return [text for _, text in sorted(moved, key=lambda item: -item[0])[:count]]


def _grafana_pictures(result: ExperimentResult, spec: HypothesisFile) -> list[str]:
    """Grafana's dashboard during the fault and after recovery, each with what it shows."""
    if not result.grafana_screenshots:
        return []
    timeline, analysis = result.timeline, result.analysis
    ttr = analysis.time_to_recover(timeline)
    changes = _biggest_changes(result, spec)
    look = "; ".join(changes) if changes else "no impact metric moved more than 20%"
    readiness = analysis.readiness
    if readiness is not None and readiness.lowest < readiness.before:
        look += (f"; ready target pods down to {readiness.lowest} of {readiness.before} at "
                 f"{since(timeline, readiness.lowest_at)}")  # fmt: skip
    back = "not back within the window" if ttr is None else f"back at +{ttr:.0f}s"
    captions = {
        "during": ("Grafana dashboard during the fault", "the baseline and the fault so far; "
                   "the red region (the `Chaos lab` annotation) is the fault, drawn to its "
                   "planned end. Look for the start of"),
        "after": ("Grafana dashboard after recovery", "baseline, fault (the red region, "
                  f"labelled with the verdict) and recovery; every hypothesis {back}. Look for"),
    }  # fmt: skip
    lines = []
    for moment, name, how in result.grafana_screenshots:
        title, shows = captions[moment]
        lines += [f"![{title}]({result.experiment.name}/{name})", "",
                  f"*{title}: {shows}: {look}. Captured by {how}.*", ""]  # fmt: skip
    return lines


def _section(result: ExperimentResult, spec: HypothesisFile) -> list[str]:
    experiment, analysis, timeline = result.experiment, result.analysis, result.timeline
    lines = [
        f"## {experiment.name}",
        "",
        f"Fault: {experiment.describe()}. Status: **{result.status}**.",
    ]
    if result.error:
        lines += ["", f"Error: `{result.error}`"]
    if analysis is None or timeline is None:
        return [*lines, ""]
    if not result.injected:
        return lines + _baseline_only(result, spec)
    lines += [
        "",
        f"Baseline {utc(timeline.baseline_start)} → injected {utc(timeline.chaos_start)} → "
        f"fault ended {utc(timeline.chaos_end)} ({timeline.chaos_end - timeline.chaos_start:.0f}s)"
        f" → observed until {utc(timeline.end)}; step {timeline.step:g}s.",
        "",
        "| hypothesis | must be | verdict | worst | violated for | first broken | recovered |",
        "|---|---|---|---|---|---|---|",
    ]
    by_name = {h.name: h for h in spec.hypotheses}
    for v in analysis.verdicts:
        h = by_name[v.name]
        lines.append(
            f"| `{v.name}` | {_must_be(h, v.bound)} | {v.verdict} | "
            f"{show(v.worst, h.unit)} | {v.violated_seconds:.0f}s | "
            f"{since(timeline, v.first_violation)} | {since(timeline, v.recovered_at)} |"
        )
    lines += _readiness_line(result, spec)
    metrics = {m.name: m for m in spec.impact}
    lines += ["", "| impact metric | baseline median | peak | at |", "|---|---|---|---|"]
    for p in analysis.peaks:
        m = metrics[p.name]
        lines.append(
            f"| {m.title} | {show(p.baseline, m.unit)} | {m.peak} {show(p.value, m.unit)} | "
            f"{since(timeline, p.at)} |"
        )
    if result.budget is not None:
        lines += ["", *budget.section(result.budget, timeline, analysis.recovery.recovered_at)]
    lines += [
        "", "### Observed failure pattern", "", failure_pattern(result, spec),
        "", "### How it recovered", "", recovery_mechanism(result), "", "### Pod timeline", "",
    ]  # fmt: skip
    if result.pod_events:
        lines += ["| time | since injection | pod | event | detail |", "|---|---|---|---|---|"]
        lines += [
            f"| {utc(e.time)} | {since(timeline, e.time)} | `{e.pod}` | {e.kind} | {e.detail} |"
            for e in result.pod_events
        ]
    else:
        lines.append("No pod was created, lost, restarted or changed readiness.")
    lines += ["", "### Charts", ""]
    for title, name in _chart_files(spec):
        lines += [f"![{title}]({experiment.name}/{name})", ""]
    lines += ["### Dashboard", ""]
    for caption, name in result.webui_screenshots:
        lines += [f"![{caption}]({experiment.name}/{name})", ""]
    lines += _grafana_pictures(result, spec)
    lines += [f"- {note}" for note in result.notes]
    lines += [
        "",
        f"Raw series: [JSON]({experiment.name}/series.json), [CSV]({experiment.name}/series.csv).",
        "",
    ]
    return lines


def _budget_overview(results: Sequence[ExperimentResult], spec: HypothesisFile) -> list[str]:
    """Each experiment's error-budget bill in one table (when the SLOs were priced)."""
    if spec.slos is None or not any(r.budget is not None for r in results):
        return []
    return [
        f"Error budget: what each experiment cost the SLOs of slo/slos.yaml, as a share of "
        f"their {spec.slos.period_days}-day budget at the measured traffic; an experiment may "
        f"spend at most {spec.slos.experiment_allowance * 100:g} % (docs/monitoring.md, "
        "'SLOs and error budgets').",
        "",
        *budget.summary_rows([(r.experiment.name, r.budget) for r in results]),
        "",
    ]


def render(run: dict) -> str:
    """report.md of a run, from its journal alone (chaoslab.journal)."""
    spec, results = journal.spec_of(run), journal.results_of(run)
    lines = [f"# Chaos lab report — {run['run']}", ""]
    if run["banner"]:
        lines += [f"> {run['banner']}", ""]
    lines += [f"- {key}: {value}" for key, value in run["environment"]["context"].items()]
    settings = spec.settings
    headings = [m.summary for m in spec.impact if m.summary] + ["min ready pods (pod timeline)"]
    lines += [
        "",
        "| experiment | fault | verdict | hypotheses | time to recover | "
        + " | ".join(headings)
        + " |",
        "|---|---|---|---|---|" + "---|" * len(headings),
        *[_summary_row(r, spec) for r in results],
        "",
        *_budget_overview(results, spec),
        "Verdicts: an experiment passes when every hypothesis *held* (never violated) or "
        f"*recovered* (violated for at most {settings.violation_budget_seconds}s in all, then "
        "stable again), and the target pods were back to their ready count with no stretch "
        f"below it longer than {settings.max_unready_seconds}s. *broken* = violated for longer "
        "than that budget, even if it recovered afterwards. *within budget* = an availability "
        "hypothesis broken by that rule whose SLO spent no more than the experiment's "
        "error-budget allowance (see the error budget section): at a few requests/s one failed "
        "request holds a 1-minute ratio under 99.9 % for a minute, so availability is judged "
        "by what the fault cost.",
        "",
        "Time to recover: from injection until every hypothesis held again without a break for "
        f"{settings.stable_seconds}s (and at least until the fault ended).",
        "",
        "Steady-state hypotheses:",
        "",
        *[f"- {_hypothesis_line(h)}" for h in spec.hypotheses],
        "",
    ]
    for result in results:
        lines += _section(result, spec)
    return "\n".join(lines).rstrip() + "\n"


def rerender(run_dir: Path) -> Path:
    """Write report.md of a run folder again from its journal; no cluster involved."""
    path = run_dir / "report.md"
    path.write_text(render(journal.load(run_dir)))
    return path


def write_report(
    run_dir: Path,
    results: Sequence[ExperimentResult],
    spec: HypothesisFile,
    context: Mapping[str, str],
    banner: str = "",
    settings: Mapping[str, str] | None = None,
) -> Path:
    """Write journal.json, the raw series, the charts and report.md (rendered from the journal
    as written) into run_dir; return the report's path. `settings`: the CHAOSLAB_* variables to
    record (default: this process's)."""
    run = journal.record(run_dir.name, results, spec, context, banner, settings)
    journal.write(run_dir, run)
    for result in results:
        folder = run_dir / result.experiment.name
        folder.mkdir(exist_ok=True)
        if result.analysis is not None and result.injected:
            draw_charts(result, spec, folder)
    return rerender(run_dir)


def write_index(reports_dir: Path) -> Path:
    """reports_dir/index.md: every run folder with a report, newest first, then other folders."""
    names = [p.parent.name for p in reports_dir.glob("*/report.md")]
    runs = sorted((n for n in names if n[:8].isdigit()), reverse=True)  # <UTC stamp>-<what>
    lines = ["# Chaos lab reports", "", "Newest first; each folder is one `chaoslab` run.", ""]
    lines += [f"- [{name}]({name}/report.md)" for name in runs]
    lines += [f"- [{name}]({name}/report.md)" for name in sorted(set(names) - set(runs))]
    path = reports_dir / "index.md"
    path.write_text("\n".join(lines) + "\n")
    return path
