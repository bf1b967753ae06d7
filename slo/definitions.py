"""The SLOs of slo/slos.yaml and the PromQL that measures them, for every reader of the file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from servicekit.latency import LATENCY_BUCKETS

SLO_FILE = Path(__file__).resolve().with_name("slos.yaml")
# The load generator's series (loadgen/metrics.py): every SLI is measured client side.
REQUESTS = "stockwatch_loadgen_requests_total"
DROPPED = "stockwatch_loadgen_dropped_total"
LATENCY_BUCKET = "stockwatch_loadgen_request_seconds_bucket"
# Every window the recording rules keep an error ratio for: the SRE workbook's alert windows.
SLI_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
# The chaos lab's hypotheses use 1-minute windows: four scrapes at the cluster's 15 s interval.
HYPOTHESIS_WINDOW = "1m"
DURATION = re.compile(r"^(?P<number>[0-9]+)(?P<unit>[smhd])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

Sli = Literal["availability", "latency"]


class SLOError(ValueError):
    """slos.yaml is malformed; the message names the file and the entry."""


def seconds(duration: str) -> int:
    """A Prometheus duration of one unit ("5m", "1d") in seconds."""
    match = DURATION.match(duration)
    if match is None:
        raise SLOError(f"duration {duration!r} is not <number><s|m|h|d>")
    return int(match["number"]) * SECONDS[match["unit"]]


def bucket_label(bound: float) -> str:
    """The `le` label prometheus_client writes for a bucket bound (0.25 -> "0.25", 1 -> "1.0")."""
    return repr(float(bound))


@dataclass(frozen=True)
class BurnRateAlert:
    """One window pair: the error ratio over both windows is above burn_rate x the budget."""

    burn_rate: float
    long: str
    short: str


@dataclass(frozen=True)
class SLO:
    """One objective: the share of a load generator target's requests that must be good."""

    name: str
    title: str
    description: str
    target: str
    sli: Sli
    objective: float
    threshold_seconds: float | None = None

    @property
    def budget(self) -> float:
        """The error budget: the share of requests allowed to be bad."""
        return round(1 - self.objective, 12)

    def events(self, function: str, window: str, by: str = "") -> tuple[str, str]:
        """PromQL for (good events, valid events): `function` ("rate" or "increase") of the
        load generator's counters over `window`, summed (by the labels in `by`)."""
        total = f"sum by ({by}) (" if by else "sum("
        target = f'target="{self.target}"'
        if self.sli == "availability":
            # A dropped arrival (too many requests in flight) is a user who got no answer.
            good = f'{total}{function}({REQUESTS}{{{target}, outcome="ok"}}[{window}]))'
            valid = (
                f"{total}{function}({REQUESTS}{{{target}}}[{window}]))"
                f"\n  + {total}{function}({DROPPED}{{{target}}}[{window}]))"
            )
            return good, valid
        within = bucket_label(self.threshold_seconds or 0)
        good = f'{total}{function}({LATENCY_BUCKET}{{{target}, le="{within}"}}[{window}]))'
        valid = f'{total}{function}({LATENCY_BUCKET}{{{target}, le="+Inf"}}[{window}]))'
        return good, valid

    def error_ratio(self, window: str, by: str = "") -> str:
        """The share of bad events over `window`: failed (availability) or slow (latency)."""
        good, valid = self.events("rate", window, by)
        return f"1 - (\n  {good}\n) / (\n  {valid}\n)"

    def bad_and_valid(self, window: str) -> tuple[str, str]:
        """PromQL for how many events were bad, and how many there were, over `window`."""
        good, valid = self.events("increase", window)
        return f"({valid}) - ({good})", valid

    @property
    def hypothesis(self) -> tuple[str, str, float, str]:
        """The chaos lab's steady-state probe: (query, op, threshold, unit). Availability is the
        ratio of good requests; latency is the objective's quantile against the threshold."""
        if self.sli == "availability":
            good, valid = self.events("rate", HYPOTHESIS_WINDOW)
            return f"{good}\n/ ({valid})", ">=", self.objective, "ratio"
        query = (
            f"histogram_quantile({self.objective}, sum by (le)\n"
            f'(rate({LATENCY_BUCKET}{{target="{self.target}"}}[{HYPOTHESIS_WINDOW}])))'
        )
        return query, "<=", float(self.threshold_seconds or 0), "seconds"


