"""Every workload of the overlay becomes available in both namespaces, and nothing restarted."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.e2e.cluster import (
    Workload,
    availability,
    hopeless_pods,
    live_workloads,
    pods,
    restarts,
    selector_of,
)
from tests.e2e.expected import SUITE_OVERLAY, workload_params, workloads
from tests.e2e.settings import NAMESPACES, Settings
from tests.support.polling import wait_for


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
    assert not restarted, (
        f"{workload} restarted (kubectl describe pod says why): {restarted}. Restart counts never "
        "go back: after a chaos experiment, give it fresh pods (kubectl rollout restart) first"
    )


def test_the_namespaces_run_exactly_the_overlay_workloads(apps: client.AppsV1Api):
    live = {w for namespace in NAMESPACES for w in live_workloads(apps, namespace)}
    expected = workloads()
    assert sorted(map(str, live - expected)) == [], f"not rendered by {SUITE_OVERLAY.name}"
    assert sorted(map(str, expected - live)) == [], f"{SUITE_OVERLAY.name} renders, not deployed"
