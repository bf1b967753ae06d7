"""The cluster targets in mk/cluster.mk: listed in `make help`, failing fast without tools,
aimed only at the kind cluster's context, pinned to a released ingress-nginx."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.render import REPO

TARGETS = ["tools", "cluster", "ingress", "deploy", "up", "urls", "status", "logs", "down"]
TOOLS = ["docker", "kind", "kubectl", "helm"]


def make(
    *args: str, path: str | None = None, kubeconfig: Path | None = None
) -> subprocess.CompletedProcess:
    """Run make in the repository, optionally with another PATH or KUBECONFIG."""
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    if kubeconfig is not None:
        env["KUBECONFIG"] = str(kubeconfig)
    return subprocess.run(
        [shutil.which("make") or "make", "-C", str(REPO), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def bare_path(tmp_path: Path) -> str:
    """A PATH with only a shell on it: none of the cluster tools."""
    (tmp_path / "bash").symlink_to(shutil.which("bash"))
    return str(tmp_path)


@pytest.mark.parametrize("target", TARGETS)
def test_make_help_lists_the_target(target):
    assert re.search(rf"^\s*\S*{target}\S*\s+\S", make("help").stdout, re.MULTILINE)


def test_tools_fails_and_names_every_missing_tool_with_a_hint(bare_path):
    result = make("tools", path=bare_path)
    assert result.returncode != 0
    for tool in TOOLS:
        assert re.search(rf"missing: {tool} -> https://", result.stderr)


@pytest.mark.parametrize("target", ["cluster", "down"])
def test_cluster_targets_fail_fast_without_kind(bare_path, target):
    result = make(target, path=bare_path)
    assert result.returncode != 0
    assert "'kind' is not installed" in result.stderr


@pytest.mark.parametrize("target", ["ingress", "deploy", "status", "logs"])
def test_cluster_targets_fail_fast_without_a_cluster(tmp_path, target):
    # An empty kubeconfig: whatever cluster this machine knows is out of reach of the test.
    empty = tmp_path / "kubeconfig"
    empty.write_text("")
    result = make(target, kubeconfig=empty)
    assert result.returncode != 0
    assert "no cluster answers at context kind-stockwatch" in result.stderr


@pytest.mark.parametrize("target", ["ingress", "deploy", "status", "logs"])
def test_every_kubectl_call_names_the_kind_context(target):
    # Lines of `make -n` that run kubectl, not the `command -v kubectl` prerequisite checks.
    lines = [line for line in make("-n", target).stdout.splitlines() if "command -v" not in line]
    calls = [call for line in lines for call in re.findall(r"\bkubectl\b[^;|]*", line)]
    assert calls
    assert [call for call in calls if "--context kind-stockwatch" not in call] == []


def test_ingress_nginx_comes_from_a_released_controller_tag():
    commands = make("-n", "ingress").stdout
    assert re.search(
        r"https://raw\.githubusercontent\.com/kubernetes/ingress-nginx/controller-v\d+\.\d+\.\d+/"
        r"deploy/static/provider/kind/deploy\.yaml",
        commands,
    )


def test_up_runs_every_step_in_order():
    commands = " ".join(make("-n", "up").stdout.split())
    assert "for step in tools cluster ingress images deploy urls;" in commands


def test_up_with_chaos_adds_chaos_mesh_and_the_lab_before_the_urls():
    commands = " ".join(make("-n", "up", "CHAOS=1").stdout.split())
    steps = "tools cluster ingress images deploy chaos-mesh chaos-deploy urls"
    assert f"for step in {steps};" in commands
