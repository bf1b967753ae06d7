"""CPU time per request of a gunicorn service (master and workers, from /proc), over a load run.

CPU seconds spent per request barely depend on what else runs on the machine, unlike the rate a
shared 2-core box can reach; several rounds give the spread, their median is what gates."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.load import Run

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(master_pid: int) -> float:
    """User + system CPU seconds of a gunicorn master and its workers so far."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces or parentheses: split after its closing one.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        pid, ppid = int(stat.parent.name), int(fields[1])
        if master_pid in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND  # utime, stime
    return total


@dataclass(frozen=True)
class Spread:
    """Min, median and max of one figure over the rounds."""

    low: float
    median: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(min(values), statistics.median(values), max(values))

    def text(self, digits: int = 2) -> str:
        return f"{self.low:.{digits}f} / {self.median:.{digits}f} / {self.high:.{digits}f}"


def with_cpu(master_pids: Sequence[int], load: Callable[[], Run]) -> tuple[Run, list[float]]:
    """Run `load`; also CPU ms per request of each service (by master pid) over that window."""
    before = [cpu_seconds(pid) for pid in master_pids]
    run = load()
    after = [cpu_seconds(pid) for pid in master_pids]
    return run, [(a - b) * 1000 / max(run.requests, 1) for a, b in zip(after, before, strict=True)]
