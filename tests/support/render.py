"""Render kustomize trees with `kubectl kustomize` and pick objects out of the result."""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
KUSTOMIZE = REPO / "kustomize"
BASE = KUSTOMIZE / "base"
# Every overlay a user can apply: each folder under kustomize/overlays with a kustomization.yaml.
OVERLAYS: list[Path] = sorted(
    path.parent for path in (KUSTOMIZE / "overlays").glob("*/kustomization.yaml")
)


@functools.cache
def _render_cached(path: Path) -> tuple[dict, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is not installed; it renders the kustomize trees")
    result = subprocess.run(
        [kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {path} failed:\n{result.stderr.strip()}")
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def render(path: str | Path) -> list[dict]:
    """All objects `kubectl kustomize path` renders (rendered once per session, copied per call)."""
    return copy.deepcopy(list(_render_cached(Path(path).resolve())))


def overlay(name: str) -> Path:
    """The folder of the overlay `name` (e.g. "kind"), under kustomize/overlays."""
    return KUSTOMIZE / "overlays" / name


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    """The objects of one `kind` (e.g. "Deployment"), in render order."""
    return [obj for obj in objects if obj.get("kind") == kind]


def by_name(objects: list[dict], kind: str, name: str) -> dict:
    """The one object of `kind` called `name`."""
    matches = [obj for obj in by_kind(objects, kind) if obj["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one {kind} {name}, found {len(matches)}"
    return matches[0]


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


def pod_templates(objects: list[dict]) -> list[tuple[dict, dict]]:
    """(workload, pod template) for every object that creates pods, CronJobs and bare Pods too."""
    found = []
    for obj in objects:
        kind = obj.get("kind")
        if kind in WORKLOAD_KINDS:
            found.append((obj, obj["spec"]["template"]))
        elif kind == "CronJob":
            found.append((obj, obj["spec"]["jobTemplate"]["spec"]["template"]))
        elif kind == "Pod":
            found.append((obj, obj))
    return found
