"""Fixtures of the chaos tests: the experiment files, the rendered chaos overlay and the Workflow
run on demand (`make chaos-workflow`)."""

from __future__ import annotations

import pytest
import scheduling
import yaml

from tests.chaos.chaos_mesh import CHAOS_OVERLAY, load_experiments
from tests.support.render import render
from tests.support.validate import CHAOS_MESH_API_VERSION


@pytest.fixture(scope="session")
def experiments() -> dict:
    """chaos/experiments/<stem>.yaml -> (path, object)."""
    return load_experiments()


@pytest.fixture(scope="session")
def chaos_overlay() -> list[dict]:
    """Every object `kubectl kustomize kustomize/overlays/chaos` renders."""
    return render(CHAOS_OVERLAY)


@pytest.fixture(scope="session")
def chaos_mesh_objects(chaos_overlay) -> list[dict]:
    """The Chaos Mesh objects of the rendered chaos overlay."""
    return [obj for obj in chaos_overlay if obj["apiVersion"] == CHAOS_MESH_API_VERSION]


@pytest.fixture(scope="session")
def workflow_run() -> dict:
    """The Workflow `make chaos-workflow` creates (scheduled/workflow.yaml of the overlay)."""
    return yaml.safe_load(scheduling.WORKFLOW_FILE.read_text())
