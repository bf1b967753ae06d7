"""The pod timeline: what happened to the target pods, derived from successive snapshots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class PodState:
    """What one poll of the Kubernetes API showed about a pod."""

    name: str
    node: str | None
    phase: str
    ready: bool
    restarts: int
    terminating: bool = False


Snapshot = tuple[float, Mapping[str, PodState]]  # (unix time of the poll, pods by name)


@dataclass(frozen=True)
class PodEvent:
    """A change to a pod between two polls, stamped with the poll that saw it."""

    time: float
    pod: str
    # created | scheduled | rescheduled | ready | not ready | restarted | terminating | gone
    kind: str
    detail: str = ""


def _arrival(time: float, pod: PodState, lost_nodes: set[str]) -> PodEvent:
    """A new pod: 'rescheduled' when its node is not one the lost pods were on."""
    if pod.node and lost_nodes and pod.node not in lost_nodes:
        nodes = ", ".join(sorted(lost_nodes))
        return PodEvent(
            time, pod.name, "rescheduled", f"on {pod.node} (lost pod(s) were on {nodes})"
        )
    return PodEvent(
        time, pod.name, "created", f"on {pod.node}" if pod.node else "not scheduled yet"
    )


def _changes(time: float, before: PodState, after: PodState) -> list[PodEvent]:
    events = []
    if after.node and not before.node:
        events.append(PodEvent(time, after.name, "scheduled", f"on {after.node}"))
    if after.restarts > before.restarts:
        detail = f"restart count {before.restarts} -> {after.restarts}"
        events.append(PodEvent(time, after.name, "restarted", detail))
    if after.terminating and not before.terminating:
        events.append(PodEvent(time, after.name, "terminating"))
    if after.ready != before.ready:
        events.append(PodEvent(time, after.name, "ready" if after.ready else "not ready"))
    return events


def pod_events(snapshots: Sequence[Snapshot]) -> list[PodEvent]:
    """Events between consecutive snapshots; the first snapshot is the starting state."""
    events: list[PodEvent] = []
    lost_nodes: set[str] = set()
    for (_, before), (time, after) in pairwise(snapshots):
        for name in sorted(set(before) - set(after)):
            events.append(PodEvent(time, name, "gone", f"was on {before[name].node}"))
            if before[name].node:
                lost_nodes.add(before[name].node)
        for name in sorted(set(after) - set(before)):
            events.append(_arrival(time, after[name], lost_nodes))
            if after[name].ready:
                events.append(PodEvent(time, name, "ready"))
        for name in sorted(set(before) & set(after)):
            events.extend(_changes(time, before[name], after[name]))
    return events


@dataclass(frozen=True)
class PodSummary:
    """Counts over a timeline, and how long replacements took to become Ready."""

    gone: int
    created: int
    rescheduled: int
    restarts: int
    seconds_to_ready: list[float]


def summarise(events: Sequence[PodEvent]) -> PodSummary:
    kinds = [event.kind for event in events]
    arrived = {e.pod: e.time for e in events if e.kind in ("created", "rescheduled")}
    ready = {}
    for event in events:
        if event.kind == "ready" and event.pod in arrived and event.pod not in ready:
            ready[event.pod] = event.time - arrived[event.pod]
    return PodSummary(
        gone=kinds.count("gone"),
        created=kinds.count("created") + kinds.count("rescheduled"),
        rescheduled=kinds.count("rescheduled"),
        restarts=kinds.count("restarted"),
        seconds_to_ready=[ready[pod] for pod in sorted(ready)],
    )


@dataclass(frozen=True)
class Readiness:
    """Ready target pods as the API showed them at every poll (about once a second): a dip far
    shorter than Prometheus' scrape interval, invisible in its series, shows here."""

    before: int  # ready pods at injection: the count to get back to
    lowest: int
    lowest_at: float | None
    # longest stretch with fewer ready pods than `before` (or than exist, if fewer exist)
    longest_dip_seconds: float
    back: bool  # as many ready pods as before (or as exist) at the last poll

    def ok(self, max_unready_seconds: float) -> bool:
        return self.back and self.longest_dip_seconds <= max_unready_seconds


def _ready_count(pods: Mapping[str, PodState]) -> int:
    return sum(1 for pod in pods.values() if pod.ready and not pod.terminating)


def _live_count(pods: Mapping[str, PodState]) -> int:
    return sum(1 for pod in pods.values() if not pod.terminating)


def readiness(snapshots: Sequence[Snapshot], chaos_start: float) -> Readiness | None:
    """Ready pods from injection on, against the count at injection; None without polls.

    The count to be back to is the one at injection, or fewer while fewer pods exist: an
    autoscaler scaling down (after cpu-stress, say) deletes pods and creates none, and that is
    capacity no longer needed, not capacity lost (seen on the lab: a 6 -> 3 scale-down read as a
    208 s dip). A killed or failed pod is replaced or stays, so it still counts until Ready.
    """
    before = [s for s in snapshots if s[0] <= chaos_start]
    after = [
        (t, _ready_count(pods), _live_count(pods)) for t, pods in snapshots if t >= chaos_start
    ]
    if not after:
        return None
    start = _ready_count(before[-1][1]) if before else after[0][1]
    lowest_at, lowest, _ = min(after, key=lambda point: point[1])
    longest, dip_start = 0.0, None
    for t, count, live in after:
        short = count < min(start, live)
        if short and dip_start is None:
            dip_start = t
        elif not short and dip_start is not None:
            longest, dip_start = max(longest, t - dip_start), None
    if dip_start is not None:
        longest = max(longest, after[-1][0] - dip_start)
    _, last_ready, last_live = after[-1]
    return Readiness(start, lowest, lowest_at if lowest < start else None, longest,
                     last_ready >= min(start, last_live))  # fmt: skip
