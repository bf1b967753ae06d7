"""What one experiment produced: phases, series, analysis, pod timeline and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chaoslab.analysis import Analysis, Series, Timeline
from chaoslab.experiments import Experiment
from chaoslab.pods import PodEvent

if TYPE_CHECKING:  # chaoslab.budget reads results through chaoslab.narrative
    from chaoslab.budget import ExperimentBudget

PASSED, FAILED, BASELINE_FAILED, ABORTED = "passed", "failed", "baseline failed", "aborted"


@dataclass
class ExperimentResult:
    """Filled in by the runner phase by phase, then written by the report writer."""

    experiment: Experiment
    status: str = ABORTED
    timeline: Timeline | None = None
    analysis: Analysis | None = None
    hypothesis_series: dict[str, Series] = field(default_factory=dict)
    impact_series: dict[str, Series] = field(default_factory=dict)
    pod_events: list[PodEvent] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # (moment: "during" or "after", file name inside the report folder, how it was captured)
    grafana_screenshots: list[tuple[str, str, str]] = field(default_factory=list)
    # (caption, file name inside the experiment's report folder) of each web dashboard picture
    webui_screenshots: list[tuple[str, str]] = field(default_factory=list)
    # The experiment priced in error budget (chaoslab.budget), when the SLOs were known.
    budget: ExperimentBudget | None = None
    error: str | None = None
    interrupted: bool = False  # Ctrl-C or SIGTERM: the lab stops after this experiment

    @property
    def injected(self) -> bool:
        return self.timeline is not None and self.timeline.chaos_end > self.timeline.chaos_start
