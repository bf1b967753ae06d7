"""Grafana runs with the provisioned dashboard, readable by the anonymous viewer."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.forwarding import Forward
from tests.e2e.panels import load_dashboard
from tests.e2e.polling import wait_for
from tests.e2e.settings import MONITORING_NAMESPACE, Settings

pytestmark = pytest.mark.needs("grafana")


def test_grafana_serves_the_provisioned_dashboard(forward: Forward, settings: Settings):
    uid = load_dashboard()["uid"]
    with forward(MONITORING_NAMESPACE, "grafana", 3000) as base:
        health = requests.get(f"{base}/grafana/api/health", timeout=10)
        assert health.status_code == 200
        assert health.json().get("database") == "ok"
        wait_for(
            lambda: requests.get(f"{base}/grafana/api/dashboards/uid/{uid}", timeout=10).ok,
            settings.timeout,
            f"dashboard {uid} provisioned",
        )
