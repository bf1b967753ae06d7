"""Autoscaling and fast endpoint removal: HorizontalPodAutoscalers on the serving Deployments,
the metrics-server they read, and probes that take a silent pod out in seconds without
restarting a busy one (issue 19)."""

from __future__ import annotations

import pytest

from tests.deploy.manifests import (
    autoscaler_of,
    containers,
    find,
    name_of,
    namespace_of,
    pod_labels,
)
from tests.deploy.test_policies import quantity, serving_deployments
from tests.support.render import by_kind
from tests.support.selectors import labels_match

METRICS_SERVER = ("kube-system", "metrics-server")
# Losing one pod must leave enough to keep the SLO: a third of the capacity, not half.
MIN_REPLICAS = 3
# A pod that stops answering leaves the endpoints within about this long (issue 19: ~2 s).
ENDPOINT_REMOVAL_SECONDS = 3
# Liveness waits at least this long: restarts under load turned slowness into errors.
LIVENESS_PATIENCE_SECONDS = 60


@pytest.fixture
def serving(objects: list[dict]) -> list[dict]:
    deployments = serving_deployments(objects)
    if not deployments:
        pytest.skip("this tree runs none of our serving Deployments")
    return deployments


def hpa_for(objects: list[dict], deployment: dict) -> dict:
    hpa = autoscaler_of(objects, deployment)
    assert hpa is not None, f"{name_of(deployment)} has no HorizontalPodAutoscaler"
    return hpa


def test_every_serving_deployment_scales_on_cpu_with_a_floor_of_three(objects, serving):
    for deployment in serving:
        hpa = hpa_for(objects, deployment)
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["minReplicas"] >= MIN_REPLICAS
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        ((metric),) = hpa["spec"]["metrics"]
        assert metric["type"] == "Resource"
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"]["type"] == "Utilization"


def test_autoscalers_scale_up_at_once_and_down_slowly(objects, serving):
    for deployment in serving:
        behavior = hpa_for(objects, deployment)["spec"]["behavior"]
        assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
        assert all(p["periodSeconds"] <= 15 for p in behavior["scaleUp"]["policies"])
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] >= 300
        assert all(
            p["type"] == "Pods" and p["value"] == 1 for p in behavior["scaleDown"]["policies"]
        )


def test_autoscaled_deployments_leave_the_replica_count_to_the_autoscaler(objects, serving):
    # An applied spec.replicas would reset the autoscaler's count on every `kubectl apply`.
    fighting = [name_of(d) for d in serving if "replicas" in d["spec"]]
    assert fighting == []


def test_the_cpu_target_is_reached_before_the_cpu_limit(objects, serving):
    # Utilisation is usage / request: without a request there is nothing to scale on, and a
    # target above the limit could never be reached (the pod is throttled first).
    for deployment in serving:
        target = hpa_for(objects, deployment)["spec"]["metrics"][0]["resource"]["target"]
        for container in containers(deployment["spec"]["template"]):
            resources = container["resources"]
            request = quantity(resources["requests"]["cpu"])
            limit = quantity(resources["limits"]["cpu"])
            assert request * target["averageUtilization"] / 100 < limit, name_of(deployment)


def test_disruption_budgets_allow_one_pod_at_a_time_whatever_the_scale(objects, serving):
    for deployment in serving:
        budgets = [
            pdb
            for pdb in by_kind(objects, "PodDisruptionBudget")
            if namespace_of(pdb) == namespace_of(deployment)
            and labels_match(pdb["spec"]["selector"], pod_labels(deployment["spec"]["template"]))
        ]
        assert [pdb["spec"].get("maxUnavailable") for pdb in budgets] == [1], name_of(deployment)


