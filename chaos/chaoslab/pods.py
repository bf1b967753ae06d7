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
