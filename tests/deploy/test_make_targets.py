"""The cluster targets in mk/cluster.mk: listed in `make help`, failing fast without tools,
aimed only at the chosen context (kind's by default, KUBE_CONTEXT from the command line or the
environment), with the Gateway API CRDs and the gateway controller from pinned releases."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.render import REPO

TARGETS = ["tools", "cluster", "gateway", "deploy", "up", "urls", "status", "logs", "down"]
TOOLS = ["docker", "kind", "kubectl"]
CLUSTER_TARGETS = ["gateway", "deploy", "status", "logs"]


def make(
    *args: str,
    path: str | None = None,
    kubeconfig: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run make in the repository, optionally with another PATH, KUBECONFIG or variables."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("KUBE_CONTEXT", "CHAOS")
    }
    if path is not None:
        environment["PATH"] = path
    if kubeconfig is not None:
        environment["KUBECONFIG"] = str(kubeconfig)
    environment.update(env or {})
    return subprocess.run(
        [shutil.which("make") or "make", "-C", str(REPO), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


@pytest.fixture
def bare_path(tmp_path: Path) -> str:
    """A PATH with only a shell on it: none of the cluster tools."""
    (tmp_path / "bash").symlink_to(shutil.which("bash"))
    return str(tmp_path)


def calls_of(commands: str, tool: str) -> list[str]:
    """Every `tool ...` invocation `make -n` prints, not the `command -v tool` checks."""
    lines = [line for line in commands.splitlines() if "command -v" not in line]
    return [call for line in lines for call in re.findall(rf"\b{tool}\b[^;|]*", line)]


@pytest.mark.parametrize("target", TARGETS)
def test_make_help_lists_the_target(target):
    assert re.search(rf"^\s*\S*{target}\S*\s+\S", make("help").stdout, re.MULTILINE)


def test_tools_fails_and_names_every_missing_tool_with_a_hint(bare_path):
    result = make("tools", path=bare_path)
    assert result.returncode != 0
    for tool in TOOLS:
        assert re.search(rf"missing: {tool} -> https://", result.stderr)


def test_tools_asks_for_helm_naming_the_steps_that_need_it(bare_path):
    result = make("tools", path=bare_path)
    assert (
        "missing: helm -> needed by 'make gateway' (NGINX Gateway Fabric chart): https://"
        in result.stderr
    )
    with_chaos = make("tools", "CHAOS=1", path=bare_path)
    assert (
        "needed by 'make gateway' (NGINX Gateway Fabric chart) and "
        "'make chaos-mesh' (Chaos Mesh chart)" in with_chaos.stderr
    )


@pytest.mark.parametrize("target", ["cluster", "down"])
def test_cluster_targets_fail_fast_without_kind(bare_path, target):
    result = make(target, path=bare_path)
    assert result.returncode != 0
    assert "'kind' is not installed" in result.stderr


def test_gateway_fails_fast_without_helm_and_says_why(tmp_path):
    # kubectl present (a stub), helm absent: the message names the step and the chart.
    (tmp_path / "bash").symlink_to(shutil.which("bash"))
    (tmp_path / "kubectl").write_text("#!/bin/sh\nexit 0\n")
    (tmp_path / "kubectl").chmod(0o755)
    result = make("gateway", path=str(tmp_path))
    assert result.returncode != 0
    assert "'make gateway' installs the NGINX Gateway Fabric chart with Helm" in result.stderr


@pytest.mark.parametrize("target", ["deploy", "status", "logs"])
def test_cluster_targets_fail_fast_without_a_cluster(tmp_path, target):
    # An empty kubeconfig: whatever cluster this machine knows is out of reach of the test.
    empty = tmp_path / "kubeconfig"
    empty.write_text("")
    result = make(target, kubeconfig=empty)
    assert result.returncode != 0
    assert "no cluster answers at context kind-stockwatch" in result.stderr


@pytest.mark.parametrize("target", CLUSTER_TARGETS)
def test_every_kubectl_call_names_the_kind_context(target):
    calls = calls_of(make("-n", target).stdout, "kubectl")
    assert calls
    assert [call for call in calls if "--context kind-stockwatch" not in call] == []


def test_every_helm_call_names_the_kind_context():
    calls = calls_of(make("-n", "gateway").stdout, "helm")
    assert calls
    assert [call for call in calls if "--kube-context kind-stockwatch" not in call] == []


@pytest.mark.parametrize("target", CLUSTER_TARGETS)
def test_kube_context_from_the_environment_wins_over_the_default(target):
    # Issue 11: `KUBE_CONTEXT=default make ...` used to lose to the Makefile's own value.
    calls = calls_of(make("-n", target, env={"KUBE_CONTEXT": "default"}).stdout, "kubectl")
    assert calls
    assert [call for call in calls if "--context default" not in call] == []


def test_kube_context_on_the_command_line_still_works():
    calls = calls_of(make("-n", "status", "KUBE_CONTEXT=lab").stdout, "kubectl")
    assert calls
    assert all("--context lab" in call for call in calls)


def test_an_empty_kube_context_falls_back_to_the_kind_cluster():
    # Never an empty --context: kubectl would then use whatever context happens to be current.
    calls = calls_of(make("-n", "status", env={"KUBE_CONTEXT": ""}).stdout, "kubectl")
    assert calls
    assert all("--context kind-stockwatch" in call for call in calls)


def test_kind_cluster_from_the_environment_names_the_context():
    calls = calls_of(make("-n", "status", env={"KIND_CLUSTER": "other"}).stdout, "kubectl")
    assert calls
    assert all("--context kind-other" in call for call in calls)


def test_the_lab_runner_gets_kube_context_from_the_environment():
    commands = make("-n", "experiment", "NAME=pod-kill", env={"KUBE_CONTEXT": "default"}).stdout
    assert "CHAOSLAB_KUBE_CONTEXT=${CHAOSLAB_KUBE_CONTEXT:-default}" in commands


def test_gateway_api_crds_come_from_a_released_standard_channel_install():
    commands = make("-n", "gateway").stdout
    assert re.search(
        r"kubectl --context \S+ apply --server-side -f "
        r"'https://github\.com/kubernetes-sigs/gateway-api/releases/download/v\d+\.\d+\.\d+/"
        r"standard-install\.yaml'",
        commands,
    )


def test_the_gateway_controller_is_a_pinned_chart_version_with_the_repository_values():
    commands = " ".join(make("-n", "gateway").stdout.split())
    assert re.search(
        r"helm --kube-context \S+ upgrade --install \S+ oci://ghcr\.io/nginx/charts/"
        r"nginx-gateway-fabric --version \d+\.\d+\.\d+ .*-f kind/nginx-gateway-fabric-values\.yaml",
        commands,
    )


def test_deploy_waits_until_the_gateway_is_programmed():
    commands = " ".join(make("-n", "deploy").stdout.split())
    assert re.search(r"-n gateway wait gateway/stockwatch --for=condition=Programmed", commands), (
        commands
    )


def test_up_runs_every_step_in_order():
    commands = " ".join(make("-n", "up").stdout.split())
    assert "for step in tools cluster gateway images deploy urls;" in commands


def test_up_with_chaos_adds_chaos_mesh_and_the_lab_before_the_urls():
    commands = " ".join(make("-n", "up", "CHAOS=1").stdout.split())
    steps = "tools cluster gateway images deploy chaos-mesh chaos-deploy urls"
    assert f"for step in {steps};" in commands


def test_nothing_installs_ingress_nginx_any_more():
    for target in ["up", "gateway", "deploy"]:
        assert "ingress-nginx" not in make("-n", target).stdout
    retired = make("ingress")
    assert retired.returncode != 0
    assert "make gateway" in retired.stderr


def test_images_fall_back_to_a_single_platform_archive_when_kind_load_fails():
    # Issue 20, item 3: `kind load docker-image` fails on Docker's containerd image store (kind
    # #3795); kind's documented way round it is a one-platform `docker image save` + image-archive.
    commands = " ".join(make("-n", "images").stdout.replace("\\\n", " ").split())
    load = re.search(r"kind load docker-image --name 'stockwatch' (.*?) \|\| \{(.*?); \}", commands)
    assert load, commands
    images, fallback = load[1].split(), load[2]
    assert images == ["stockwatch/backend:dev", "stockwatch/webui:dev", "stockwatch/loadgen:dev"]
    save = re.search(r'docker image save --platform (".*?") --output \'(\S+)\' (.*?) &&', fallback)
    assert save and save[3].split() == images
    assert "{{.Server.Os}}/{{.Server.Arch}}" in save[1]
    assert f"kind load image-archive --name 'stockwatch' '{save[2]}'" in fallback


def test_compose_up_runs_under_the_compose_command_given(bare_path):
    # Issue 20, item 10: COMPOSE=podman-compose must not ask for Docker.
    result = make("compose-up", "COMPOSE=podman-compose", path=bare_path)
    assert result.returncode != 0
    assert "'podman-compose' is not installed" in result.stderr
    assert (
        "podman-compose up --build --detach --wait"
        in make("-n", "compose-up", "COMPOSE=podman-compose").stdout
    )
