"""The app's local stack on loopback: the real backend and the real webui under gunicorn, the
webui reaching the backend directly or through a DelayProxy. The one builder the webui and
monitoring tests and bench share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.delay_proxy import DelayProxy, delay_proxy
from tests.support.servers import RunningProcess, gunicorn_service


@dataclass
class Stack:
    backend: RunningProcess
    webui: RunningProcess
    proxy: DelayProxy | None = None  # between webui and backend, when the stack is delayed


@contextmanager
def local_stack(
    tmp_dir: Path,
    backend_env: Mapping[str, str] | None = None,
    webui_env: Mapping[str, str] | None = None,
    *,
    delayed: bool = False,
) -> Iterator[Stack]:
    """Backend (simulated prices unless `backend_env` says otherwise) and a webui whose
    BACKEND_URL names it, through a DelayProxy when `delayed`; both stopped when the block ends."""
    with ExitStack() as stack:
        backend = stack.enter_context(
            gunicorn_service(
                "backend", tmp_dir, {"PRICE_PROVIDER": "simulated", **(backend_env or {})}
            )
        )
        proxy = None
        if delayed:
            proxy = stack.enter_context(delay_proxy(urlsplit(backend.base_url).port))
        env = {"BACKEND_URL": proxy.url if proxy else backend.base_url, **(webui_env or {})}
        webui = stack.enter_context(gunicorn_service("webui", tmp_dir, env))
        yield Stack(backend, webui, proxy)
