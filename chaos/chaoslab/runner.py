"""Run experiments end to end: baseline, inject, watch, clean up, recover, judge, record."""

from __future__ import annotations

import dataclasses
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import urllib3
from kubernetes.client.exceptions import ApiException

from chaoslab.analysis import (
    Analysis,
    BaselineResult,
    Recovery,
    Series,
    Timeline,
    analyse,
    check_baseline,
    states,
)
from chaoslab.browser import ScreenshotError, screenshot
from chaoslab.budget import judge_availability_by_budget, price
from chaoslab.experiments import Experiment
from chaoslab.grafana import GrafanaClient, GrafanaError
from chaoslab.hypotheses import HypothesisFile
from chaoslab.kube import ChaosExistsError, Cluster, ClusterError
from chaoslab.pods import Snapshot, pod_events, readiness
from chaoslab.prometheus import PrometheusClient
from chaoslab.results import (
    ABORTED,
    BASELINE_FAILED,
    FAILED,
    PASSED,
    TAKEN,
    ExperimentResult,
    Screenshot,
)


def collect(
    spec: HypothesisFile, prometheus: PrometheusClient, start: float, end: float
) -> tuple[dict[str, Series], dict[str, Series]]:
    """Every hypothesis series and every impact series over [start, end], by name."""
    step = spec.settings.step_seconds
    hypotheses = {
        h.name: prometheus.query_range(h.query, start, end, step) for h in spec.hypotheses
    }
    impact = {m.name: prometheus.query_range(m.query, start, end, step) for m in spec.impact}
    return hypotheses, impact


