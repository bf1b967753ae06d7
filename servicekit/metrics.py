"""Prometheus exposition for multi-worker gunicorn, gated to the metrics listener."""

from __future__ import annotations

import os
from functools import cache

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
    multiprocess,
)

from servicekit.gunicorn_conf import bind_port, metrics_bind
from servicekit.health import handler404, require_get

BUILD_INFO = Gauge(
    "stockwatch_build_info",
    "Build of the running service; always 1.",
    ["service", "version"],
    multiprocess_mode="max",
)


def register_build_info(service: str, version: str) -> None:
    """Publish stockwatch_build_info{service,version} 1."""
    BUILD_INFO.labels(service=service, version=version).set(1)


@cache
def _metrics_port() -> int:
    return bind_port(metrics_bind())


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY  # one process (test client, runserver): its own registry is the truth
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


@require_get
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics of all workers; 404 unless the request came in on METRICS_BIND."""
    sock = request.META.get("gunicorn.socket")
    # The accepting socket's local port decides, not the client-controlled Host header.
    if sock is not None and sock.getsockname()[1] != _metrics_port():
        return handler404(request)
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