def test_readiness_takes_a_silent_pod_out_within_seconds(serving):
    for deployment in serving:
        for container in containers(deployment["spec"]["template"]):
            probe = container["readinessProbe"]
            # Worst case: the last good answer just before the stop, then `failureThreshold`
            # probes that each wait up to their timeout.
            worst = probe["failureThreshold"] * max(probe["periodSeconds"], probe["timeoutSeconds"])
            assert worst <= ENDPOINT_REMOVAL_SECONDS, name_of(deployment)
            assert probe["failureThreshold"] >= 2, "one slow answer must not take a pod out"


def test_liveness_is_patient_so_load_never_restarts_a_pod(serving):
    for deployment in serving:
        for container in containers(deployment["spec"]["template"]):
            probe = container["livenessProbe"]
            patience = probe["periodSeconds"] * probe["failureThreshold"]
            assert patience >= LIVENESS_PATIENCE_SECONDS, name_of(deployment)
            assert probe["timeoutSeconds"] > container["readinessProbe"]["timeoutSeconds"]


def test_trees_with_autoscalers_run_a_metrics_server_or_are_the_base(tree, objects):
    if not by_kind(objects, "HorizontalPodAutoscaler") or tree.name == "base":
        pytest.skip("no autoscaler, or the base (a real cluster brings its own metrics-server)")
    if tree.name == "monitoring":
        pytest.skip("the monitoring overlay alone runs no application")
    assert find(objects, "Deployment", *METRICS_SERVER) is not None


@pytest.fixture
def metrics_server(objects: list[dict]) -> dict:
    deployment = find(objects, "Deployment", *METRICS_SERVER)
    if deployment is None:
        pytest.skip("this tree does not deploy metrics-server")
    return deployment


def test_metrics_server_skips_kubelet_certificate_checks_on_kind(metrics_server):
    # kind's (and the lab's) kubelets serve self-signed certificates (../shared/README.md).
    ((container),) = containers(metrics_server["spec"]["template"])
    assert "--kubelet-insecure-tls" in container["args"]
    assert container["image"].startswith("registry.k8s.io/metrics-server/metrics-server:v")


def test_metrics_server_runs_restricted(metrics_server):
    template = metrics_server["spec"]["template"]
    pod = template["spec"]["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["seccompProfile"]["type"] == "RuntimeDefault"
    for container in containers(template):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]


def test_the_metrics_api_is_served_by_the_metrics_server_service(objects, metrics_server):
    (api,) = [a for a in by_kind(objects, "APIService") if a["metadata"]["name"].endswith(
        ".metrics.k8s.io")]  # fmt: skip
    service = find(objects, "Service", api["spec"]["service"]["namespace"],
                   api["spec"]["service"]["name"])  # fmt: skip
    assert service is not None
    assert labels_match({"matchLabels": service["spec"]["selector"]},
                        pod_labels(metrics_server["spec"]["template"]))  # fmt: skip
    (port,) = service["spec"]["ports"]
    assert port["port"] == api["spec"]["service"]["port"]
    ports = {p["name"] for c in containers(metrics_server["spec"]["template"]) for p in c["ports"]}
    assert port["targetPort"] in ports


def test_metrics_server_may_read_what_it_serves(objects, metrics_server):
    account = metrics_server["spec"]["template"]["spec"]["serviceAccountName"]
    bound_roles = {
        binding["roleRef"]["name"]
        for binding in by_kind(objects, "ClusterRoleBinding") + by_kind(objects, "RoleBinding")
        for subject in binding["subjects"]
        if subject["name"] == account and subject.get("namespace") == METRICS_SERVER[0]
    }
    assert {"system:auth-delegator", "extension-apiserver-authentication-reader"} <= bound_roles
    (role,) = [r for r in by_kind(objects, "ClusterRole") if r["metadata"]["name"] in bound_roles]
    granted = {(resource, verb) for rule in role["rules"] for resource in rule["resources"]
               for verb in rule["verbs"]}  # fmt: skip
    assert {("nodes/metrics", "get"), ("pods", "list"), ("nodes", "list")} <= granted
