"""Load: wrk at full speed or paced to a rate (summarised by report.lua), or an open loop."""

from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from servicekit.env import env_int

SECONDS = env_int("BENCH_SECONDS", 5, minimum=1)
CONNECTIONS = env_int("BENCH_CONNECTIONS", 16, minimum=1)
LUA = Path(__file__).with_name("report.lua")


@dataclass
class Run:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int = 0


def wrk(url: str, seconds: int, delay_ms: float = 0.0) -> Run:
    env = dict(os.environ, BENCH_DELAY_MS=f"{delay_ms:.3f}")
    argv = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(LUA), url]
    output = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    return Run(
        rps=summary["requests"] / (summary["duration_us"] / 1e6),
        p50_ms=summary["p50_us"] / 1000,
        p95_ms=summary["p95_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=summary["socket_errors"] + summary["non_2xx"],
        requests=summary["requests"],
    )


def pacing(url: str, target_rps: float) -> float:
    """The pause per connection (ms) that makes wrk send about `target_rps` (a 3 s probe)."""
    delay_ms = CONNECTIONS * 1000 / target_rps
    probe = wrk(url, 3, delay_ms)
    # rate = connections / (pause + time per request): solve for the pause that hits the target.
    per_request_ms = CONNECTIONS * 1000 / probe.rps - delay_ms
    return max(0.0, delay_ms - per_request_ms)


def paced(url: str, target_rps: float, seconds: int = SECONDS) -> Run:
    """A run at about `target_rps`: each connection pauses between requests (calibrated once)."""
    return wrk(url, seconds, pacing(url, target_rps))


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank value at `fraction` (0..1) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def open_loop(url: str, rate: float, seconds: int, timeout: float = 5.0) -> Run:
    """Requests started at a constant rate whatever the answers do, as the load generator sends
    them: slow answers cannot slow the arrivals down (wrk's pacing would)."""

    def one() -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            ok = requests.get(url, timeout=timeout).ok
        except requests.RequestException:
            ok = False
        return time.perf_counter() - started, ok

    count = round(rate * seconds)
    with ThreadPoolExecutor(max(8, round(rate * timeout))) as pool:
        start = time.monotonic()
        futures = []
        for i in range(count):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            futures.append(pool.submit(one))
        outcomes = [future.result() for future in futures]
        elapsed = time.monotonic() - start
    latencies = [latency for latency, _ in outcomes]
    return Run(
        rps=count / elapsed,
        p50_ms=percentile(latencies, 0.5) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        errors=sum(not ok for _, ok in outcomes),
        requests=count,
    )
