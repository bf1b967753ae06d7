"""The images built once per session with podman, for the tests marked `containers`.

Knobs: IMAGES_CONTEXT, a build context holding the Dockerfiles (default: the repository; a copy
of the tree tries a broken recipe), IMAGES_TAG (default: dev). podman's host options: podman.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.images import podman
from tests.images.recipe import SERVICES
from tests.support.render import REPO

BASE_SCRIPT = REPO / ".ci" / "images" / "base-image.sh"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "containers: builds or runs the images with podman (make test-images)"
    )


def _preflight() -> None:
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: apt-get install podman buildah uidmap", False)
    runtime = podman.options("PODMAN_GLOBAL_OPTIONS")
    if "--runtime" in runtime and shutil.which(runtime[runtime.index("--runtime") + 1]) is None:
        pytest.fail(f"PODMAN_GLOBAL_OPTIONS names a runtime not installed: {runtime}", False)


@pytest.fixture(scope="session")
def images() -> dict[str, str]:
    """Image tag per service, each built from its Dockerfile unchanged on the local base."""
    _preflight()
    # The stand-in base (a Debian debootstrap) unless the base image is there already.
    subprocess.run(["bash", str(BASE_SCRIPT)], check=True)
    context = Path(os.environ.get("IMAGES_CONTEXT", REPO)).resolve()
    tag = os.environ.get("IMAGES_TAG", "dev")
    tags = {service: f"localhost/stockwatch/{service}:{tag}" for service in SERVICES}
    started = time.monotonic()
    # Side by side: each build mostly waits for PyPI.
    with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
        results = {s: pool.submit(podman.build, s, tags[s], context) for s in SERVICES}
    failed = {s: r.result() for s, r in results.items() if r.result().returncode != 0}
    if failed:
        pytest.fail(
            "\n\n".join(
                f"Dockerfile.{s} does not build (last lines of the build log):\n"
                f"{podman.tail(result, 40)}"
                for s, result in failed.items()
            )
            + f"\n{podman.HOST_OPTIONS_HINT}",
            False,
        )
    print(f"built {', '.join(tags.values())} in {time.monotonic() - started:.0f}s")
    return tags


@pytest.fixture(scope="module")
def network() -> podman.Network:
    """A podman network for one module's containers; they are removed with it."""
    network = podman.Network().create()
    yield network
    network.remove()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed test shows the logs of the containers it had running."""
    report = yield
    network = getattr(item, "funcargs", {}).get("network")
    if report.failed and isinstance(network, podman.Network):
        for container in network.containers:
            report.sections.append((f"logs of {container.name}", container.logs()))
    return report
