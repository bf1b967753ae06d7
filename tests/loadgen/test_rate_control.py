"""The load generator is open-loop: its arrival rate does not follow the server's speed."""

from __future__ import annotations

import threading
import time

from loadgen.config import Target
from loadgen.generator import LoadGenerator
from loadgen.metrics import OUTCOMES
from tests.support.polling import wait_for


def _samples(metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_arrival_rate_holds_when_responses_are_slower_than_the_interval(
    slow_server_factory, metrics
):
    # Each response takes 1 s, twenty times the 50 ms interval: a closed loop would send ~2.
    backend, webui = slow_server_factory(delay=1.0), slow_server_factory(delay=1.0)
    generator = LoadGenerator(
        [Target("backend", backend.url), Target("webui", webui.url)],
        rate=20,
        timeout=5,
        max_in_flight=100,
        metrics=metrics,
    )
    started = time.monotonic()
    generator.run(threading.Event(), arrivals=30)
    elapsed = time.monotonic() - started

    for server in (backend, webui):
        assert server.arrival_count() == 30
        span = server.arrivals[-1] - server.arrivals[0]
        # Arrivals are never early; the upper margin absorbs a busy CI machine, and stays far
        # below the ~15 s a closed loop of these 1 s responses would need per target.
        assert 29 / 20 - 0.05 <= span <= 29 / 20 + 0.75, f"30 arrivals at 20/s took {span:.2f}s"
    # run() waits for the last responses: about 1.45 s of arrivals + 1 s for the last answer.
    assert elapsed < 29 / 20 + 1.0 + 2.0


def test_arrivals_over_max_in_flight_are_counted_as_dropped(slow_server_factory, metrics):
    server = slow_server_factory(delay=1.5)
    generator = LoadGenerator(
        [Target("backend", server.url)], rate=20, timeout=5, max_in_flight=4, metrics=metrics
    )
    generator.run(threading.Event(), arrivals=10)

    assert server.arrival_count() == 4
    assert _samples(metrics, "stockwatch_loadgen_dropped_total", target="backend") == 6
    assert (
        _samples(metrics, "stockwatch_loadgen_requests_total", target="backend", outcome="ok") == 4
    )


def test_stop_event_ends_the_stream_and_waits_for_requests_in_flight(slow_server_factory, metrics):
    server = slow_server_factory(delay=0.3)
    generator = LoadGenerator(
        [Target("backend", server.url)], rate=10, timeout=5, max_in_flight=10, metrics=metrics
    )
    stop = threading.Event()
    runner = threading.Thread(target=generator.run, args=(stop,))
    runner.start()
    try:
        wait_for(lambda: server.arrival_count() >= 3, 10, "three arrivals", interval=0.02)
    finally:
        stop.set()
    runner.join(timeout=5)

    assert not runner.is_alive(), "run() did not return after stop was set"
    sent = server.arrival_count()
    assert sent >= 3
    finished = sum(
        _samples(metrics, "stockwatch_loadgen_requests_total", target="backend", outcome=outcome)
        for outcome in OUTCOMES
    )
    assert finished == sent, "requests in flight at stop were not waited for"
