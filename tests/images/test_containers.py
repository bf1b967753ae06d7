"""The images run as the cluster runs them (podman; `make test-images`): UID 10001, read-only root,
tmpfs for the writable dirs, no capabilities, exactly the environment the rendered overlay gives
each container, the webui and the load generator reaching the backend by its Service name.

Two deviations from the cluster: PRICE_PROVIDER=simulated, so no test calls Yahoo (the auto
provider's stack is checked to import instead), and the load generator's webui URL names port 8080,
as no Service fronts the container here.
"""

from __future__ import annotations

import re

import pytest

from tests.images import podman
from tests.images.podman import RUNTIME_UID, WRITABLE, Container
from tests.support.cluster_env import deployment_env
from tests.support.http import get, get_json
from tests.support.metrics import sample_sum, samples, scrape
from tests.support.polling import wait_for
from tests.support.render import overlay, render

# The first test waits for the builds: minutes from nothing on a busy machine.
pytestmark = [pytest.mark.containers, pytest.mark.timeout(1200)]

APP_PORTS = {"backend": 8000, "webui": 8080}
METRICS_PORT = 9000
LOADGEN_REQUESTS = "stockwatch_loadgen_requests_total"
# Mount points podman itself creates in every container (network files, its marker file).
PODMAN_MOUNT_POINTS = frozenset(
    {"/etc", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/run", "/run/.containerenv"}
)


def cluster_env(service: str) -> dict[str, str]:
    """The env the overlay that deploys `service` gives its container (ConfigMap, Secret)."""
    return deployment_env(render(overlay("chaos" if service == "loadgen" else "kind")), service)


def start_django_service(network, images, service: str, env: dict[str, str]) -> Container:
    container = network.start(service, images[service], env, (APP_PORTS[service], METRICS_PORT))
    container.wait_until_ready(container.url(APP_PORTS[service], "/readyz"))
    return container


@pytest.fixture(scope="module")
def backend_env() -> dict[str, str]:
    return {**cluster_env("backend"), "PRICE_PROVIDER": "simulated"}


@pytest.fixture(scope="module")
def backend(images, network, backend_env) -> Container:
    return start_django_service(network, images, "backend", backend_env)


@pytest.fixture(scope="module")
def webui(images, network, backend) -> Container:
    """The webui with the ConfigMap's BACKEND_URL, which names the backend container."""
    return start_django_service(network, images, "webui", cluster_env("webui"))


@pytest.fixture(scope="module")
def loadgen(images, network, backend, webui) -> Container:
    env = {**cluster_env("loadgen"), "LOADGEN_WEBUI_URL": "http://webui:8080"}
    container = network.start("loadgen", images["loadgen"], env, (METRICS_PORT,))
    container.wait_until_ready(container.url(METRICS_PORT, "/metrics"))
    return container


@pytest.fixture(scope="module")
def containers(backend, webui, loadgen) -> dict[str, Container]:
    return {"backend": backend, "webui": webui, "loadgen": loadgen}


@pytest.fixture(scope="module")
def watchlist(backend_env) -> list[str]:
    return backend_env["WATCHLIST"].split(",")


@pytest.mark.parametrize("service", APP_PORTS)
def test_the_service_is_healthy(containers, service):
    health = get_json(containers[service].url(APP_PORTS[service], "/healthz"))
    assert health.get("status") == "ok", health


@pytest.mark.parametrize("service", APP_PORTS)
def test_metrics_are_served_on_the_metrics_port_only(containers, service):
    container = containers[service]
    exposition = scrape(container.url(METRICS_PORT, "/metrics"))
    assert samples(exposition, "stockwatch_build_info")
    status, _ = get(container.url(APP_PORTS[service], "/metrics"))
    assert status == 404


@pytest.mark.parametrize("service", APP_PORTS)
def test_the_image_healthcheck_passes(containers, service):
    # Run once: podman has no systemd timer here to run it on its interval.
    result = podman.podman("healthcheck", "run", containers[service].name, check=False)
    assert result.returncode == 0, podman.tail(result, 20)


@pytest.mark.parametrize("service", ["backend", "webui", "loadgen"])
def test_every_process_runs_as_the_image_user(containers, service):
    processes = containers[service].process_users()
    assert processes, "no processes"
    assert [line for line in processes if line.split()[0] != RUNTIME_UID] == []


def test_the_yahoo_stack_loads_in_the_backend(backend):
    # The cluster runs PRICE_PROVIDER=auto, which no test can exercise (no Yahoo): at least the
    # yfinance stack and its native libraries must load, read-only and non-root.
    code = "import curl_cffi.requests, numpy, pandas, yfinance; print(yfinance.__version__)"
    result = podman.podman("exec", backend.name, "python", "-c", code, check=False)
    assert result.returncode == 0, result.stderr.strip()[-600:]


def test_the_backend_quotes_the_configured_watchlist(backend, watchlist):
    quotes = get_json(backend.url(APP_PORTS["backend"], "/api/v1/quotes"))["quotes"]
    assert [quote["symbol"] for quote in quotes] == watchlist


def test_the_webui_renders_the_watchlist_from_the_backend_container(webui, watchlist):
    status, page = get(webui.url(APP_PORTS["webui"], "/"))
    assert status == 200
    assert [s for s in watchlist if not re.search(rf">\s*{re.escape(s)}\s*<", page)] == []
    # Degraded: the webui could not reach the backend container.
    assert "banner-degraded" not in page
    assert "Prices are unavailable" not in page


def test_the_webui_serves_its_static_files(webui):
    _, page = get(webui.url(APP_PORTS["webui"], "/"))
    static = re.search(r'(?:href|src)="(/static/[^"]+)"', page)
    assert static is not None, "the page links no /static/ file"
    status, _ = get(webui.url(APP_PORTS["webui"], static.group(1)))
    assert status == 200, static.group(1)


@pytest.mark.parametrize("target", ["backend", "webui"])
def test_the_load_generator_gets_ok_answers(loadgen, target):
    def answered_ok() -> float:
        exposition = scrape(loadgen.url(METRICS_PORT, "/metrics"))
        return sample_sum(exposition, LOADGEN_REQUESTS, target=target, outcome="ok")

    wait_for(
        answered_ok,
        30,
        f"ok answers from {target} counted by the load generator",
        interval=0.5,
    )


# Last: after every other test has sent its traffic.
@pytest.mark.parametrize("service", ["backend", "webui", "loadgen"])
def test_nothing_is_written_outside_the_tmpfs_dirs(containers, service):
    paths = containers[service].changed_paths()
    allowed = PODMAN_MOUNT_POINTS | {path for path in paths if path.startswith(WRITABLE)}
    assert sorted(paths - allowed) == []
