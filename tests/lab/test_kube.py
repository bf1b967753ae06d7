"""The lab's Kubernetes calls, against recorded API responses served on loopback (fake_kube)."""

from __future__ import annotations

import copy

import pytest
from chaoslab.kube import Cluster, ClusterError
from chaoslab.pods import PodState
from kubernetes import client

from tests.lab.fake_kube import fake_kubernetes, recorded
from tests.lab.synthetic import pod_kill
from tests.support.servers import free_port

DEPLOYMENTS = ("backend", "webui", "loadgen")
SELECTOR = "app.kubernetes.io/name=backend"


@pytest.fixture
def fake():
    with fake_kubernetes() as (fake, api):
        yield fake, Cluster(api, "stock-monitoring", SELECTOR)


def test_preflight_passes_on_a_ready_cluster_with_chaos_mesh(fake):
    _, cluster = fake
    assert cluster.preflight(DEPLOYMENTS, ["PodChaos", "StressChaos"]) == []


def test_preflight_names_a_missing_crd(fake):
    kube, cluster = fake
    kube.crds["items"] = [c for c in kube.crds["items"] if c["spec"]["names"]["kind"] != "PodChaos"]
    problems = cluster.preflight(DEPLOYMENTS, ["PodChaos"])
    assert problems == ["CRD podchaos.chaos-mesh.org is not installed; install Chaos Mesh first"]


def test_preflight_names_unready_and_missing_deployments(fake):
    kube, cluster = fake
    kube.deployments["items"][0]["status"]["readyReplicas"] = 1
    problems = cluster.preflight([*DEPLOYMENTS, "cache"], ["PodChaos"])
    assert problems == [
        "deployment stock-monitoring/backend has 1/2 ready replicas",
        "deployment stock-monitoring/cache does not exist",
    ]


def test_preflight_refuses_while_a_schedule_is_running_but_not_when_paused(fake):
    kube, cluster = fake
    schedule = {"metadata": {"name": "pod-kill-every-10m", "annotations": {}}}
    kube.listed["schedules"] = [schedule]
    problems = cluster.preflight(DEPLOYMENTS, ["PodChaos"])
    assert "schedules/pod-kill-every-10m" in problems[0]
    assert "make chaos-stop" in problems[0]
    schedule["metadata"]["annotations"]["experiment.chaos-mesh.org/pause"] = "true"
    assert cluster.preflight(DEPLOYMENTS, ["PodChaos"]) == []


def test_preflight_says_the_api_is_unreachable():
    configuration = client.Configuration()
    configuration.host = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    configuration.retries = 0
    with client.ApiClient(configuration) as api:
        problems = Cluster(api, "stock-monitoring", SELECTOR).preflight(DEPLOYMENTS, ["PodChaos"])
    assert len(problems) == 1
    assert "unreachable" in problems[0]


def test_create_posts_the_experiment_to_its_plural_in_its_namespace(fake):
    kube, cluster = fake
    experiment = pod_kill().experiment
    cluster.create(experiment)
    [(path, body)] = kube.methods("POST")
    assert path == "/apis/chaos-mesh.org/v1alpha1/namespaces/stock-monitoring/podchaos"
    assert body == experiment.body


def test_create_of_a_leftover_object_says_how_to_delete_it(fake):
    _, cluster = fake
    experiment = pod_kill().experiment
    cluster.create(experiment)
    with pytest.raises(ClusterError, match="kubectl -n stock-monitoring delete podchaos pod-kill"):
        cluster.create(experiment)


def test_wait_injected_polls_until_chaos_mesh_reports_all_injected(fake):
    kube, cluster = fake
    experiment = pod_kill().experiment
    kube.gets_before_injected = 2
    cluster.create(experiment)
    cluster.wait_injected(experiment, deadline_seconds=10)
    assert len(kube.methods("GET", "/podchaos/pod-kill")) == 3


def test_wait_injected_gives_up_listing_the_conditions_it_saw(fake):
    kube, cluster = fake
    experiment = pod_kill().experiment
    kube.gets_before_injected = 10**6
    cluster.create(experiment)
    with pytest.raises(ClusterError, match="AllInjected=False"):
        cluster.wait_injected(experiment, deadline_seconds=1)


def test_delete_removes_the_object_and_tolerates_it_being_gone(fake):
    kube, cluster = fake
    experiment = pod_kill().experiment
    cluster.create(experiment)
    assert cluster.delete(experiment) is True
    assert cluster.delete(experiment) is False
    assert kube.chaos == {}


def test_pods_are_read_with_the_label_selector(fake):
    kube, cluster = fake
    pods = cluster.pods()
    assert pods["backend-7d9f8c6b5-a1"] == PodState(
        "backend-7d9f8c6b5-a1", "kind-worker", "Running", True, 0, False
    )
    assert len(pods) == 2
    assert kube.calls[-1][1] == "/api/v1/namespaces/stock-monitoring/pods"


def test_pods_show_restarts_readiness_and_termination(fake):
    kube, cluster = fake
    kube.pods = recorded("pods-restarted-terminating.json")
    pod = cluster.pods()["backend-7d9f8c6b5-c3"]
    assert (pod.restarts, pod.terminating, pod.ready) == (1, True, True)


def test_environment_states_version_nodes_images_and_no_chaos_mesh_controller(fake):
    _, cluster = fake
    found = cluster.environment(DEPLOYMENTS)
    assert found["Kubernetes"] == "v1.33.1"
    assert found["nodes"] == "3"
    assert found["chaos controller"].startswith("no chaos-controller-manager Deployment found")
    assert found["images"] == (
        "backend: `stockwatch/backend:dev`; webui: `stockwatch/webui:dev`; "
        "loadgen: `stockwatch/loadgen:dev`"
    )


def test_environment_names_a_chaos_mesh_controller_when_there_is_one(fake):
    kube, cluster = fake
    controller = copy.deepcopy(kube.deployments["items"][0])
    controller["metadata"].update(name="chaos-controller-manager", namespace="chaos-mesh")
    controller["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "ghcr.io/chaos-mesh/chaos-mesh:v2.8.3"
    )
    kube.cluster_deployments = [controller]
    found = cluster.environment(DEPLOYMENTS)["chaos controller"]
    assert found == (
        "Chaos Mesh (chaos-mesh/chaos-controller-manager, `ghcr.io/chaos-mesh/chaos-mesh:v2.8.3`)"
    )
