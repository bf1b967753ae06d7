"""Right after a deploy the baseline window is only partly filled: the runner waits for it
(printing why and for how long, up to settings.baseline_wait_seconds) instead of failing."""

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
    """A Prometheus that has scraped the probe only since DEPLOYED, with `value` every step."""

    def __init__(self, value: float) -> None:
        self.value = value

    def query_range(self, query: str, start: float, end: float, step: float) -> Series:
        return {t: self.value for t in grid(start, end, step) if t >= DEPLOYED}


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
    now: float, value: float, wait_seconds: int
) -> tuple[LabRunner, ManualClock, io.StringIO]:
    settings = dataclasses.replace(SPEC.settings, baseline_wait_seconds=wait_seconds)
    spec = dataclasses.replace(SPEC, settings=settings, hypotheses=(LATENCY,), impact=())
    clock, out = ManualClock(now), io.StringIO()
    runner = LabRunner(spec, None, FreshPrometheus(value), out=out, clock=clock,
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


def test_a_violated_baseline_is_not_waited_for():
    runner, clock, _ = runner_at(DEPLOYED + 25, value=2.0, wait_seconds=300)  # over 500 ms
    assert not runner.check_steady_state(ExperimentResult(pod_kill().experiment))
    assert clock.slept == []
