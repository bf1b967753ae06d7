"""Rendered kustomize trees as fixtures: one parameter per tree a user can apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.render import BASE, OVERLAYS, REPO, render

# The base on its own plus every overlay (each overlay composes the components it switches on).
TREES: list[Path] = [BASE, *OVERLAYS]


def tree_id(path: Path) -> str:
    return path.relative_to(REPO / "kustomize").as_posix()


@pytest.fixture(params=TREES, ids=tree_id)
def tree(request: pytest.FixtureRequest) -> Path:
    """A kustomize tree (base or overlay)."""
    return request.param


@pytest.fixture
def objects(tree: Path) -> list[dict]:
    """Everything `kubectl kustomize` renders for `tree`."""
    return render(tree)


@pytest.fixture(scope="session")
def every_object() -> list[dict]:
    """The union of all overlays: the whole system, e.g. the load generator of the chaos overlay."""
    seen: dict[tuple, dict] = {}
    for overlay in OVERLAYS:
        for obj in render(overlay):
            key = (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
            seen.setdefault(key, obj)
    return list(seen.values())
