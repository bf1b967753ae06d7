"""The chaos make targets call kubectl in a safe order (a stand-in kubectl records the calls)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.render import REPO

# Stand-in for kubectl at the Kubernetes API boundary: it logs its arguments, says the Chaos
# Mesh CRDs exist and that one Schedule exists, and succeeds.
FAKE_KUBECTL = """#!/bin/sh
echo "$*" >> "$KUBECTL_LOG"
case "$*" in
  *"get schedules.chaos-mesh.org -o name"*) echo schedule.chaos-mesh.org/pod-kill-hourly ;;
esac
exit 0
"""


@pytest.fixture
def make_with_fake_kubectl(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "kubectl.log"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "KUBECTL_LOG": str(log)}

    def run(*args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
        result = subprocess.run(
            ["make", "--no-print-directory", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        calls = log.read_text().splitlines() if log.exists() else []
        return result, calls

    return run


def _index(calls: list[str], *fragments: str) -> int:
    return next(i for i, call in enumerate(calls) if all(f in call for f in fragments))


def test_chaos_stop_pauses_schedules_before_deleting_anything(make_with_fake_kubectl):
    result, calls = make_with_fake_kubectl("chaos-stop")

    assert result.returncode == 0, result.stderr
    assert all("--context kind-stockwatch" in call for call in calls)
    pause = _index(calls, "annotate", "experiment.chaos-mesh.org/pause=true", "pod-kill-hourly")
    delete_schedules = _index(calls, "delete", "schedules.chaos-mesh.org")
    delete_experiments = _index(calls, "delete", "podchaos.chaos-mesh.org", "networkchaos")
    assert pause < delete_schedules < delete_experiments
    assert all("-n stock-monitoring" in calls[i] for i in (pause, delete_experiments))


def test_chaos_apply_replaces_the_named_experiment(make_with_fake_kubectl):
    result, calls = make_with_fake_kubectl("chaos-apply", "NAME=pod-kill")

    assert result.returncode == 0, result.stderr
    delete = _index(calls, "delete", "-f chaos/experiments/pod-kill.yaml")
    create = _index(calls, "create", "-f chaos/experiments/pod-kill.yaml")
    assert delete < create
    assert "Watch:" in result.stdout


def test_chaos_apply_without_a_known_name_fails_listing_the_experiments(make_with_fake_kubectl):
    result, calls = make_with_fake_kubectl("chaos-apply", "NAME=no-such-thing")

    assert result.returncode != 0
    assert "pod-kill" in result.stderr and "network-delay" in result.stderr
    assert calls == []


def test_chaos_workflow_creates_one_new_run_and_deletes_nothing(make_with_fake_kubectl):
    result, calls = make_with_fake_kubectl("chaos-workflow")

    assert result.returncode == 0, result.stderr
    create = calls[_index(calls, "create")]
    assert create.endswith("create -f kustomize/overlays/chaos/scheduled/workflow.yaml")
    assert "--context kind-stockwatch" in create
    assert not [call for call in calls if " delete " in f" {call} " or " apply " in f" {call} "]
    assert "can overlap" in result.stdout
