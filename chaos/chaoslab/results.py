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
# What became of one screenshot: a picture, or no picture because it was blank, cut or failed.
TAKEN, BLANK, CUT, ERROR = "taken", "blank", "cut", "error"


@dataclass(frozen=True)
class Screenshot:
    """One dashboard capture the runner attempted, with what became of it."""

    source: str  # "webui" or "grafana"
    moment: str  # "during" (the fault) or "after" (recovery)
    file: str  # inside the experiment's report folder (written only when taken)
    status: str  # TAKEN, BLANK, CUT or ERROR
    detail: str = ""  # how it was captured (taken), or why there is no picture

    @classmethod
    def failed(cls, source: str, moment: str, file: str, why: str) -> Screenshot:
        """No picture; the status says whether the capture came back blank or cut (the browser
        and Grafana modules say so in their messages) or failed outright."""
        status = (
            BLANK if "blank" in why or "shows nothing" in why else CUT if "cut" in why else ERROR
        )
        return cls(source, moment, file, status, why)


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
    # Every capture attempted, taken or not, in the order they were attempted.
    screenshots: list[Screenshot] = field(default_factory=list)
    # The experiment priced in error budget (chaoslab.budget), when the SLOs were known.
    budget: ExperimentBudget | None = None
    error: str | None = None
    interrupted: bool = False  # Ctrl-C or SIGTERM: the lab stops after this experiment

    # When the chaos controller reported the fault injected (unix time); None before that.
    injected_at: float | None = None

    def taken(self, source: str) -> list[Screenshot]:
        return [s for s in self.screenshots if s.source == source and s.status == TAKEN]

    @property
    def grafana_screenshots(self) -> list[tuple[str, str, str]]:
        """(moment, file name, how it was captured) of each Grafana picture taken."""
        return [(s.moment, s.file, s.detail) for s in self.taken("grafana")]

    @property
    def webui_screenshots(self) -> list[tuple[str, str]]:
        """(caption, file name) of each web dashboard picture taken."""
        return [(webui_caption(s.moment), s.file) for s in self.taken("webui")]

    @property
    def injected(self) -> bool:
        return self.timeline is not None and self.timeline.chaos_end > self.timeline.chaos_start


def webui_caption(moment: str) -> str:
    return f"web dashboard {'during the fault' if moment == 'during' else 'after recovery'}"
