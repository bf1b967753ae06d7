"""The status strip shown on every page: backend state, last call latency, monitoring links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dashboard import pages


def status_strip(request: HttpRequest) -> dict[str, Any]:
    return {
        "backend_call": pages.client().last_call,
        "grafana_url": settings.GRAFANA_URL,
        "prometheus_url": settings.PROMETHEUS_URL,
        "refresh_seconds": settings.REFRESH_SECONDS,
    }
