"""Fixtures of the webui tests: collected static files, a faked backend, JSON payload builders."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses
from dashboard import pages
from django.core.management import call_command
from django.test.utils import override_settings
from prometheus_client import REGISTRY

from tests.support.delay_proxy import DelayProxy
from tests.support.servers import RunningProcess
from tests.support.stack import local_stack

BACKEND = "http://backend.test"
Stack = tuple[RunningProcess, RunningProcess]  # (backend, webui)
WATCHLIST = ("AAPL", "MSFT", "GOOGL")


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Collect static files once, as the image build does, so the manifest storage works."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=str(root)):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture(scope="session")
def shared_stack(tmp_path_factory, collected_static) -> Iterator[Stack]:
    """One real stack for every test that leaves it running (integration and browser tests).
    A one-second refresh keeps the browser tests short."""
    with real_stack(
        tmp_path_factory.mktemp("stack"), collected_static, REFRESH_SECONDS="1"
    ) as servers:
        yield servers


@contextmanager
def real_stack(
    tmp_path: Path, static_root: Path, workers: int = 2, **webui_env: str
) -> Iterator[Stack]:
    """The real backend (simulated prices) and the real webui under gunicorn, on loopback."""
    with _stack(tmp_path, static_root, workers, webui_env, delayed=False) as stack:
        yield stack.backend, stack.webui


@contextmanager
def delayed_stack(
    tmp_path: Path, static_root: Path, **webui_env: str
) -> Iterator[tuple[DelayProxy, RunningProcess]]:
    """Like `real_stack` (one worker each), with a DelayProxy on the link from backend to webui."""
    with _stack(tmp_path, static_root, 1, webui_env, delayed=True) as stack:
        yield stack.proxy, stack.webui


def _stack(
    tmp_path: Path, static_root: Path, workers: int, webui_env: dict[str, str], *, delayed: bool
):
    return local_stack(
        tmp_path,
        {"GUNICORN_WORKERS": str(workers)},
        {"STATIC_ROOT": str(static_root), "GUNICORN_WORKERS": str(workers), **webui_env},
        delayed=delayed,
    )


@pytest.fixture(autouse=True)
def fresh_client(settings) -> Iterator[None]:
    """Every test starts with a new backend client (empty last-good cache) aimed at BACKEND."""
    settings.BACKEND_URL = BACKEND
    settings.GRAFANA_URL = "https://grafana.example/"
    settings.PROMETHEUS_URL = "https://prometheus.example/"
    pages.client.cache_clear()
    yield
    if pages.client.cache_info().currsize:
        # Calls that outlived their page must not reach the next test's faked backend.
        pages.client().close()
    pages.client.cache_clear()


@pytest.fixture
def backend() -> Iterator[responses.RequestsMock]:
    """The backend API faked at the HTTP boundary (requests' transport), nothing else."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


CLOSES = (188.0, 189.5, 189.0, 190.5)


def quote_json(
    symbol: str = "AAPL",
    price: float = 190.5,
    previous_close: float = 188.0,
    closes: tuple[float, ...] | None = None,
    **overrides,
) -> dict:
    """A Quote; with `closes`, as the watchlist asks for it (`?sparkline=1d`)."""
    body = {
        "symbol": symbol,
        "name": f"{symbol} Corp.",
        "price": price,
        "currency": "USD",
        "previous_close": previous_close,
        "change": round(price - previous_close, 4),
        "change_percent": round((price - previous_close) / previous_close * 100, 4),
        "day_high": max(price, previous_close) + 1,
        "day_low": min(price, previous_close) - 1,
        "volume": 51_234_567,
        "as_of": iso(datetime.now(UTC)),
        "source": "simulated",
        "stale": False,
    }
    if closes is not None:
        body["sparkline"] = {"period": "1d", "interval": "5m", "stale": False, "closes": closes}
    body.update(overrides)
    return body


def history_json(
    symbol: str = "AAPL",
    closes: tuple[float, ...] = CLOSES,
    period: str = "1d",
    interval: str = "5m",
) -> dict:
    start = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)
    candles = [
        {
            "time": iso(start + timedelta(minutes=5 * i)),
            "open": c,
            "high": c + 0.5,
            "low": c - 0.5,
            "close": c,
            "volume": 1000 + i,
        }
        for i, c in enumerate(closes)
    ]
    return {
        "symbol": symbol,
        "period": period,
        "interval": interval,
        "currency": "USD",
        "source": "simulated",
        "stale": False,
        "as_of": iso(datetime.now(UTC)),
        "candles": candles,
    }


@pytest.fixture
def healthy_backend(backend: responses.RequestsMock) -> responses.RequestsMock:
    """A backend that answers the watchlist (with sparklines), every quote and every history."""
    watchlist = [quote_json(s, closes=CLOSES) for s in WATCHLIST]
    backend.get(f"{BACKEND}/api/v1/quotes", json={"quotes": watchlist})
    for symbol in WATCHLIST:
        backend.get(f"{BACKEND}/api/v1/quotes/{symbol}", json=quote_json(symbol))
        backend.get(f"{BACKEND}/api/v1/quotes/{symbol}/history", json=history_json(symbol))
    return backend


# The body the backend answers with each error status the webui tests fake: a code its OpenAPI
# document lists for 503, and for 500 what its handler500 (servicekit.health) answers to a crash,
# which the document leaves out as outside the API. test_fakes_match_openapi.py checks both.
BACKEND_ERROR_CODES = {503: "upstream_unavailable", 500: "internal_error"}
CRASH_STATUS = 500


def break_backend(mock: responses.RequestsMock, failure) -> None:
    """From now on every backend call fails with `failure` (an exception, or a status code of
    BACKEND_ERROR_CODES answered as the backend answers it)."""
    mock.reset()
    for path in (
        "/api/v1/quotes",
        *(f"/api/v1/quotes/{s}" for s in WATCHLIST),
        *(f"/api/v1/quotes/{s}/history" for s in WATCHLIST),
    ):
        if isinstance(failure, int):
            code = BACKEND_ERROR_CODES[failure]
            error = {"error": {"code": code, "message": f"faked {code}"}}
            mock.get(BACKEND + path, status=failure, json=error)
        else:
            mock.get(BACKEND + path, body=failure)


@pytest.fixture
def metric() -> Callable[..., float]:
    """Current value of a sample in this process's registry (0 when it does not exist yet)."""

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return value


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the name http.server dispatches to
        time.sleep(3)

    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    """A real HTTP server on loopback that accepts but answers only after 3 s."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
