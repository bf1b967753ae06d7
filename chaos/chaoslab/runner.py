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
)
from chaoslab.browser import ScreenshotError, screenshot
from chaoslab.experiments import Experiment
from chaoslab.grafana import GrafanaClient, GrafanaError
from chaoslab.hypotheses import HypothesisFile
from chaoslab.kube import ChaosExistsError, Cluster, ClusterError
from chaoslab.pods import Snapshot, pod_events, readiness
from chaoslab.prometheus import PrometheusClient
from chaoslab.results import ABORTED, BASELINE_FAILED, FAILED, PASSED, ExperimentResult


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

    def _wait_for_data(self, name: str) -> tuple[Timeline, dict[str, Series], list[BaselineResult]]:
        """Right after a deploy the baseline window is only partly filled: wait (up to
        settings.baseline_wait_seconds) while data is merely missing, never when it is bad."""
        settings = self.spec.settings
        deadline = self.clock() + settings.baseline_wait_seconds
        while True:
            timeline, series, baseline = self._baseline()
            short = [b for b in baseline if not b.passed]
            left = deadline - self.clock()
            if not short or any(b.violations for b in short) or left <= 0:
                return timeline, series, baseline
            coverage = min(b.coverage for b in short)
            # Until enough of the window has data, plus one step for the latest scrape to land.
            wait = min(left, max(settings.step_seconds,
                                 (settings.min_coverage - coverage) * settings.baseline_seconds
                                 + settings.step_seconds))  # fmt: skip
            self.say(name, "baseline",
                     f"only {coverage:.0%} of the {settings.baseline_seconds}s baseline has data "
                     f"({', '.join(b.name for b in short)}); waiting {wait:.0f}s for more "
                     f"(gives up in {left:.0f}s, settings.baseline_wait_seconds)")  # fmt: skip
            self.sleep(wait)

    def check_steady_state(self, result: ExperimentResult) -> bool:
        """Check the baseline window that just ended, after waiting for enough data if the
        stack only just started; record the outcome on `result`."""
        timeline, series, baseline = self._wait_for_data(result.experiment.name)
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

    def _annotate(self, result: ExperimentResult, at: float, text: str) -> int | None:
        if self.grafana is None:
            return None
        try:
            return self.grafana.annotate(at, text, ["chaoslab", result.experiment.name])
        except GrafanaError as error:
            result.notes.append(f"Grafana annotation failed: {error}")
            return None

    def capture_webui(self, result: ExperimentResult, folder: Path, moment: str) -> None:
        """Screenshot the web dashboard now (`moment`: 'during' or 'after'), or note why not."""
        if not self.webui_url:
            return
        name = f"webui-{moment}.png"
        try:
            screenshot(self.chromium, self.webui_url, folder / name)
        except ScreenshotError as error:
            result.notes.append(f"No web dashboard screenshot {moment} the fault: {error}.")
            return
        caption = f"web dashboard {'during the fault' if moment == 'during' else 'after recovery'}"
        result.webui_screenshots.append((caption, name))

    def inject_and_observe(
        self, result: ExperimentResult, snapshots: list[Snapshot], folder: Path | None = None
    ) -> None:
        """Create the chaos object, watch, always delete it, then watch the recovery window;
        with a webui URL and a `folder`, screenshot the webui mid-fault and at the end."""
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
            injected = self.cluster.wait_injected(experiment, self.inject_timeout)
            self.say(experiment.name, "inject", f"injected after {injected - chaos_start:.1f}s")
            annotation = self._annotate(result, chaos_start, f"chaos: {experiment.describe()}")
            if folder is not None:
                self._watch(experiment.name, "chaos", chaos_start + hold / 2, snapshots)
                # In the background: polling goes on, and a slow page cannot stretch the fault.
                during = threading.Thread(
                    target=self.capture_webui, args=(result, folder, "during"), daemon=True
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
        if annotation is not None and self.grafana is not None:
            try:
                self.grafana.end_region(annotation, chaos_end)
            except GrafanaError as error:
                result.notes.append(f"Grafana annotation failed: {error}")
        self._watch(experiment.name, "recovery", chaos_end + settings.recovery_seconds, snapshots)
        if during is not None:
            during.join()
        if folder is not None:
            self.capture_webui(result, folder, "after")
        result.timeline = Timeline(
            baseline_start, chaos_start, chaos_end, chaos_end + settings.recovery_seconds,
            settings.step_seconds,
        )  # fmt: skip

    def judge(self, result: ExperimentResult, snapshots: Sequence[Snapshot] = ()) -> None:
        """Fetch every series over the whole experiment and analyse them with the pod polls."""
        t = result.timeline
        result.hypothesis_series, result.impact_series = collect(
            self.spec, self.prometheus, t.baseline_start, t.end
        )
        result.analysis = analyse(self.spec, result.hypothesis_series, result.impact_series, t,
                                  readiness(snapshots, t.chaos_start))  # fmt: skip
        result.status = PASSED if result.analysis.passed else FAILED
        recovered = result.analysis.recovery.recovered_at
        if recovered is not None:
            ttr = recovered - t.chaos_start
            self._annotate(
                result, recovered, f"recovered: {result.experiment.name} after {ttr:.0f}s"
            )

    def screenshot(self, result: ExperimentResult, folder: Path) -> None:
        """Dashboard image: render API, else headless Chromium, else a note saying why not."""
        if self.grafana is None:
            result.notes.append("No dashboard screenshot: Grafana is not configured.")
            return
        t, target = result.timeline, folder / "dashboard.png"
        folder.mkdir(parents=True, exist_ok=True)
        if self.grafana.render(t.baseline_start, t.end, target):
            result.screenshot = target.name
            result.notes.append("Dashboard rendered by Grafana's image renderer.")
            return
        try:
            self.grafana.browser_screenshot(t.baseline_start, t.end, target, self.chromium)
        except GrafanaError as error:
            result.notes.append(f"No dashboard screenshot: no image renderer, and {error}.")
            return
        result.screenshot = target.name
        result.notes.append("Dashboard captured with headless Chromium (kiosk mode).")

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
            self.inject_and_observe(result, snapshots, run_dir / experiment.name)
            self.judge(result, snapshots)
            self.screenshot(result, run_dir / experiment.name)
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
