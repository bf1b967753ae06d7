"""`python -m loadgen` against the real backend on loopback, stopped by SIGTERM."""

from __future__ import annotations

import pytest

from tests.support.metrics import sample_sum, scrape
from tests.support.polling import NotYet, wait_for
from tests.support.servers import gunicorn_service, loadgen_service

pytestmark = pytest.mark.slow

LOADGEN_REQUESTS = "stockwatch_loadgen_requests_total"


def _ok_requests(metrics_url: str) -> dict[str, float]:
    """stockwatch_loadgen_requests_total{outcome="ok"} per target, read from /metrics."""
    exposition = scrape(metrics_url, timeout=2)
    return {
        target: sample_sum(exposition, LOADGEN_REQUESTS, outcome="ok", target=target)
        for target in ("backend", "webui")
    }


def test_loadgen_drives_the_real_backend_and_stops_cleanly_on_sigterm(
    tmp_path, slow_server_factory
):
    # The webui target is a plain local HTTP server: the backend is the service under load here,
    # and the webui needs its collected static files to render pages.
    webui = slow_server_factory(delay=0)
    with (
        gunicorn_service("backend", tmp_path) as backend,
        loadgen_service(tmp_path, backend.base_url, webui.url) as loadgen,
    ):

        def ten_to_each() -> dict[str, float]:
            counts = _ok_requests(loadgen.metrics_url)
            if min(counts.values()) < 10:
                raise NotYet(f"ok requests {counts}")
            return counts

        try:
            wait_for(ten_to_each, 30, "10 ok requests to each target", interval=0.2)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{loadgen.log_tail()}") from error

        assert loadgen.stop() == 0, loadgen.log_tail()
