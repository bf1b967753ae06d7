"""A rolling restart of the backend under the load generator's traffic loses no request: every
request the load generator sent to the backend Service while the pods were replaced succeeded
(maxUnavailable 0, readiness gates, preStop drain, graceful shutdown)."""

from __future__ import annotations

import time

import pytest
from kubernetes import client

from tests.e2e.cluster import Workload, availability, restart_deployment
from tests.e2e.loadgen_counters import Loadgen, window
from tests.e2e.settings import APP_NAMESPACE, Settings
from tests.support.polling import NotYet, wait_for

BACKEND = Workload(APP_NAMESPACE, "Deployment", "backend")
BACKEND_PODS = "app.kubernetes.io/name=backend"


def _rolled_out(apps: client.AppsV1Api, core: client.CoreV1Api) -> str:
    done, detail = availability(apps, BACKEND)
    listed = core.list_namespaced_pod(APP_NAMESPACE, label_selector=BACKEND_PODS).items
    leaving = [p.metadata.name for p in listed if p.metadata.deletion_timestamp]
    if not done or leaving:
        raise NotYet(f"{detail}; terminating: {', '.join(leaving) or 'none'}")
    return detail


@pytest.mark.disruptive
def test_backend_rolling_restart_under_load_loses_no_request(
    apps: client.AppsV1Api,
    core: client.CoreV1Api,
    loadgen: Loadgen,
    settings: Settings,
    record_property,
):
    wait_for(
        lambda: _rolled_out(apps, core), settings.timeout, "backend settled before the restart"
    )
    before, started = loadgen.counts(), time.monotonic()
    restart_deployment(apps, APP_NAMESPACE, BACKEND.name)
    wait_for(lambda: _rolled_out(apps, core), settings.timeout, "backend rolled out, old pods gone")
    rollout_seconds = time.monotonic() - started
    loadgen.let_in_flight_requests_finish()
    seconds = time.monotonic() - started
    after = loadgen.counts()
    backend, webui = window(before, after, "backend"), window(before, after, "webui")
    record_property("rollout", f"{rollout_seconds:.0f} s until every old pod was gone")
    record_property("backend clients", backend.describe())
    record_property("webui clients (not asserted)", webui.describe())
    assert backend.total >= 0.5 * loadgen.rate * seconds, f"too little load: {backend.describe()}"
    assert backend.failed == {}, f"requests lost during the rolling restart: {backend.describe()}"
