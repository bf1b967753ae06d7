"""A fresh clone's first `make test` (issue 20, item 5): the targets that run Python create the
virtualenv themselves and refresh it when the lock changes, `make test` checks the Debian packages
first (installing them as root, otherwise naming the one command that does), and every
mk/<area>.mk reads only names from mk/prelude.mk or itself (issue 18)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.render import REPO

MAKE = shutil.which("make") or "make"
PACKAGES_SCRIPT = ".ci/debian-packages.sh"
AREAS = sorted(path for path in (REPO / "mk").glob("*.mk") if path.name != "prelude.mk")
VENV_CREATE = "python3 -m venv .venv"
LOCK_INSTALL = ".venv/bin/python -m pip install --quiet -r requirements/dev.txt"


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """What `git clone` gives a new user as far as make is concerned: no .venv, no artifacts."""
    for name in ["Makefile", "mk", "requirements", ".ci"]:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy2(source, tmp_path / name)
    return tmp_path


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A temporary directory another user (nobody) can read, unlike pytest's tmp_path."""
    with tempfile.TemporaryDirectory() as name:
        os.chmod(name, 0o755)  # noqa: S103 - nobody reads the stand-in dpkg from here
        yield Path(name)


def dry_run(directory: Path, *args: str) -> str:
    result = subprocess.run(
        [MAKE, "-C", str(directory), "-n", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_test_in_a_fresh_clone_creates_the_virtualenv_before_any_suite(clone):
    commands = dry_run(clone, "test")
    assert "run 'make setup' first" not in commands
    assert VENV_CREATE in commands and LOCK_INSTALL in commands
    first_suite = re.search(r"\.venv/bin/pytest |-m pytest ", commands)
    assert first_suite and commands.index(VENV_CREATE) < first_suite.start()
    assert commands.index(LOCK_INSTALL) < commands.index("ruff check")


def test_make_test_checks_the_system_packages_before_anything_else(clone):
    commands = dry_run(clone, "test")
    assert commands.index(PACKAGES_SCRIPT) < commands.index(VENV_CREATE)
    assert f"{PACKAGES_SCRIPT} --without podman" in dry_run(clone, "test", "IMAGES_RUN=skip")


@pytest.mark.parametrize(
    "target", ["experiment NAME=pod-kill", "lab", "lab-list", "webui-run", "dev", "loadgen"]
)
def test_targets_that_run_python_bring_the_virtualenv_up_themselves(clone, target):
    commands = dry_run(clone, *target.split())
    assert "run 'make setup' first" not in commands
    assert ".venv/.stamp" in commands


def test_the_virtualenv_is_refreshed_when_the_lock_changes(clone):
    python = clone / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    stamp = clone / ".venv" / ".stamp"
    stamp.touch()
    lock = clone / "requirements" / "dev.txt"
    os.utime(lock, (stamp.stat().st_mtime - 60,) * 2)
    assert LOCK_INSTALL not in dry_run(clone, "lint")

    os.utime(lock, (stamp.stat().st_mtime + 60,) * 2)
    refreshed = dry_run(clone, "lint")
    assert LOCK_INSTALL in refreshed
    # The existing interpreter is kept: only the packages are brought up to the new lock.
    assert "refreshing .venv" in refreshed


def test_ci_run_installs_through_the_same_script_make_test_uses():
    ci_run = (REPO / ".ci" / "run").read_text()
    assert PACKAGES_SCRIPT in ci_run
    assert "apt-get" not in ci_run
    assert "make test" in ci_run


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0, reason="needs setpriv")
def test_a_user_without_the_packages_is_told_the_one_command_that_installs_them(shared_dir):
    # dpkg is the outside boundary here: a stand-in that knows no package, so every one is missing
    # whatever this machine has installed.
    tmp_path = shared_dir
    (tmp_path / "dpkg").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "dpkg").chmod(0o755)
    command = [str(REPO / PACKAGES_SCRIPT), "--without", "podman"]
    if os.geteuid() == 0:  # the non-root path: run it as nobody
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    missing = re.search(r"missing Debian packages: (.*)", result.stderr)
    assert missing and {"prometheus", "chromium", "python3-venv"} <= set(missing[1].split())
    assert "podman" not in missing[1]
    assert f"install them with: sudo {REPO / PACKAGES_SCRIPT} --without podman" in result.stderr


def assigned_names(makefile: Path) -> set[str]:
    assignment = r"^(?:override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::|::|\?|\+)?="
    return set(re.findall(assignment, makefile.read_text(), re.M))


@pytest.mark.parametrize("area", AREAS, ids=lambda path: path.name)
def test_each_area_reads_only_the_prelude_and_itself(area):
    # Every target of the area, dry-run with the prelude alone: a name that only another area
    # defines shows up as an undefined variable.
    targets = re.findall(r"^([a-zA-Z0-9_.-]+):.*## ", area.read_text(), re.M)
    others = set().union(*(assigned_names(path) for path in AREAS if path != area))
    own = assigned_names(area) | assigned_names(REPO / "mk" / "prelude.mk")
    borrowed = others - own
    files = ["-f", "mk/prelude.mk", "-f", f"mk/{area.name}"]
    result = subprocess.run(
        [MAKE, "-C", str(REPO), "-n", "--warn-undefined-variables", *files, *targets, "NAME=x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    undefined = set(re.findall(r"undefined variable '([^']+)'", result.stderr))
    assert not undefined & borrowed, f"{area.name} uses {undefined & borrowed} from another area"
