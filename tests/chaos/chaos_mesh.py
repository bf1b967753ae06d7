"""Facts about Chaos Mesh 2.8.3 the tests of this folder share: kinds and their embedded keys,
durations, the experiment files and which workloads a selector selects (its admission rules are
in admission.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from chaoslab.experiments import parse_duration
from scheduling import EMBED_KEYS

from tests.support.render import REPO, overlay, pod_templates
from tests.support.selectors import labels_match

EXPERIMENTS_DIR = REPO / "chaos" / "experiments"
CHAOS_OVERLAY = overlay("chaos")
NAMESPACE = "stock-monitoring"
MAX_NAME_LENGTH = 57  # Schedule and Workflow add suffixes to the names of what they create.

# Chaos kind -> the key that embeds its spec in a Schedule or a Workflow template.
CHAOS_KINDS = EMBED_KEYS
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


def seconds(duration: str) -> timedelta:
    """A Go duration (`30s`, `2m`) as a timedelta, parsed as the lab runner parses it."""
    return timedelta(seconds=parse_duration(duration))


def load_experiments() -> dict[str, tuple[Path, dict]]:
    """Every chaos/experiments/*.yaml by file stem: (path, the object it holds)."""
    return {
        path.stem: (path, yaml.safe_load(path.read_text()))
        for path in sorted(EXPERIMENTS_DIR.glob("*.yaml"))
    }


def _selects(selector: dict, namespace: str, labels: dict[str, str]) -> bool:
    """Chaos Mesh's PodSelectorSpec: its label and expression selectors are a LabelSelector's."""
    if namespace not in selector.get("namespaces", []):
        return False
    label_selector = {
        "matchLabels": selector.get("labelSelectors"),
        "matchExpressions": selector.get("expressionSelectors"),
    }
    return labels_match(label_selector, labels)


def selected_workloads(selector: dict, objects: list[dict]) -> set[tuple[str, str]]:
    """(namespace, workload) pairs whose pods `selector` selects."""
    selected = set()
    for workload, template in pod_templates(objects):
        namespace = workload["metadata"].get("namespace", "")
        if _selects(selector, namespace, template["metadata"].get("labels", {})):
            selected.add((namespace, workload["metadata"]["name"]))
    return selected
