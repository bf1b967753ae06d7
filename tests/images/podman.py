"""podman for the image tests: build the Dockerfiles, run the images as the cluster runs them.

The host's workarounds are configuration, read here and nowhere else (.ci/images/podman-host.env
holds the CI machine's; empty elsewhere):
  PODMAN_GLOBAL_OPTIONS     before every podman command (e.g. --runtime runc)
  PODMAN_CONTAINER_OPTIONS  for every container podman starts, in a build or a run (--ulimit ...)
  PODMAN_BUILD_OPTIONS      for `podman build` only (--volume of a CA bundle ...)
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.http import answers
from tests.support.polling import wait_for
from tests.support.servers import free_port

# Said with every podman failure: on a host like the CI machine, its options are the likely fix.
HOST_OPTIONS_HINT = (
    "(podman's host options are PODMAN_GLOBAL_OPTIONS, PODMAN_CONTAINER_OPTIONS and "
    "PODMAN_BUILD_OPTIONS; the CI machine's are in .ci/images/podman-host.env)"
)
RUNTIME_UID = "10001"
# Paths inside the containers that are writable in the cluster (emptyDir volumes).
WRITABLE = ("/tmp", "/run/metrics")
READY_DEADLINE_SECONDS = 90.0


def options(variable: str) -> list[str]:
    """The options one of the variables above holds, as podman's arguments."""
    return shlex.split(os.environ.get(variable, ""))


def podman(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run podman with the host's global options; AssertionError with its output on failure."""
    result = subprocess.run(
        ["podman", *options("PODMAN_GLOBAL_OPTIONS"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"`podman {' '.join(args[:2])} ...` failed:\n{tail(result, 40)}\n{HOST_OPTIONS_HINT}"
        )
    return result


def tail(result: subprocess.CompletedProcess, lines: int) -> str:
    return "\n".join((result.stdout + result.stderr).strip().splitlines()[-lines:])


def build(service: str, tag: str, context: Path) -> subprocess.CompletedProcess:
    """Build Dockerfile.<service> unchanged, from local images only; the result, whatever it is."""
    # docker format keeps HEALTHCHECK (the OCI image format has no field for it).
    args = ["--pull=never", *options("PODMAN_CONTAINER_OPTIONS"), "--format=docker"]
    args += [*options("PODMAN_BUILD_OPTIONS"), f"--tag={tag}"]
    dockerfile = context / f"Dockerfile.{service}"
    return podman("build", *args, f"--file={dockerfile}", str(context), check=False)


def image_config(tag: str) -> dict:
    return json.loads(podman("image", "inspect", "--format", "{{json .Config}}", tag).stdout)


def image_healthcheck(tag: str) -> dict | None:
    answer = podman("image", "inspect", "--format", "{{json .HealthCheck}}", tag).stdout
    return json.loads(answer or "null")


def image_size_mb(tag: str) -> float:
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout) / 1e6


@dataclass
class Container:
    """A container a test started, with its published loopback ports."""

    name: str
    ports: dict[int, int] = field(default_factory=dict)

    def url(self, container_port: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[container_port]}{path}"

    def running(self) -> bool:
        state = podman("inspect", "--format", "{{.State.Running}}", self.name, check=False)
        return state.stdout.strip() == "true"

    def logs(self, lines: int = 60) -> str:
        return tail(podman("logs", "--tail", str(lines), self.name, check=False), lines)

    def wait_until_ready(self, url: str) -> None:
        """Poll `url` until it answers 2xx; give up at once when the container exits."""

        def probe() -> str | None:
            if not self.running():
                raise AssertionError(f"{self.name} exited before {url} answered:\n{self.logs()}")
            return answers(url)

        wait_for(probe, READY_DEADLINE_SECONDS, f"{url} ready", interval=0.5)

    def process_users(self) -> list[str]:
        """The user column of `podman top` and the command line, one entry per process."""
        return podman("top", self.name, "user", "args").stdout.strip().splitlines()[1:]

    def changed_paths(self) -> set[str]:
        """Paths `podman diff` reports as added, changed or deleted in the root filesystem."""
        changes = json.loads(podman("diff", "--format", "json", self.name).stdout or "{}")
        return {path for kind in changes.values() for path in kind}


@dataclass
class Network:
    """A podman network and the containers started on it, all removed by `remove`."""

    suffix: str = field(default_factory=lambda: secrets.token_hex(3))
    containers: list[Container] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"stockwatch-check-{self.suffix}"

    def create(self) -> Network:
        podman("network", "create", self.name)
        return self

    def start(
        self, service: str, tag: str, env: Mapping[str, str], ports: Sequence[int]
    ) -> Container:
        """Run `tag` as the Deployment's restricted Pod Security profile runs it, reachable on
        the network as `service`: UID 10001, read-only root, tmpfs for the writable dirs."""
        container = Container(
            f"stockwatch-check-{service}-{self.suffix}", {port: free_port() for port in ports}
        )
        # podman has no systemd timer here for HEALTHCHECK: the tests run it once instead.
        args = ["run", "--detach", f"--name={container.name}"]
        args += options("PODMAN_CONTAINER_OPTIONS")
        args += [f"--user={RUNTIME_UID}:{RUNTIME_UID}", "--read-only", "--read-only-tmpfs=false"]
        args += ["--cap-drop=ALL", "--security-opt=no-new-privileges", "--health-interval=disable"]
        args += [f"--network={self.name}", f"--network-alias={service}"]
        for path in WRITABLE:
            args += ["--tmpfs", f"{path}:rw,nosuid,nodev"]
        for port, host_port in container.ports.items():
            args += ["--publish", f"127.0.0.1:{host_port}:{port}"]
        for key, value in env.items():
            args += ["--env", f"{key}={value}"]
        self.containers.append(container)
        podman(*args, tag)
        return container

    def remove(self) -> None:
        for container in self.containers:
            podman("rm", "--force", "--time", "5", container.name, check=False)
        podman("network", "rm", "--force", self.name, check=False)
