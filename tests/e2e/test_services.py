"""The webui reaches the backend by its Service's DNS name, and the API answers through its
Service. Both Services are reached with `kubectl port-forward` (see tests/e2e/forwarding.py:
NetworkPolicies do not apply to it); the apiserver's service proxy would instead come from a
node address, which the backend's NetworkPolicy rightly does not admit on kind."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from kubernetes import client

from tests.e2e.cluster import container_environment
from tests.e2e.forwarding import Forward
from tests.e2e.settings import APP_NAMESPACE, Settings
from tests.support.polling import wait_for

# The webui's status strip (dashboard/_status.html) and degraded banner (_banner.html).
BACKEND_REACHABLE = "backend reachable"
DEGRADED_BANNER = "banner-degraded"


def test_webui_is_configured_with_the_backend_service_name(
    apps: client.AppsV1Api, core: client.CoreV1Api, record_property
):
    url = urlsplit(container_environment(apps, core, APP_NAMESPACE, "webui")["BACKEND_URL"])
    record_property("BACKEND_URL", url.geturl())
    service_name = url.hostname.split(".")[0]
    assert not service_name.isdigit(), f"{url.geturl()} is an address, not a Service DNS name"
    service = core.read_namespaced_service(service_name, APP_NAMESPACE)
    assert url.port in {port.port for port in service.spec.ports}


def test_webui_shows_fresh_data_from_the_backend(forward: Forward, settings: Settings):
    with forward(APP_NAMESPACE, "webui", 80) as webui:

        def fresh_page() -> str | None:
            page = requests.get(f"{webui}/", timeout=10)
            fresh = page.status_code == 200 and BACKEND_REACHABLE in page.text
            return page.text if fresh and DEGRADED_BANNER not in page.text else None

        wait_for(fresh_page, settings.timeout, "a watchlist page with fresh backend data")
        readiness = requests.get(f"{webui}/readyz", timeout=10).json()
    assert readiness["checks"]["backend"] == "up"


def test_api_answers_through_the_service(forward: Forward, record_property):
    with forward(APP_NAMESPACE, "backend", 8000) as backend:
        answer = requests.get(f"{backend}/api/v1/quotes", timeout=10)
    assert answer.status_code == 200
    quotes = answer.json()["quotes"]
    assert quotes and all(quote["price"] > 0 for quote in quotes)
    record_property("quotes", f"{len(quotes)} symbols, source {quotes[0]['source']}")
