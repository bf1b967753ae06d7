"""The front door (Gateway or Ingress on E2E_EDGE_URL, http://localhost on kind) routes the
dashboard, the API, Prometheus and Grafana by path, as the README promises."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.settings import Settings
from tests.e2e.test_services import BACKEND_REACHABLE

pytestmark = pytest.mark.needs("gateway")


def test_edge_serves_the_dashboard(settings: Settings):
    page = requests.get(f"{settings.edge_url}/", timeout=10)
    assert page.status_code == 200
    assert BACKEND_REACHABLE in page.text


def test_edge_routes_the_api_to_the_backend(settings: Settings):
    answer = requests.get(f"{settings.edge_url}/api/v1/quotes", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["quotes"]


def test_edge_routes_prometheus(settings: Settings):
    assert requests.get(f"{settings.edge_url}/prometheus/-/ready", timeout=10).status_code == 200


@pytest.mark.needs("grafana")
def test_edge_routes_grafana(settings: Settings):
    assert requests.get(f"{settings.edge_url}/grafana/api/health", timeout=10).status_code == 200