@dataclass(frozen=True)
class SLOFile:
    """Everything slos.yaml declares."""

    period_days: int
    page: tuple[BurnRateAlert, ...]
    ticket: tuple[BurnRateAlert, ...]
    experiment_allowance: float
    slos: tuple[SLO, ...]

    @property
    def period(self) -> str:
        return f"{self.period_days}d"

    @property
    def period_seconds(self) -> int:
        return self.period_days * SECONDS["d"]

    def get(self, name: str) -> SLO:
        for slo in self.slos:
            if slo.name == name:
                return slo
        raise SLOError(f"no SLO named {name!r} (have: {', '.join(s.name for s in self.slos)})")


def _alerts(entries: list, where: str) -> tuple[BurnRateAlert, ...]:
    pairs = []
    for i, entry in enumerate(entries or []):
        pair = BurnRateAlert(float(entry["burn_rate"]), str(entry["long"]), str(entry["short"]))
        if pair.long not in SLI_WINDOWS or pair.short not in SLI_WINDOWS:
            raise SLOError(f"{where}[{i}]: windows must be among {', '.join(SLI_WINDOWS)}")
        if seconds(pair.short) >= seconds(pair.long):
            raise SLOError(f"{where}[{i}]: the short window must be shorter than the long one")
        pairs.append(pair)
    if not pairs:
        raise SLOError(f"{where}: no window pairs")
    return tuple(pairs)


def _slo(entry: dict, where: str) -> SLO:
    missing = [key for key in ("name", "title", "target", "sli", "objective") if key not in entry]
    if missing:
        raise SLOError(f"{where}: missing {', '.join(missing)}")
    slo = SLO(
        name=str(entry["name"]),
        title=str(entry["title"]),
        description=str(entry.get("description", "")),
        target=str(entry["target"]),
        sli=entry["sli"],
        objective=float(entry["objective"]),
        threshold_seconds=(
            None if entry.get("threshold_seconds") is None else float(entry["threshold_seconds"])
        ),
    )
    if slo.sli not in ("availability", "latency"):
        raise SLOError(f"{where}: sli {slo.sli!r} is neither 'availability' nor 'latency'")
    if not 0 < slo.objective < 1:
        raise SLOError(f"{where}: objective {slo.objective} is not a share between 0 and 1")
    if slo.sli == "latency" and slo.threshold_seconds not in LATENCY_BUCKETS:
        # The share within a threshold is exact only at a histogram bucket edge.
        raise SLOError(
            f"{where}: threshold_seconds {slo.threshold_seconds} is not a bucket edge of "
            "servicekit/latency.py"
        )
    return slo


def load(path: Path = SLO_FILE) -> SLOFile:
    """Parse and check slos.yaml; raise SLOError naming the file and the entry."""
    document = yaml.safe_load(path.read_text()) or {}
    alerts = document.get("alerts") or {}
    slos = tuple(_slo(e, f"{path}: slos[{i}]") for i, e in enumerate(document.get("slos") or []))
    names = [slo.name for slo in slos]
    if not slos or len(set(names)) != len(names):
        raise SLOError(f"{path}: SLO names must be present and unique, got {names}")
    allowance = float(document.get("experiment_allowance", 0))
    if not 0 < allowance <= 1:
        raise SLOError(f"{path}: experiment_allowance {allowance} is not a share of the budget")
    return SLOFile(
        period_days=int(document.get("period_days", 30)),
        page=_alerts(alerts.get("page"), f"{path}: alerts.page"),
        ticket=_alerts(alerts.get("ticket"), f"{path}: alerts.ticket"),
        experiment_allowance=allowance,
        slos=slos,
    )
