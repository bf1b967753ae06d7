"""A run's journal (journal.json): everything the run knew and measured, as Chaos Toolkit keeps
one per run: environment, inputs (experiments, hypotheses, SLOs), timings, verdicts, error budget,
screenshots. The report is rendered from it, and `chaoslab compare` reads two of them.

The samples stay in each experiment's series.json (the one store of them; series.csv is the same
samples as a table): the journal names that file and the series in it, and `load` reads them back.
"""

from __future__ import annotations

import csv
import json
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from chaoslab.analysis import Analysis, BaselineResult, Peak, Recovery, Timeline, Verdict
from chaoslab.budget import AlertSpan, ExperimentBudget, SLOCost
from chaoslab.experiments import Experiment
from chaoslab.hypotheses import Hypothesis, HypothesisFile, ImpactMetric, LabSettings
from chaoslab.pods import PodEvent, Readiness
from chaoslab.results import ExperimentResult, Screenshot
from slo.definitions import SLO, BurnRateAlert, SLOFile

SCHEMA_VERSION = 1
FILE = "journal.json"
SERIES_FILE = "series.json"
# The packages whose versions decide what the runner measures and draws.
TOOLS = ("kubernetes", "requests", "matplotlib", "playwright", "PyYAML")
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET")


class JournalError(ValueError):
    """No journal, or one this version cannot read; the message names the file."""


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def lab_settings(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The CHAOSLAB_* variables the run saw, secrets redacted."""
    env = os.environ if env is None else env
    return {
        key: "(redacted)" if any(word in key for word in SECRET_WORDS) else value
        for key, value in sorted(env.items())
        if key.startswith("CHAOSLAB_")
    }


def _pairs(series: Mapping[float, float]) -> list[list[float]]:
    return [[at, value] for at, value in sorted(series.items())]


def _timings(result: ExperimentResult) -> dict | None:
    t, analysis = result.timeline, result.analysis
    if t is None:
        return None
    return {
        "baseline_start": t.baseline_start,
        "baseline_end": t.chaos_start,
        "injection": t.chaos_start,  # when the chaos object was sent to the API server
        "injected": result.injected_at,  # when the controller reported the fault in place
        "fault_end": t.chaos_end,
        "observed_until": t.end,
        "step": t.step,
        "recovered": analysis.recovery.recovered_at if analysis else None,
        "time_to_recover": analysis.time_to_recover(t) if analysis and result.injected else None,
    }


def _budget(budget: ExperimentBudget | None) -> dict | None:
    if budget is None:
        return None
    costs = [{**asdict(c), "slo": c.slo.name} for c in budget.costs]  # the SLO is in the inputs
    return {
        "allowance": budget.allowance,
        "window_seconds": budget.window_seconds,
        "within_allowance": budget.within_allowance,
        "costs": costs,
        "alerts": [asdict(a) for a in budget.alerts],
    }


def _experiment(result: ExperimentResult) -> dict:
    experiment, analysis = result.experiment, result.analysis
    return {
        "name": experiment.name,
        "kind": experiment.kind,
        "namespace": experiment.namespace,
        "duration_seconds": experiment.duration_seconds,
        "definition": experiment.body,
        "status": result.status,
        "error": result.error,
        "interrupted": result.interrupted,
        "timings": _timings(result),
        "analysis": None if analysis is None else _analysis(analysis),
        "budget": _budget(result.budget),
        "pod_events": [asdict(e) for e in result.pod_events],
        "screenshots": [asdict(s) for s in result.screenshots],
        "notes": list(result.notes),
        "series": {
            "file": f"{experiment.name}/{SERIES_FILE}",
            "hypothesis": {n: _pairs(s) for n, s in result.hypothesis_series.items()},
            "impact": {n: _pairs(s) for n, s in result.impact_series.items()},
        },
    }


def _analysis(analysis: Analysis) -> dict:
    return {
        "baseline": [asdict(b) for b in analysis.baseline],
        "verdicts": [asdict(v) for v in analysis.verdicts],
        "recovery": asdict(analysis.recovery),
        "peaks": [asdict(p) for p in analysis.peaks],
        "readiness": None if analysis.readiness is None else asdict(analysis.readiness),
        "readiness_ok": analysis.readiness_ok,
        "passed": analysis.passed,
    }


def record(
    run: str,
    results: Sequence[ExperimentResult],
    spec: HypothesisFile,
    context: Mapping[str, str],
    banner: str = "",
    settings: Mapping[str, str] | None = None,
) -> dict:
    """The journal of a run (JSON-ready). `context` is the report header's environment lines;
    `settings` the CHAOSLAB_* variables (default: this process's, secrets redacted)."""
    journal = {
        "schema_version": SCHEMA_VERSION,
        "run": run,
        "banner": banner,
        "environment": {
            "context": dict(context),
            "note": context.get("environment", ""),
            "settings": lab_settings() if settings is None else dict(settings),
            "tools": tool_versions(),
        },
        "inputs": {
            "settings": asdict(spec.settings),
            "hypotheses": [asdict(h) for h in spec.hypotheses],
            "impact": [asdict(m) for m in spec.impact],
            "slos": None if spec.slos is None else asdict(spec.slos),
            "budget_allowance": None if spec.slos is None else spec.slos.experiment_allowance,
        },
        "experiments": [_experiment(r) for r in results],
    }
    # Tuples (frozen dataclasses' fields) become lists: the journal equals itself read back.
    return json.loads(json.dumps(journal))


def _write_series(folder: Path, experiment: dict) -> None:
    """series.json (the samples) and series.csv (the same samples, one per row)."""
    series, timings = experiment["series"], experiment["timings"]
    document = {
        "experiment": experiment["name"],
        "hypothesis": series["hypothesis"],
        "impact": series["impact"],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SERIES_FILE).write_text(json.dumps(document, indent=1) + "\n")
    with (folder / "series.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "name", "unix_time", "seconds_since_injection", "value"])
        for kind in ("hypothesis", "impact"):
            for name, samples in series[kind].items():
                for at, value in samples:
                    writer.writerow([kind, name, at, round(at - timings["injection"], 3), value])


def has_series(experiment: dict) -> bool:
    return experiment["timings"] is not None and any(
        experiment["series"][kind] for kind in ("hypothesis", "impact")
    )


def write(run_dir: Path, journal: dict) -> Path:
    """journal.json, with each experiment's samples in its series.json (named, not repeated)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    stored = json.loads(json.dumps(journal))
    for experiment in stored["experiments"]:
        series = experiment["series"]
        if has_series(experiment):
            _write_series(run_dir / experiment["name"], experiment)
            experiment["series"] = {
                "file": series["file"],
                "hypothesis": sorted(series["hypothesis"]),
                "impact": sorted(series["impact"]),
            }
        else:
            experiment["series"] = {"file": None, "hypothesis": [], "impact": []}
    path = run_dir / FILE
    path.write_text(json.dumps(stored, indent=1) + "\n")
    return path


def load(run_dir: Path) -> dict:
    """The journal of a run folder, with its samples read back from the series files."""
    path = run_dir / FILE
    try:
        journal = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise JournalError(f"{path}: no readable journal ({error})") from None
    if journal.get("schema_version") != SCHEMA_VERSION:
        raise JournalError(
            f"{path}: schema_version {journal.get('schema_version')!r}, this chaoslab reads "
            f"{SCHEMA_VERSION}"
        )
    for experiment in journal["experiments"]:
        series = experiment["series"]
        samples = {"hypothesis": {}, "impact": {}}
        if series["file"] is not None:
            stored = json.loads((run_dir / series["file"]).read_text())
            samples = {kind: stored[kind] for kind in samples}
        series.update(samples)
        series["file"] = f"{experiment['name']}/{SERIES_FILE}"
    return journal


# Reading a journal back into the runner's types, for the report writer.


def spec_of(journal: dict) -> HypothesisFile:
    inputs = journal["inputs"]
    slos = inputs["slos"]
    return HypothesisFile(
        LabSettings(**inputs["settings"]),
        tuple(Hypothesis(**h) for h in inputs["hypotheses"]),
        tuple(ImpactMetric(**m) for m in inputs["impact"]),
        None if slos is None else SLOFile(
            period_days=slos["period_days"],
            page=tuple(BurnRateAlert(**a) for a in slos["page"]),
            ticket=tuple(BurnRateAlert(**a) for a in slos["ticket"]),
            experiment_allowance=slos["experiment_allowance"],
            slos=tuple(SLO(**s) for s in slos["slos"]),
        ),
    )  # fmt: skip


def _series(pairs: dict[str, list[list[float]]]) -> dict[str, dict[float, float]]:
    return {name: {at: value for at, value in samples} for name, samples in pairs.items()}


def _analysis_of(stored: dict | None) -> Analysis | None:
    if stored is None:
        return None
    readiness = stored["readiness"]
    return Analysis(
        baseline=[BaselineResult(**b) for b in stored["baseline"]],
        verdicts=[Verdict(**v) for v in stored["verdicts"]],
        recovery=Recovery(**stored["recovery"]),
        peaks=[Peak(**p) for p in stored["peaks"]],
        readiness=None if readiness is None else Readiness(**readiness),
        readiness_ok=stored["readiness_ok"],
    )


def _budget_of(stored: dict | None, spec: HypothesisFile) -> ExperimentBudget | None:
    if stored is None or spec.slos is None:
        return None
    slos = {slo.name: slo for slo in spec.slos.slos}
    costs = tuple(SLOCost(**{**c, "slo": slos[c["slo"]]}) for c in stored["costs"])
    return ExperimentBudget(
        costs,
        tuple(AlertSpan(**a) for a in stored["alerts"]),
        stored["allowance"],
        stored["window_seconds"],
    )


def _timeline_of(timings: dict | None) -> Timeline | None:
    if timings is None:
        return None
    return Timeline(timings["baseline_start"], timings["injection"], timings["fault_end"],
                    timings["observed_until"], timings["step"])  # fmt: skip


def results_of(journal: dict) -> list[ExperimentResult]:
    spec = spec_of(journal)
    results = []
    for e in journal["experiments"]:
        experiment = Experiment(
            e["name"], e["kind"], e["namespace"], e["definition"], e["duration_seconds"]
        )
        timings = e["timings"]
        results.append(
            ExperimentResult(
                experiment,
                status=e["status"],
                timeline=_timeline_of(timings),
                analysis=_analysis_of(e["analysis"]),
                hypothesis_series=_series(e["series"]["hypothesis"]),
                impact_series=_series(e["series"]["impact"]),
                pod_events=[PodEvent(**p) for p in e["pod_events"]],
                notes=list(e["notes"]),
                screenshots=[Screenshot(**s) for s in e["screenshots"]],
                budget=_budget_of(e["budget"], spec),
                error=e["error"],
                interrupted=e["interrupted"],
                injected_at=None if timings is None else timings["injected"],
            )
        )
    return results
