"""Every workload of the overlay becomes available in both namespaces, and nothing restarted."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.e2e.cluster import Workload, availability, hopeless_pods, pods, restarts, selector_of
from tests.e2e.expected import workload_params
from tests.e2e.polling import wait_for
from tests.e2e.settings import Settings


@pytest.mark.parametrize("workload", workload_params())
def test_workload_becomes_available_without_restarts(
    workload: Workload,
    apps: client.AppsV1Api,
    core: client.CoreV1Api,
    settings: Settings,
    record_property,
):
    selector = selector_of(apps, workload)

    def available() -> str | None:
        stuck = hopeless_pods(pods(core, workload.namespace, selector))
        assert not stuck, f"{workload} cannot start: " + "; ".join(stuck)
        done, detail = availability(apps, workload)
        return detail if done else None

    record_property("state", wait_for(available, settings.timeout, f"{workload} available"))
    restarted = restarts(pods(core, workload.namespace, selector))
    assert not restarted, f"{workload} restarted (kubectl describe pod says why): {restarted}"
