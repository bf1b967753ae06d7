"""Right after a deploy the baseline window is only partly filled, right after a rollout a
hypothesis was violated in it: the runner waits for a steady window (printing what it waits for
and how long, up to settings.baseline_wait_seconds) and refuses only when none comes."""

from __future__ import annotations

import dataclasses
import io

from chaoslab.analysis import Series, grid
from chaoslab.results import BASELINE_FAILED, ExperimentResult
from chaoslab.runner import LabRunner

from tests.lab.builders import LATENCY, SPEC
from tests.lab.synthetic import pod_kill

DEPLOYED = 1_000_000.0  # the stack started scraping here


class FreshPrometheus:
    """A Prometheus that has scraped the probe only since DEPLOYED, with `value` every step, or
    `disturbed` (a rollout's dip or spike) before `settled`."""

    def __init__(self, value: float, disturbed: float = 0.0, settled: float = 0.0) -> None:
        self.value, self.disturbed, self.settled = value, disturbed, settled

    def query_range(self, query: str, start: float, end: float, step: float) -> Series:
        return {t: self.value if t >= self.settled else self.disturbed
                for t in grid(start, end, step) if t >= DEPLOYED}  # fmt: skip


class ManualClock:
    """Time that only moves when the runner sleeps."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def runner_at(
    now: float, value: float, wait_seconds: int, prometheus: FreshPrometheus | None = None
) -> tuple[LabRunner, ManualClock, io.StringIO]:
    settings = dataclasses.replace(SPEC.settings, baseline_wait_seconds=wait_seconds)
    spec = dataclasses.replace(SPEC, settings=settings, hypotheses=(LATENCY,), impact=())
    clock, out = ManualClock(now), io.StringIO()
    runner = LabRunner(spec, None, prometheus or FreshPrometheus(value), out=out, clock=clock,
                       sleep=clock.sleep)  # fmt: skip
    return runner, clock, out


def test_a_partial_baseline_is_waited_for_then_checked():
    # 25 s after the deploy, 60 s baseline at 80% coverage: about 25 s more are needed.
    runner, clock, out = runner_at(DEPLOYED + 25, value=0.1, wait_seconds=300)
    result = ExperimentResult(pod_kill().experiment)
    assert runner.check_steady_state(result)
    assert 0 < sum(clock.slept) <= 60
    assert "waiting" in out.getvalue() and "baseline_wait_seconds" in out.getvalue()


def test_the_wait_has_an_upper_bound():
    runner, clock, _ = runner_at(DEPLOYED + 5, value=0.1, wait_seconds=10)
    result = ExperimentResult(pod_kill().experiment)
    assert not runner.check_steady_state(result)
    assert sum(clock.slept) <= 10
    assert result.status == BASELINE_FAILED


def test_a_baseline_a_rollout_disturbed_is_waited_for_until_the_disturbance_leaves_it():
    # Deployed long ago; a rollout broke latency until 30 s ago (as "ready_replicas: FAILED ...
    # baseline failed in 00:00" after a load generator change): the 60 s window holds once the
    # last bad sample (35 s ago, on the 5 s grid) has slid out of it, 30 s from now.
    now = DEPLOYED + 600
    prometheus = FreshPrometheus(0.1, disturbed=2.0, settled=now - 30)
    runner, clock, out = runner_at(now, value=0.1, wait_seconds=300, prometheus=prometheus)
    result = ExperimentResult(pod_kill().experiment)
    assert runner.check_steady_state(result), out.getvalue()
    assert clock.slept == [30.0]
    said = out.getvalue()
    assert "waiting 30s for a steady 60s window (p95_latency violated" in said
    assert "settings.baseline_wait_seconds" in said


def test_a_baseline_that_never_holds_is_refused_after_the_wait():
    runner, clock, out = runner_at(DEPLOYED + 25, value=2.0, wait_seconds=300)  # over 500 ms
    result = ExperimentResult(pod_kill().experiment)
    assert not runner.check_steady_state(result)
    assert 0 < sum(clock.slept) <= 300
    assert result.status == BASELINE_FAILED
    assert "only 0s are left of settings.baseline_wait_seconds" in out.getvalue()


def test_a_violation_that_cannot_leave_the_window_within_the_wait_is_refused_at_once():
    runner, clock, out = runner_at(DEPLOYED + 25, value=2.0, wait_seconds=10)
    assert not runner.check_steady_state(ExperimentResult(pod_kill().experiment))
    assert clock.slept == []
    said = out.getvalue()
    assert "not steady (p95_latency violated 5x, last 5s ago); a clean 60s window needs 60s" in said
    assert "only 10s are left of settings.baseline_wait_seconds" in said
