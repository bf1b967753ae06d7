"""How every benchmark ends: its checks printed as ok or MISS, its figures written as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from tests.support.servers import REPO

Check = tuple[str, bool]  # what was checked, and whether it held


def print_checks(checks: Sequence[Check]) -> bool:
    """Print one line per check; True when every check held."""
    print()
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    return all(ok for _, ok in checks)


def write_figures(path: Path, figures: object) -> None:
    """Write the figures to `path` (under artifacts/) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nwritten: {path.relative_to(REPO)}")
