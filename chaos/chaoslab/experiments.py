"""The Chaos Mesh experiments the lab can run: chaos/experiments/<name>.yaml, one object each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

GROUP = "chaos-mesh.org"
VERSION = "v1alpha1"
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class ExperimentError(ValueError):
    """An experiment file the lab cannot run; the message names the file."""


def parse_duration(text: str) -> float:
    """Seconds in a Go duration as Chaos Mesh takes it ('30s', '2m', '1m30s')."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ExperimentError(f"'{text}' is not a duration like 30s, 2m or 1m30s")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


@dataclass(frozen=True)
class Experiment:
    """One Chaos Mesh object to create, with what the lab needs to know about it."""

    name: str
    kind: str
    namespace: str
    body: dict
    duration_seconds: float | None  # None for one-shot actions (pod-kill, container-kill)

    @property
    def plural(self) -> str:
        # Every *Chaos kind's plural is its lower-cased kind (podchaos, stresschaos, ...).
        return self.kind.lower()

    @property
    def action(self) -> str:
        return str(self.body.get("spec", {}).get("action", ""))

    def describe(self) -> str:
        """'PodChaos (pod-kill) stock-monitoring/pod-kill'."""
        action = f" ({self.action})" if self.action else ""
        return f"{self.kind}{action} {self.namespace}/{self.name}"


def load_experiment(path: Path) -> Experiment:
    """Read one experiment file and check it is a single namespaced Chaos Mesh object."""
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d]
    if len(documents) != 1:
        raise ExperimentError(f"{path}: expected one Chaos Mesh object, found {len(documents)}")
    body = documents[0]
    kind = str(body.get("kind", ""))
    if body.get("apiVersion") != f"{GROUP}/{VERSION}" or not kind.endswith("Chaos"):
        raise ExperimentError(f"{path}: not a {GROUP}/{VERSION} *Chaos object (kind '{kind}')")
    metadata = body.get("metadata") or {}
    if metadata.get("name") != path.stem:
        raise ExperimentError(f"{path}: metadata.name must be '{path.stem}'")
    if not metadata.get("namespace"):
        raise ExperimentError(f"{path}: metadata.namespace is required")
    duration = body.get("spec", {}).get("duration")
    return Experiment(
        name=path.stem,
        kind=kind,
        namespace=metadata["namespace"],
        body=body,
        duration_seconds=parse_duration(str(duration)) if duration else None,
    )


def available(directory: Path) -> list[str]:
    """Names of the experiments in `directory`, sorted."""
    return sorted(path.stem for path in directory.glob("*.yaml"))


def resolve(directory: Path, names: list[str]) -> list[Experiment]:
    """Load the named experiments; fail with the list of known names on a typo."""
    known = available(directory)
    missing = [name for name in names if name not in known]
    if missing:
        raise ExperimentError(
            f"unknown experiment(s) {', '.join(missing)}; known in {directory}: {', '.join(known)}"
        )
    return [load_experiment(directory / f"{name}.yaml") for name in names]
