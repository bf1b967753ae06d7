"""Steady-state hypotheses and impact metrics, loaded from chaos/hypotheses.yaml; a hypothesis
that names an SLO takes its query and threshold from slo/slos.yaml."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from chaoslab.units import DISPLAY
from slo.definitions import SLO_FILE, SLOError, SLOFile
from slo.definitions import load as load_slos

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
UNITS = tuple(DISPLAY)  # every unit a report knows how to show


@dataclass(frozen=True)
class Hypothesis:
    """A PromQL probe and the threshold its value must meet in steady state.

    `threshold` is the SLO a user holds. An upper bound may also be relative to the measured
    baseline: with `baseline_factor` F the bound is the stricter of the SLO and F times the
    baseline median, so a fault that makes the system several times slower is seen even while
    it stays under an SLO far above the steady state.
    """

    name: str
    description: str
    query: str
    op: str
    threshold: float
    unit: str
    baseline_factor: float | None = None
    slo: str | None = None  # the SLO of slo/slos.yaml it took its query and threshold from

    def bound(self, baseline_median: float | None) -> float:
        """The threshold in force, given the baseline median of the probe (None: unknown)."""
        if self.baseline_factor is None or baseline_median is None or baseline_median <= 0:
            return self.threshold
        return min(self.threshold, self.baseline_factor * baseline_median)

    def holds(self, value: float, bound: float | None = None) -> bool:
        return OPERATORS[self.op](value, self.threshold if bound is None else bound)

    @property
    def worst(self) -> str:
        """Which extreme of the value is the worst one: 'max' for upper bounds, else 'min'."""
        return "max" if self.op in ("<=", "<") else "min"


@dataclass(frozen=True)
class ImpactMetric:
    """A PromQL series charted for every experiment and summarised by its peak."""

    name: str
    title: str
    query: str
    peak: str
    unit: str
    slo: str | None = None  # the SLO of slo/slos.yaml whose probe it charts
    # The heading of its column in the report's summary table; empty: no column.
    summary: str = ""


@dataclass(frozen=True)
class LabSettings:
    """Timing of an experiment, in seconds, the data coverage a baseline needs, and how much
    violation an experiment may cause and still pass."""

    step_seconds: int = 5
    baseline_seconds: int = 120
    recovery_seconds: int = 180
    stable_seconds: int = 60
    min_coverage: float = 0.8
    instant_hold_seconds: int = 30
    violation_budget_seconds: int = 30
    max_unready_seconds: int = 10
    baseline_wait_seconds: int = 300


@dataclass(frozen=True)
class HypothesisFile:
    """Everything chaos/hypotheses.yaml defines."""

    settings: LabSettings
    hypotheses: tuple[Hypothesis, ...]
    impact: tuple[ImpactMetric, ...]
    # The SLOs the hypotheses name; the runner prices every experiment against them.
    slos: SLOFile | None = None


class HypothesisError(ValueError):
    """The hypotheses file is malformed; the message names the file and the entry."""


def _require(entry: dict, key: str, where: str) -> object:
    if key not in entry:
        raise HypothesisError(f"{where}: missing '{key}'")
    return entry[key]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unit(entry: dict, where: str) -> str:
    unit = str(entry.get("unit", "count"))
    if unit not in UNITS:
        raise HypothesisError(f"{where}: unit '{unit}' is not one of {', '.join(UNITS)}")
    return unit


def _from_slo(entry: dict, where: str, slos: SLOFile) -> dict:
    """The entry completed from the SLO it names: query, op, threshold, unit, description.
    Setting any of those beside `slo` would be a second definition of the SLO, so it fails."""
    defined_twice = sorted({"query", "op", "threshold", "unit"} & set(entry))
    if defined_twice:
        raise HypothesisError(
            f"{where}: {', '.join(defined_twice)} come from slo {entry['slo']!r}; remove them"
        )
    try:
        slo = slos.get(str(entry["slo"]))
    except SLOError as error:
        raise HypothesisError(f"{where}: {error}") from None
    query, op, threshold, unit = slo.hypothesis
    description = slo.description
    if entry.get("baseline_factor") is not None:
        description += f" And within {entry['baseline_factor']:g} x its baseline."
    return {"description": description, **entry, "query": query, "op": op,
            "threshold": threshold, "unit": unit}  # fmt: skip


def _hypothesis(entry: dict, where: str, slos: SLOFile) -> Hypothesis:
    if entry.get("slo"):
        entry = _from_slo(entry, where, slos)
    op = str(_require(entry, "op", where))
    if op not in OPERATORS:
        raise HypothesisError(f"{where}: op '{op}' is not one of {', '.join(OPERATORS)}")
    unit = _unit(entry, where)
    factor = entry.get("baseline_factor")
    if factor is not None and (not _is_number(factor) or factor <= 0 or op not in ("<=", "<")):
        raise HypothesisError(
            f"{where}: baseline_factor must be a positive number on an upper bound (<= or <)"
        )
    return Hypothesis(
        name=str(_require(entry, "name", where)),
        description=str(entry.get("description", "")),
        query=str(_require(entry, "query", where)),
        op=op,
        threshold=float(_require(entry, "threshold", where)),
        unit=unit,
        baseline_factor=None if factor is None else float(factor),
        slo=entry.get("slo") or None,
    )


def _impact(entry: dict, where: str, slos: SLOFile) -> ImpactMetric:
    if entry.get("slo"):
        # The SLO's own probe, charted: its query and unit, never a second copy of them.
        completed = _from_slo(entry, where, slos)
        entry = {**entry, "query": completed["query"], "unit": completed["unit"]}
    peak = str(_require(entry, "peak", where))
    if peak not in ("max", "min"):
        raise HypothesisError(f"{where}: peak '{peak}' is neither 'max' nor 'min'")
    unit = _unit(entry, where)
    name = str(_require(entry, "name", where))
    return ImpactMetric(
        name=name,
        title=str(entry.get("title", name)),
        query=str(_require(entry, "query", where)),
        peak=peak,
        unit=unit,
        slo=entry.get("slo") or None,
        summary=str(entry.get("summary") or ""),
    )


def load_hypotheses(path: Path, slo_file: Path = SLO_FILE) -> HypothesisFile:
    """Parse and check the hypotheses file (and the SLOs its hypotheses name); raise
    HypothesisError naming the file and entry."""
    document = yaml.safe_load(path.read_text()) or {}
    slos = load_slos(slo_file)
    raw_settings = document.get("settings") or {}
    unknown = set(raw_settings) - set(LabSettings.__dataclass_fields__)
    if unknown:
        raise HypothesisError(f"{path}: settings: unknown keys {sorted(unknown)}")
    not_numbers = sorted(k for k, v in raw_settings.items() if not _is_number(v))
    if not_numbers:
        raise HypothesisError(
            f"{path}: settings: {', '.join(not_numbers)}: expected a plain number (5, not '5s')"
        )
    settings = LabSettings(**raw_settings)
    hypotheses = tuple(
        _hypothesis(e, f"{path}: hypotheses[{i}]", slos)
        for i, e in enumerate(document.get("hypotheses") or [])
    )
    if not hypotheses:
        raise HypothesisError(f"{path}: no hypotheses defined")
    impact = tuple(
        _impact(e, f"{path}: impact[{i}]", slos) for i, e in enumerate(document.get("impact") or [])
    )
    names = [h.name for h in hypotheses]
    if len(set(names)) != len(names):
        raise HypothesisError(f"{path}: hypothesis names must be unique, got {names}")
    return HypothesisFile(settings, hypotheses, impact, slos)
