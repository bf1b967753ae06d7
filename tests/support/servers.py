"""Start the real services (gunicorn, Prometheus, ...) on loopback for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.http import answers
from tests.support.polling import wait_for

REPO = Path(__file__).resolve().parents[2]
SITE_PACKAGES = {"backend": "backend_site", "webui": "webui_site"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(
    url: str, deadline_seconds: float = 30.0, process: subprocess.Popen | None = None
) -> str:
    """Poll `url` until it answers 2xx and return the body; fail early if `process` has exited."""

    def probe() -> str | None:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode} before {url} answered")
        return answers(url)

    return wait_for(probe, deadline_seconds, f"an answer from {url}", interval=0.1)


@dataclass
class RunningProcess:
    """A server started for a test: where it listens and where its log goes."""

    name: str
    process: subprocess.Popen
    log_path: Path
    base_url: str
    metrics_url: str = ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, grace_seconds: float = 15.0) -> int:
        """SIGTERM, then SIGKILL after the grace period; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace_seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@contextmanager
def running(
    name: str,
    argv: list[str],
    log_path: Path,
    ready_url: str,
    base_url: str,
    metrics_url: str = "",
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
) -> Iterator[RunningProcess]:
    """Run `argv` until the block ends; wait until `ready_url` answers; show the log on failure."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, cwd=cwd, env=dict(env or os.environ), stdout=log, stderr=subprocess.STDOUT
        )
    server = RunningProcess(name, process, log_path, base_url, metrics_url)
    try:
        try:
            wait_for_http(ready_url, process=process)
        except AssertionError as error:
            raise RuntimeError(
                f"{name} did not start: {error}\n--- {log_path} ---\n{server.log_tail()}"
            ) from error
        yield server
    finally:
        server.stop()


def service_env(
    service: str, tmp_dir: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment a service gets in the cluster, adapted to a loopback test run."""
    multiproc = tmp_dir / f"{service}-metrics"
    multiproc.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(REPO / service), str(REPO)]),
            "DJANGO_SECRET_KEY": f"test-only-{service}-secret-key-not-for-production-0123456789",
            "DJANGO_DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": f"{SITE_PACKAGES[service]}.settings",
            "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
            "GUNICORN_WORKERS": "2",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


@contextmanager
def gunicorn_service(
    service: str,
    tmp_dir: Path,
    extra_env: Mapping[str, str] | None = None,
    wsgi: str | None = None,
) -> Iterator[RunningProcess]:
    """Run backend or webui under its production gunicorn config on two free loopback ports
    (`wsgi` serves another app under the same config, as the benchmark's baseline does)."""
    port, metrics_port = free_port(), free_port()
    env = service_env(service, tmp_dir, extra_env)
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    env["METRICS_BIND"] = f"127.0.0.1:{metrics_port}"
    if service == "webui" and "STATIC_ROOT" not in (extra_env or {}):
        # The image collects static files at build time; the manifest storage needs them.
        env["STATIC_ROOT"] = str(tmp_dir / "webui-static")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=REPO / service,
            env=env,
            check=True,
        )
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        wsgi or f"{SITE_PACKAGES[service]}.wsgi",
    ]
    base_url = f"http://127.0.0.1:{port}"
    with running(
        service,
        argv,
        tmp_dir / f"{service}.log",
        f"{base_url}/healthz",
        base_url,
        metrics_url=f"http://127.0.0.1:{metrics_port}/metrics",
        env=env,
        cwd=REPO / service,
    ) as server:
        yield server


@contextmanager
def loadgen_service(
    tmp_dir: Path, backend_url: str, webui_url: str, extra_env: Mapping[str, str] | None = None
) -> Iterator[RunningProcess]:
    """Run `python -m loadgen` at both URLs (10 requests/s unless `extra_env` says otherwise),
    its metrics on a free loopback port; ready when /metrics answers."""
    metrics_url = f"http://127.0.0.1:{free_port()}/metrics"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "LOADGEN_BACKEND_URL": backend_url,
        "LOADGEN_WEBUI_URL": webui_url,
        "LOADGEN_RATE": "10",
        "METRICS_BIND": metrics_url.split("/")[2],
        **(extra_env or {}),
    }
    argv = [sys.executable, "-m", "loadgen"]
    with running(
        "loadgen",
        argv,
        tmp_dir / "loadgen.log",
        metrics_url,
        metrics_url,
        metrics_url=metrics_url,
        env=env,
    ) as server:
        yield server
