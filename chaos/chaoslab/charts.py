"""PNG charts of one metric over baseline, chaos and recovery, with the chaos window shaded."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from chaoslab.analysis import Series, Timeline
from chaoslab.units import DISPLAY, scale


def draw(
    target: Path,
    title: str,
    series: Series,
    unit: str,
    timeline: Timeline,
    threshold: float | None = None,
    recovered_at: float | None = None,
) -> None:
    """One metric against seconds since injection; gaps stay gaps (no line across them)."""
    times = timeline.times()
    x = [t - timeline.chaos_start for t in times]
    y = [scale(series[t], unit) if t in series else math.nan for t in times]
    suffix = DISPLAY[unit][1]
    figure, axes = plt.subplots(figsize=(9, 3.6), dpi=110)
    try:
        axes.axvspan(x[0], 0, color="0.93", label="baseline")
        axes.axvspan(0, timeline.chaos_end - timeline.chaos_start, color="tab:red", alpha=0.18,
                     label="chaos")  # fmt: skip
        axes.plot(x, y, color="tab:blue", linewidth=1.6, marker=".", markersize=3, label="measured")
        if threshold is not None:
            label = f"threshold {scale(threshold, unit):g} {suffix}".rstrip()
            axes.axhline(scale(threshold, unit), color="tab:orange", linestyle="--", linewidth=1.2,
                         label=label)  # fmt: skip
        if recovered_at is not None:
            axes.axvline(recovered_at - timeline.chaos_start, color="tab:green", linestyle=":",
                         linewidth=1.6, label="recovered")  # fmt: skip
        axes.set_title(title, fontsize=11, loc="left")
        axes.set_xlabel("seconds since injection")
        axes.set_ylabel(suffix or "value")
        axes.set_xlim(x[0], x[-1])
        axes.grid(True, alpha=0.3)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        figure.tight_layout()
        target.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(target)
    finally:
        plt.close(figure)