class PreflightError(RuntimeError):
    """The cluster or Prometheus is not ready for an experiment; the message lists why."""


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C inside the block, so `finally` clean-up runs for both."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class LabRunner:
    """Runs experiments one after another against one cluster, Prometheus and (optional) Grafana."""

    def __init__(
        self,
        spec: HypothesisFile,
        cluster: Cluster,
        prometheus: PrometheusClient,
        grafana: GrafanaClient | None = None,
        chromium: str = "chromium",
        inject_timeout: float = 30.0,
        poll_seconds: float = 1.0,
        out: TextIO = sys.stdout,
        clock: Callable[[], float] = time.time,
        webui_url: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.spec = spec
        self.cluster = cluster
        self.prometheus = prometheus
        self.grafana = grafana
        self.chromium = chromium
        self.webui_url = webui_url
        self.sleep = sleep
        self.inject_timeout = inject_timeout
        self.poll_seconds = poll_seconds
        self.out = out
        self.clock = clock

    def say(self, experiment: str, phase: str, text: str) -> None:
        print(f"[{experiment}] {phase:<9} {text}", file=self.out, flush=True)

    def preflight(self, experiments: Sequence[Experiment], deployments: Sequence[str]) -> None:
        """Raise PreflightError listing every problem, before anything is touched."""
        problems = self.cluster.preflight(deployments, [e.kind for e in experiments])
        try:
            self.prometheus.check_ready()
        except RuntimeError as error:
            problems.append(str(error))
        if problems:
            raise PreflightError("preflight failed:\n  - " + "\n  - ".join(problems))

    def _baseline(self) -> tuple[Timeline, dict[str, Series], list[BaselineResult]]:
        """The baseline window that just ended, its series and how each hypothesis did."""
        settings = self.spec.settings
        now = math.floor(self.clock())
        start = now - settings.baseline_seconds
        series, _ = collect(dataclasses.replace(self.spec, impact=()), self.prometheus, start, now)
        timeline = Timeline(start, now, now, now, settings.step_seconds)
        baseline = check_baseline(
            self.spec.hypotheses, series, timeline.baseline_times(), settings.min_coverage
        )
        return timeline, series, baseline

    def _clear_from(self, failing: Sequence[BaselineResult], series: dict[str, Series],
                    timeline: Timeline) -> tuple[float, str]:  # fmt: skip
        """The earliest time the baseline window could hold, and what stands in the way: a
        violation must first slide out of the window; missing data must be filled in."""
        settings, now = self.spec.settings, timeline.chaos_start
        by_name = {h.name: h for h in self.spec.hypotheses}
        clear, reasons = now, []
        for b in failing:
            if b.violations:
                times = timeline.baseline_times()
                observed = states(by_name[b.name], series.get(b.name, {}), times)
                last = max(t for t, state in zip(times, observed, strict=True) if state is False)
                clear = max(clear, last + settings.baseline_seconds + settings.step_seconds)
                reasons.append(f"{b.name} violated {b.violations}x, last {now - last:.0f}s ago")
            else:
                missing = (settings.min_coverage - b.coverage) * settings.baseline_seconds
                clear = max(clear, now + missing + settings.step_seconds)
                reasons.append(f"{b.name} has data on only {b.coverage:.0%} of the window")
        return max(clear, now + settings.step_seconds), "; ".join(reasons)

    def _wait_for_steady_state(
        self, name: str
    ) -> tuple[Timeline, dict[str, Series], list[BaselineResult]]:
        """The baseline window that just ended, waited for (up to
        settings.baseline_wait_seconds) while it does not hold yet: right after a deploy data is
        missing, right after a rollout a hypothesis was violated (a Deployment short of ready
        replicas, a latency spike). Gives the last window when it cannot hold within the wait."""
        settings = self.spec.settings
        deadline = self.clock() + settings.baseline_wait_seconds
        while True:
            timeline, series, baseline = self._baseline()
            failing = [b for b in baseline if not b.passed]
            if not failing:
                return timeline, series, baseline
            clear, why = self._clear_from(failing, series, timeline)
            left = deadline - self.clock()
            if clear > deadline:
                self.say(name, "baseline",
                         f"not steady ({why}); a clean {settings.baseline_seconds}s window needs "
                         f"{clear - self.clock():.0f}s more, and only {max(left, 0):.0f}s are "
                         f"left of settings.baseline_wait_seconds")  # fmt: skip
                return timeline, series, baseline
            wait = clear - self.clock()
            self.say(name, "baseline",
                     f"waiting {wait:.0f}s for a steady {settings.baseline_seconds}s window "
                     f"({why}); gives up in {left:.0f}s "
                     f"(settings.baseline_wait_seconds)")  # fmt: skip
            self.sleep(wait)

    def check_steady_state(self, result: ExperimentResult) -> bool:
        """Check the baseline window that just ended, after waiting for it to hold if a deploy or
        rollout just disturbed it; record the outcome on `result`."""
        timeline, series, baseline = self._wait_for_steady_state(result.experiment.name)
        for b in baseline:
            state = (
                "ok" if b.passed else f"FAILED ({b.violations} violations, {b.coverage:.0%} data)"
            )
            self.say(result.experiment.name, "baseline", f"{b.name}: {state}")
        if all(b.passed for b in baseline):
            return True
        result.status = BASELINE_FAILED
        result.timeline = timeline
        result.hypothesis_series = series
        result.analysis = Analysis(baseline, [], Recovery(False, None, None), [])
        return False

    def _watch(self, name: str, phase: str, until: float, snapshots: list[Snapshot]) -> None:
        """Poll the target pods until `until`, printing progress every few seconds."""
        started, last_said = self.clock(), 0.0
        while (now := self.clock()) < until:
            try:
                snapshots.append((now, self.cluster.pods()))
            except ClusterError as error:
                self.say(name, phase, f"pod poll failed: {error}")
            if now - last_said >= 5:
                self.say(
                    name, phase, f"{_clock(now - started)} elapsed, {_clock(until - now)} left"
                )
                last_said = now
            time.sleep(max(0.0, min(self.poll_seconds, until - self.clock())))

    def _annotate(
        self, result: ExperimentResult, at: float, text: str, end: float | None = None
    ) -> int | None:
        """A Grafana annotation (a region up to `end`) tagged for the dashboard, "chaoslab" and
        the experiment; its id, or None (with a note) when Grafana is absent or refuses."""
        if self.grafana is None:
            return None
        try:
            return self.grafana.annotate(at, text, ["chaoslab", result.experiment.name], end)
        except GrafanaError as error:
            result.notes.append(f"Grafana annotation failed: {error}")
            return None

    def _update_region(
        self, result: ExperimentResult, annotation: int | None, end: float | None = None,
        text: str = "",
    ) -> None:  # fmt: skip
        if annotation is None or self.grafana is None:
            return
        try:
            self.grafana.update_annotation(annotation, end, text)
        except GrafanaError as error:
            result.notes.append(f"Grafana annotation failed: {error}")

    def capture_webui(self, result: ExperimentResult, folder: Path, moment: str) -> None:
        """Screenshot the web dashboard now (`moment`: 'during' or 'after'), or note why not."""
        if not self.webui_url:
            return
        name = f"webui-{moment}.png"
        try:
            screenshot(self.chromium, self.webui_url, folder / name)
        except ScreenshotError as error:
            result.notes.append(f"No web dashboard screenshot {moment} the fault: {error}.")
            result.screenshots.append(Screenshot.failed("webui", moment, name, str(error)))
            return
        result.screenshots.append(Screenshot("webui", moment, name, TAKEN, "Chromium"))

    def capture_grafana(
        self, result: ExperimentResult, folder: Path, moment: str, start: float, end: float
    ) -> None:
        """Grafana's dashboard over [start, end] (`moment`: 'during' or 'after'), or a note why
        there is no picture (a blank, cut or placeholder capture is no picture)."""
        if self.grafana is None:
            return
        name = f"grafana-{moment}.png"
        try:
            how = self.grafana.capture(start, end, folder / name, self.chromium)
        except GrafanaError as error:
            when = "during the fault" if moment == "during" else "after recovery"
            result.notes.append(f"No Grafana dashboard screenshot {when}: {error}.")
            result.screenshots.append(Screenshot.failed("grafana", moment, name, str(error)))
            return
        result.screenshots.append(Screenshot("grafana", moment, name, TAKEN, how))

    def capture_during(self, result: ExperimentResult, folder: Path, since: float) -> None:
        """Both dashboards mid-fault: the web dashboard live, then Grafana from `since` to now."""
        self.capture_webui(result, folder, "during")
        self.capture_grafana(result, folder, "during", since, math.ceil(self.clock()))

    def inject_and_observe(
        self, result: ExperimentResult, snapshots: list[Snapshot], folder: Path | None = None
    ) -> int | None:
        """Create the chaos object, watch, always delete it, then watch the recovery window;
        with a `folder`, screenshot the dashboards mid-fault and the webui at the end. Marks
        the fault on Grafana's dashboard as a region; returns that annotation's id."""
        experiment, settings = result.experiment, self.spec.settings
        hold = experiment.duration_seconds or settings.instant_hold_seconds
        baseline_start = math.floor(self.clock()) - settings.baseline_seconds
        snapshots.append((self.clock(), self.cluster.pods()))
        annotation, ours, during = None, True, None
        # The fault may begin as soon as the API server has the object, before create() returns:
        # the chaos window starts when the request is sent, so no baseline sample can see it.
        chaos_start = self.clock()
        try:
            try:
                self.cluster.create(experiment)
            except ChaosExistsError:
                ours = False
                raise
            self.say(experiment.name, "inject", f"created {experiment.describe()}")
            injected = result.injected_at = self.cluster.wait_injected(
                experiment, self.inject_timeout
            )
            self.say(experiment.name, "inject", f"injected after {injected - chaos_start:.1f}s")
            # A region from the start, planned to the fault's end, so the capture during the fault
            # shows it too; its end and its text (the verdict) are corrected afterwards.
            annotation = self._annotate(result, chaos_start,
                                        f"chaos: {experiment.name}: {experiment.describe()}",
                                        chaos_start + hold)  # fmt: skip
            if folder is not None:
                self._watch(experiment.name, "chaos", chaos_start + hold / 2, snapshots)
                # In the background: polling goes on, and a slow page cannot stretch the fault.
                during = threading.Thread(
                    target=self.capture_during, args=(result, folder, baseline_start), daemon=True
                )
                during.start()
            self._watch(experiment.name, "chaos", chaos_start + hold, snapshots)
        finally:
            # Also after a failed create: a timed-out request may have created it server-side.
            gone = ours and self.cluster.delete(experiment)
            chaos_end = self.clock()
            self.say(experiment.name, "cleanup", "deleted" if gone else "nothing to delete")
            result.timeline = Timeline(
                baseline_start, chaos_start, chaos_end, chaos_end, settings.step_seconds
            )
        self._update_region(result, annotation, end=chaos_end)
        self._watch(experiment.name, "recovery", chaos_end + settings.recovery_seconds, snapshots)
        if during is not None:
            during.join()
        if folder is not None:
            self.capture_webui(result, folder, "after")
        result.timeline = Timeline(
            baseline_start, chaos_start, chaos_end, chaos_end + settings.recovery_seconds,
            settings.step_seconds,
        )  # fmt: skip
        return annotation

    def judge(self, result: ExperimentResult, snapshots: Sequence[Snapshot] = ()) -> None:
        """Fetch every series over the whole experiment and analyse them with the pod polls."""
        t = result.timeline
        result.hypothesis_series, result.impact_series = collect(
            self.spec, self.prometheus, t.baseline_start, t.end
        )
        result.analysis = analyse(self.spec, result.hypothesis_series, result.impact_series, t,
                                  readiness(snapshots, t.chaos_start))  # fmt: skip
        if self.spec.slos is not None:
            result.budget = price(self.spec.slos, self.prometheus, t)
            result.analysis = judge_availability_by_budget(
                result.analysis, result.budget, self.spec.hypotheses
            )
        result.status = PASSED if result.analysis.passed else FAILED
        recovered = result.analysis.recovery.recovered_at
        if recovered is not None:
            ttr = recovered - t.chaos_start
            self._annotate(
                result, recovered, f"recovered: {result.experiment.name} after {ttr:.0f}s"
            )

    def close_region(self, result: ExperimentResult, annotation: int | None) -> None:
        """Write the verdict into the fault's region on the dashboard."""
        ttr = result.analysis.time_to_recover(result.timeline) if result.analysis else None
        recovered = "not recovered" if ttr is None else f"recovered after {ttr:.0f}s"
        text = (f"chaos: {result.experiment.name}: {result.experiment.describe()} - "
                f"{result.status}, {recovered}")  # fmt: skip
        self._update_region(result, annotation, text=text)

    def run(self, experiment: Experiment, run_dir: Path) -> ExperimentResult:
        """One experiment; errors and Ctrl-C/SIGTERM end it early (cleaned up) but never raise."""
        with sigterm_as_interrupt():
            return self._run(experiment, run_dir)

    def _run(self, experiment: Experiment, run_dir: Path) -> ExperimentResult:
        result = ExperimentResult(experiment)
        snapshots: list[Snapshot] = []
        started = self.clock()
        try:
            if not self.check_steady_state(result):
                self.say(experiment.name, "skip", "baseline failed, nothing injected")
                return result
            if not self.webui_url:
                result.notes.append("No web dashboard screenshots: CHAOSLAB_WEBUI_URL is not set.")
            if self.grafana is None:
                result.notes.append("No Grafana screenshots: CHAOSLAB_GRAFANA_URL is empty.")
            folder = run_dir / experiment.name
            folder.mkdir(parents=True, exist_ok=True)
            annotation = self.inject_and_observe(result, snapshots, folder)
            self.judge(result, snapshots)
            self.close_region(result, annotation)
            t = result.timeline
            self.capture_grafana(result, folder, "after", t.baseline_start, t.end)
        except KeyboardInterrupt:
            result.status, result.error = ABORTED, "interrupted (Ctrl-C or SIGTERM)"
            result.interrupted = True
        except (RuntimeError, ApiException, urllib3.exceptions.HTTPError) as error:
            result.status, result.error = ABORTED, str(error)
        finally:
            result.pod_events = pod_events(snapshots)
            self.say(
                experiment.name, "done", f"{result.status} in {_clock(self.clock() - started)}"
            )
        return result
