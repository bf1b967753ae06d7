"""Wait for a condition with a deadline, and sample something in the background: the one poller
the suites, the image checks and bench share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class NotYet(Exception):
    """Raised by a probe to say what it is still waiting for (reported if the deadline passes)."""


class DeadlinePassed(AssertionError, TimeoutError):
    """The condition did not hold in time: a test failure (AssertionError) that callers waiting
    for a service may also catch as the TimeoutError it is."""


def wait_for(probe: Callable[[], T], timeout: float, what: str, interval: float = 1.0) -> T:
    """Call `probe` until it returns something truthy and return that; DeadlinePassed naming
    `what` and the last value (or exception) after `timeout` seconds. A probe that raises
    AssertionError gives up at once: waiting cannot help (a process that exited, say)."""
    end = time.monotonic() + timeout
    while True:
        try:
            last: object = probe()
        except AssertionError:
            raise
        except Exception as error:
            last = error
        if last and not isinstance(last, Exception):
            return last  # type: ignore[return-value]
        if time.monotonic() >= end:
            raise DeadlinePassed(f"{what} not within {timeout:.0f}s; last seen: {last!r}")
        time.sleep(interval)


class Sampler:
    """Calls `sample` every `interval` seconds on a thread until stopped; keeps the results."""

    def __init__(self, sample: Callable[[], T], interval: float) -> None:
        self.results: list[T] = []
        self._sample = sample
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.results.append(self._sample())
            self._stop.wait(self._interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
