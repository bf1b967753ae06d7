"""What the built images declare, and their size (podman; `make test-images`)."""

from __future__ import annotations

import pytest

from tests.images import podman
from tests.images.recipe import SERVICES

# The first test waits for the builds: minutes from nothing on a busy machine.
pytestmark = [pytest.mark.containers, pytest.mark.timeout(1200)]

# Uncompressed size on the stand-in base. backend carries pandas + numpy (yfinance) and
# curl_cffi's bundled libcurl; docs/images.md has the breakdown.
SIZE_BUDGET_MB = {"backend": 360, "webui": 250, "loadgen": 200}


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_runs_as_its_own_non_root_user(images, service):
    uid = podman.RUNTIME_UID
    assert podman.image_config(images[service]).get("User") == f"{uid}:{uid}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_has_a_healthcheck(images, service):
    assert podman.image_healthcheck(images[service]) is not None


@pytest.mark.parametrize("service", SERVICES)
def test_no_secret_is_baked_into_the_image_environment(images, service):
    env = podman.image_config(images[service]).get("Env") or []
    assert [entry.split("=")[0] for entry in env if "SECRET" in entry.upper()] == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_stays_within_its_size_budget(images, service):
    size = podman.image_size_mb(images[service])
    print(f"size: {images[service]} {size:.0f} MB (budget {SIZE_BUDGET_MB[service]} MB)")
    assert size <= SIZE_BUDGET_MB[service]
