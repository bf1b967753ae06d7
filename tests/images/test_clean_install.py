"""The image recipes' install and start steps, replayed in a clean virtualenv (no engine needed).

Each lock is installed once per content hash under artifacts/images/venvs/ and reused afterwards.
The service files are laid out as the Dockerfile's COPY instructions place them under /app.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.images.recipe import (
    DJANGO_SERVICES,
    SERVICES,
    BuildContext,
    Dockerfile,
    image_files,
    parse,
)
from tests.support.cluster_env import deployment_env
from tests.support.render import REPO, overlay, render
from tests.support.servers import free_port, running

VENV_CACHE = REPO / "artifacts" / "images" / "venvs"
SETTINGS = {"backend": "backend_site.settings", "webui": "webui_site.settings"}
INSTALL_TIMEOUT_SECONDS = 600
# The first test of a service may install its lock from PyPI.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(INSTALL_TIMEOUT_SECONDS + 120)]


def clean_venv(service: str) -> Path:
    """A venv holding exactly requirements/<service>.txt, as the builder stage installs it."""
    lock = REPO / "requirements" / f"{service}.txt"
    digest = hashlib.sha256(lock.read_bytes() + sys.version.encode()).hexdigest()[:16]
    venv = VENV_CACHE / f"{service}-{digest}"
    if (venv / ".complete").is_file():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # Only the package index, as in the image build: no local pip config or wheel folders.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-cache-dir", "--quiet", "-r", str(lock)],
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_SECONDS,
    )
    assert install.returncode == 0, f"pip install -r {lock.name} failed:\n{install.stderr[-3000:]}"
    (venv / ".complete").touch()
    return venv


@dataclass
class ImageTree:
    """The service as its image holds it, rebuilt on the host with paths mapped to tmp dirs."""

    service: str
    dockerfile: Dockerfile
    app: Path
    env: dict[str, str]

    def run(
        self, argv: list[str], extra_env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            argv,
            cwd=self.app,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def host_env(image_env: dict[str, str], mapping: dict[str, Path]) -> dict[str, str]:
    """The image's ENV with its absolute paths moved to the host directories in `mapping`."""
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    for key, value in image_env.items():
        parts = value.replace("$PATH", env["PATH"]).split(":")
        for index, part in enumerate(parts):
            for image_path, host_path in mapping.items():
                if part == image_path or part.startswith(image_path + "/"):
                    parts[index] = str(host_path) + part[len(image_path) :]
        env[key] = ":".join(parts)
    return env


def production_env(service: str) -> dict[str, str]:
    """The env the kind overlay gives the container, with a production-grade random secret."""
    env = deployment_env(render(overlay("kind")), service)
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the image's value, mapped to a host tmp dir
    return env


def build_steps(service: str) -> list[str]:
    """RUN steps of the runtime stage that call the service's manage.py (collectstatic)."""
    runs = parse(REPO / f"Dockerfile.{service}").final.all("RUN")
    return [run.args for run in runs if "manage.py" in run.args]


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ImageTree]:
    """ImageTree per service, built once per module."""
    built: dict[str, ImageTree] = {}

    def get(service: str) -> ImageTree:
        if service not in built:
            built[service] = image_tree(service, tmp_path_factory.mktemp(f"image-{service}"))
        return built[service]

    return get


def image_tree(service: str, root: Path) -> ImageTree:
    dockerfile = parse(REPO / f"Dockerfile.{service}")
    for target, source in image_files(dockerfile, BuildContext.load(REPO)).items():
        destination = root / target.relative_to("/")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    for writable in ("tmp", "run/metrics"):
        (root / writable).mkdir(parents=True, exist_ok=True)
    mapping = {
        "/opt/venv": clean_venv(service),
        "/app": root / "app",
        "/run/metrics": root / "run/metrics",
        "/tmp": root / "tmp",
    }
    return ImageTree(service, dockerfile, root / "app", host_env(dockerfile.final.env(), mapping))


@pytest.mark.parametrize("service", SERVICES)
def test_lock_installs_consistently_in_a_clean_venv(trees: Callable, service: str) -> None:
    result = trees(service).run(["python", "-m", "pip", "check"])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", [s for s in SERVICES if build_steps(s)])
def test_build_time_manage_py_steps_succeed(trees: Callable, service: str) -> None:
    tree = trees(service)
    for step in build_steps(service):
        result = tree.run(["bash", "-euc", step])
        assert result.returncode == 0, f"RUN {step}\n{result.stdout}{result.stderr}"
    assert any((tree.app / "staticfiles").rglob("*.css")), "collectstatic collected no CSS"


@pytest.mark.parametrize("service", DJANGO_SERVICES)
def test_deploy_checks_pass_with_production_settings(trees: Callable, service: str) -> None:
    argv = ["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = trees(service).run(argv, production_env(service))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_module_imports(trees: Callable, service: str) -> None:
    """The service's own modules (servicekit comes along through what they import)."""
    tree = trees(service)
    modules = sorted(
        ".".join(path.relative_to(tree.app).with_suffix("").parts).removesuffix(".__init__")
        for path in tree.app.rglob("*.py")
        if path.parent != tree.app
        and not {"migrations", "servicekit"} & set(path.relative_to(tree.app).parts)
    )
    setup = "import django; django.setup(); " if service in DJANGO_SERVICES else ""
    code = setup + "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]"
    env = production_env(service) if service in DJANGO_SERVICES else {}
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS.get(service, "")
    result = tree.run(["python", "-c", code, *modules], env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", DJANGO_SERVICES)
def test_gunicorn_cmd_loads_the_app(trees: Callable, service: str) -> None:
    tree = trees(service)
    cmd = tree.dockerfile.final.last("CMD")
    argv = cmd.exec_form() if cmd else None
    assert argv and argv[0] == "gunicorn"
    result = tree.run([argv[0], "--check-config", *argv[1:]], production_env(service))
    assert result.returncode == 0, result.stdout + result.stderr


def test_loadgen_cmd_serves_metrics(trees: Callable) -> None:
    tree = trees("loadgen")
    cmd = tree.dockerfile.final.last("CMD")
    argv = cmd.exec_form() if cmd else None
    assert argv == ["python", "-m", "loadgen"]
    metrics = f"http://127.0.0.1:{free_port()}/metrics"
    nowhere = f"http://127.0.0.1:{free_port()}"  # a closed port: traffic stays on loopback
    env = {
        **tree.env,
        "METRICS_BIND": metrics.split("/")[2],
        "LOADGEN_BACKEND_URL": nowhere,
        "LOADGEN_WEBUI_URL": nowhere,
        "LOADGEN_RATE": "1",
    }
    log = tree.app.parent / "tmp" / "loadgen.log"
    with (
        running("loadgen", argv, log, metrics, nowhere, env=env, cwd=tree.app),
        urllib.request.urlopen(metrics, timeout=5) as response,
    ):
        assert "stockwatch_loadgen_requests_total" in response.read().decode()
