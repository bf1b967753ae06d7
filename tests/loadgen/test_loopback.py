"""`python -m loadgen` against the real backend on loopback, stopped by SIGTERM."""

from __future__ import annotations

import os
import sys
import time
import urllib.request

import pytest

from tests.support.servers import REPO, free_port, gunicorn_service, running

pytestmark = pytest.mark.slow


def _ok_requests(metrics_url: str) -> dict[str, float]:
    """stockwatch_loadgen_requests_total{outcome="ok"} per target, read from /metrics."""
    with urllib.request.urlopen(metrics_url, timeout=2) as response:
        text = response.read().decode()
    counts = {"backend": 0.0, "webui": 0.0}
    for target in counts:
        series = f'stockwatch_loadgen_requests_total{{outcome="ok",target="{target}"}} '
        for line in text.splitlines():
            if line.startswith(series):
                counts[target] = float(line.removeprefix(series))
    return counts


def test_loadgen_drives_the_real_backend_and_stops_cleanly_on_sigterm(
    tmp_path, slow_server_factory
):
    # The webui target is a plain local HTTP server: the backend is the service under load here,
    # and the webui needs its collected static files to render pages.
    webui = slow_server_factory(delay=0)
    with gunicorn_service("backend", tmp_path) as backend:
        metrics_url = f"http://127.0.0.1:{free_port()}/metrics"
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "LOADGEN_BACKEND_URL": backend.base_url,
            "LOADGEN_WEBUI_URL": webui.url,
            "LOADGEN_RATE": "10",
            "METRICS_BIND": metrics_url.removeprefix("http://").removesuffix("/metrics"),
        }
        argv = [sys.executable, "-m", "loadgen"]
        with running(
            "loadgen", argv, tmp_path / "loadgen.log", metrics_url, metrics_url, env=env
        ) as loadgen:
            deadline = time.monotonic() + 30
            counts = _ok_requests(metrics_url)
            while min(counts.values()) < 10 and time.monotonic() < deadline:
                time.sleep(0.2)
                counts = _ok_requests(metrics_url)
            assert min(counts.values()) >= 10, (
                f"ok requests after 30 s: {counts}\n{loadgen.log_tail()}"
            )

            assert loadgen.stop() == 0, loadgen.log_tail()
