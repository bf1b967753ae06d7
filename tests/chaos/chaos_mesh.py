"""What Chaos Mesh 2.8.3 accepts but its CRD schemas do not say: kinds, embedded keys, durations,
cron strings and pod selection, written down from its Go code for the tests of this folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from tests.support.render import REPO, overlay, pod_templates

EXPERIMENTS_DIR = REPO / "chaos" / "experiments"
CHAOS_OVERLAY = overlay("chaos")
NAMESPACE = "stock-monitoring"
MAX_NAME_LENGTH = 57  # Schedule and Workflow add suffixes to the names of what they create.

# Chaos kind -> the key that embeds its spec in a Schedule or a Workflow template.
CHAOS_KINDS = {
    "AWSChaos": "awsChaos",
    "AzureChaos": "azureChaos",
    "BlockChaos": "blockChaos",
    "DNSChaos": "dnsChaos",
    "GCPChaos": "gcpChaos",
    "HTTPChaos": "httpChaos",
    "IOChaos": "ioChaos",
    "JVMChaos": "jvmChaos",
    "KernelChaos": "kernelChaos",
    "NetworkChaos": "networkChaos",
    "PhysicalMachineChaos": "physicalmachineChaos",
    "PodChaos": "podChaos",
    "StressChaos": "stressChaos",
    "TimeChaos": "timeChaos",
}
SCHEDULE_TYPES = {**CHAOS_KINDS, "Workflow": "workflow"}
# Workflow templateType -> embedded key (None: the type embeds nothing).
TEMPLATE_TYPES = {
    **CHAOS_KINDS,
    "Task": "task",
    "Serial": None,
    "Parallel": None,
    "Suspend": None,
    "Schedule": "schedule",
    "StatusCheck": "statusCheck",
}
# The keys that embed a spec (a Schedule's own `schedule` key is its cron string, not one).
SCHEDULE_KEYS = frozenset(SCHEDULE_TYPES.values())
TEMPLATE_KEYS = frozenset(key for key in TEMPLATE_TYPES.values() if key)

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def parse_duration(text: str) -> timedelta:
    """A Go duration string (`30s`, `1m30s`, `1.5h`), as Chaos Mesh parses `duration`/`deadline`."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"duration {text!r} is not a non-empty string")
    position, seconds = 0, 0.0
    while position < len(text):
        match = _DURATION_PART.match(text, position)
        if match is None:
            raise ValueError(f"duration {text!r} is not a Go duration (e.g. 30s, 2m, 1h30m)")
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    return timedelta(seconds=seconds)


_CRON_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 6),
)


def _cron_field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = (int(part) for part in base.split("-", 1))
        else:
            start = int(base)
            end = high if step_text else start
        if not (low <= start <= end <= high) or step < 1:
            raise ValueError(f"cron {name} field {item!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


class Cron:
    """A standard five-field cron expression (numbers, `*`, ranges, steps and lists)."""

    def __init__(self, expression: str) -> None:
        fields = expression.split()
        if len(fields) != len(_CRON_FIELDS):
            raise ValueError(f"cron {expression!r} does not have five fields")
        if fields[2] != "*" and fields[4] != "*":
            # cron ORs the two day fields when both are set; keep schedules simple instead.
            raise ValueError(f"cron {expression!r} restricts both day of month and weekday")
        try:
            self.fields = [
                _cron_field(text, name, low, high)
                for text, (name, low, high) in zip(fields, _CRON_FIELDS, strict=True)
            ]
        except ValueError as error:
            raise ValueError(f"cron {expression!r}: {error}") from None

    def matches(self, moment: datetime) -> bool:
        minute, hour, day, month, weekday = self.fields
        return (
            moment.minute in minute
            and moment.hour in hour
            and moment.day in day
            and moment.month in month
            and (moment.isoweekday() % 7) in weekday
        )

    def runs(self, start: datetime, span: timedelta) -> Iterator[datetime]:
        """Every minute in [start, start + span) at which the expression fires."""
        moment = start.replace(second=0, microsecond=0)
        while moment < start + span:
            if self.matches(moment):
                yield moment
            moment += timedelta(minutes=1)


def load_experiments() -> dict[str, tuple[Path, dict]]:
    """Every chaos/experiments/*.yaml by file stem: (path, the object it holds)."""
    return {
        path.stem: (path, yaml.safe_load(path.read_text()))
        for path in sorted(EXPERIMENTS_DIR.glob("*.yaml"))
    }


def _selects(selector: dict, namespace: str, labels: dict[str, str]) -> bool:
    if namespace not in selector.get("namespaces", []):
        return False
    return all(
        labels.get(key) == value for key, value in selector.get("labelSelectors", {}).items()
    )


def selected_workloads(selector: dict, objects: list[dict]) -> set[tuple[str, str]]:
    """(namespace, workload) pairs whose pods `selector` selects."""
    selected = set()
    for workload, template in pod_templates(objects):
        namespace = workload["metadata"].get("namespace", "")
        if _selects(selector, namespace, template["metadata"].get("labels", {})):
            selected.add((namespace, workload["metadata"]["name"]))
    return selected
