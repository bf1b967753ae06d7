"""Open-loop traffic: arrivals at a fixed rate per target, each sent without waiting for others."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from loadgen.config import Target
from loadgen.metrics import LoadgenMetrics

# Talk to the targets directly: an http_proxy in the environment would measure the proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, timeout: float) -> str:
    """GET `url` and read the whole body; the outcome label (see metrics.OUTCOMES)."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        error.close()
        return "http_error"
    except urllib.error.URLError as error:
        return "timeout" if isinstance(error.reason, TimeoutError) else "connection_error"
    except TimeoutError:
        return "timeout"
    except (OSError, http.client.HTTPException):
        return "connection_error"
    return "ok"


class LoadGenerator:
    """Sends `rate` requests per second to every target, whatever the responses take.

    Each arrival is handed to a pool thread the moment it is due, so a slow server gets more
    outstanding requests, not fewer arrivals (a closed loop would hide the slowdown). Arrivals
    that find `max_in_flight` requests outstanding are counted as dropped instead.
    """

    def __init__(
        self,
        targets: Sequence[Target],
        rate: float,
        timeout: float,
        max_in_flight: int,
        metrics: LoadgenMetrics,
    ) -> None:
        self.targets = tuple(targets)
        self.interval = 1.0 / rate
        self.timeout = timeout
        self.max_in_flight = max_in_flight
        self.metrics = metrics
        self._slots = threading.BoundedSemaphore(max_in_flight)

    def run(self, stop: threading.Event, arrivals: int | None = None) -> None:
        """Generate load until `stop` is set (or every target had `arrivals` arrivals), then
        wait for the requests still in flight (each bounded by the client timeout)."""
        with ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="loadgen") as pool:
            schedulers = [
                threading.Thread(
                    target=self._arrive,
                    args=(target, pool, stop, arrivals),
                    name=f"arrivals-{target.name}",
                )
                for target in self.targets
            ]
            for scheduler in schedulers:
                scheduler.start()
            for scheduler in schedulers:
                scheduler.join()

    def _arrive(
        self, target: Target, pool: ThreadPoolExecutor, stop: threading.Event, arrivals: int | None
    ) -> None:
        # Arrival n is due at start + n * interval, fixed in advance: a late wake-up sends the
        # overdue arrivals at once, so the average rate holds even when the scheduler lags.
        start = time.monotonic()
        sent = 0
        while arrivals is None or sent < arrivals:
            delay = start + sent * self.interval - time.monotonic()
            if stop.wait(max(delay, 0.0)):
                return
            self._dispatch(target, pool)
            sent += 1

    def _dispatch(self, target: Target, pool: ThreadPoolExecutor) -> None:
        if not self._slots.acquire(blocking=False):
            self.metrics.drop(target.name)
            return
        pool.submit(self._send, target)

    def _send(self, target: Target) -> None:
        try:
            started = time.perf_counter()
            outcome = fetch(target.url, self.timeout)
            self.metrics.observe(target.name, outcome, time.perf_counter() - started)
        finally:
            self._slots.release()
