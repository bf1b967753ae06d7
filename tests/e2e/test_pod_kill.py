"""pod-kill through the Chaos Mesh API, with the object the chaos lab uses
(chaos/experiments/pod-kill.yaml, renamed so it never meets the lab's own): the Deployment's
replacement pod is Ready within 10 s, the webui keeps serving pages (no error page), and what
the load generator's backend-direct clients saw is counted and reported."""

from __future__ import annotations

import dataclasses
import time

import pytest
import requests
from chaoslab.experiments import GROUP, VERSION, Experiment, load_experiment
from chaoslab.kube import Cluster
from kubernetes import client

from tests.e2e.cluster import exists
from tests.e2e.forwarding import Forward
from tests.e2e.loadgen_counters import Loadgen, window
from tests.e2e.settings import APP_NAMESPACE, Settings
from tests.e2e.test_services import DEGRADED_BANNER
from tests.support.polling import NotYet, Sampler, wait_for
from tests.support.render import REPO

POD_KILL = REPO / "chaos" / "experiments" / "pod-kill.yaml"
NAME = "e2e-pod-kill"
READY_WITHIN_SECONDS = 10.0
ERROR_PAGE = "Something went wrong"  # the webui's 500 page (templates/500.html)


def _renamed(experiment: Experiment, name: str) -> Experiment:
    body = {**experiment.body, "metadata": {**experiment.body["metadata"], "name": name}}
    return dataclasses.replace(experiment, name=name, body=body)


def _page(webui: str) -> str:
    """How one watchlist request went: "ok", "degraded", "HTTP <code>" or the failure."""
    try:
        page = requests.get(f"{webui}/", timeout=10)
    except requests.RequestException as error:
        return f"no answer ({type(error).__name__})"
    if page.status_code != 200 or ERROR_PAGE in page.text:
        return f"HTTP {page.status_code}"
    return "degraded" if DEGRADED_BANNER in page.text else "ok"


@pytest.fixture
def cluster(api: client.ApiClient, settings: Settings) -> Cluster:
    """The backend pods, once every one is Ready and none is on its way out."""
    backend = Cluster(api, APP_NAMESPACE, "app.kubernetes.io/name=backend")

    def settled() -> bool:
        states = backend.pods().values()
        unsettled = [p.name for p in states if p.terminating or not p.ready]
        if unsettled or not states:
            raise NotYet(f"backend pods not settled: {unsettled or 'none'}")
        return True

    wait_for(settled, settings.timeout, "every backend pod Ready, none terminating")
    return backend


def _gone(cluster: Cluster, experiment: Experiment) -> bool:
    read = cluster.custom.get_namespaced_custom_object
    return not exists(
        read, GROUP, VERSION, experiment.namespace, experiment.plural, experiment.name
    )


@pytest.mark.disruptive
def test_pod_kill_replacement_ready_within_10s_and_webui_keeps_serving(
    cluster: Cluster, forward: Forward, loadgen: Loadgen, record_property
):
    experiment = _renamed(load_experiment(POD_KILL), NAME)
    before_pods, before = cluster.pods(), loadgen.counts()

    def replacement_ready() -> tuple[str, float]:
        new = [p.name for p in cluster.pods().values() if p.name not in before_pods and p.ready]
        if not new:
            raise NotYet("no new backend pod is Ready")
        return new[0], time.monotonic() - sent

    with forward(APP_NAMESPACE, "webui", 80) as webui, Sampler(lambda: _page(webui), 0.5) as pages:
        sent = time.monotonic()
        cluster.create(experiment)
        try:
            replacement, seconds = wait_for(replacement_ready, 60, "a Ready replacement", 0.2)
        finally:
            cluster.delete(experiment)
            wait_for(lambda: _gone(cluster, experiment), 60, f"{experiment.describe()} deleted")
        loadgen.let_in_flight_requests_finish()
    killed = sorted(set(before_pods) - set(cluster.pods()))
    backend = window(before, loadgen.counts(), "backend")
    outcomes = {outcome: pages.results.count(outcome) for outcome in sorted(set(pages.results))}
    record_property("killed", ", ".join(killed) or "none seen")
    record_property("replacement Ready", f"{replacement} {seconds:.1f} s after the create request")
    record_property("backend-direct clients", backend.describe())
    record_property("webui pages", ", ".join(f"{n} {o}" for o, n in outcomes.items()))
    assert seconds <= READY_WITHIN_SECONDS
    assert set(outcomes) <= {"ok", "degraded"}, f"the webui served error pages: {outcomes}"
