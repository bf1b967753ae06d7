"""The command line every generator shares: write its files, or with --check only say which
committed ones are out of date (what the tests guard), naming the make target that fixes them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _name(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def command_line(
    description: str,
    generate: Callable[[], Mapping[Path, str]],
    remedy: str,
    argv: list[str] | None = None,
) -> int:
    """Run one generator: 0 when its files are (now) up to date, 1 for --check on stale files."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a committed file is not up to date"
    )
    args = parser.parse_args(argv)
    files = generate()
    stale = [path for path, text in files.items() if not path.is_file() or path.read_text() != text]
    for path in stale:
        if args.check:
            print(f"{_name(path)} is out of date: run '{remedy}'", file=sys.stderr)
        else:
            path.write_text(files[path])
            print(f"wrote {_name(path)}")
    if not stale:
        print(f"up to date: {', '.join(_name(path) for path in files)}")
    return 1 if stale and args.check else 0
