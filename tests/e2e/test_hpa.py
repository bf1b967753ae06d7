"""The HorizontalPodAutoscalers read a CPU metric from metrics-server, own the replica count,
and kube-state-metrics exports what the dashboard's HPA panels show."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.e2e.settings import APP_NAMESPACE, Settings
from tests.support.polling import NotYet, wait_for
from tests.support.prometheus import query

AUTOSCALED = ("backend", "webui")


@pytest.fixture(scope="module")
def autoscaling(api: client.ApiClient) -> client.AutoscalingV2Api:
    return client.AutoscalingV2Api(api)


def cpu_utilisation(hpa: client.V2HorizontalPodAutoscaler) -> int:
    """The CPU utilisation the HPA last read; NotYet while it has none."""
    status = hpa.status or client.V2HorizontalPodAutoscalerStatus(desired_replicas=0)
    for metric in status.current_metrics or []:
        resource = metric.resource
        if (
            metric.type == "Resource"
            and resource is not None
            and resource.name == "cpu"
            and resource.current.average_utilization is not None
        ):
            return resource.current.average_utilization
    conditions = {c.type: f"{c.status} {c.reason}" for c in (status.conditions or [])}
    raise NotYet(f"no CPU reading yet; conditions {conditions}")


@pytest.mark.parametrize("name", AUTOSCALED)
def test_the_autoscaler_reads_cpu_from_metrics_server(
    name: str, autoscaling: client.AutoscalingV2Api, settings: Settings, record_property
):
    def reading() -> tuple[int, client.V2HorizontalPodAutoscaler]:
        hpa = autoscaling.read_namespaced_horizontal_pod_autoscaler(name, APP_NAMESPACE)
        return cpu_utilisation(hpa), hpa

    utilisation, hpa = wait_for(reading, settings.timeout, f"a CPU reading of HPA {name}")
    active = {c.type: c.status for c in hpa.status.conditions}
    assert active.get("ScalingActive") == "True", hpa.status.conditions
    record_property("cpu", f"{utilisation}% of requests (target {target(hpa)}%)")


def target(hpa: client.V2HorizontalPodAutoscaler) -> int:
    (metric,) = hpa.spec.metrics
    return metric.resource.target.average_utilization


@pytest.mark.parametrize("name", AUTOSCALED)
def test_the_autoscaler_owns_the_replica_count(
    name: str, autoscaling: client.AutoscalingV2Api, apps: client.AppsV1Api, settings: Settings
):
    def settled() -> tuple[int, int]:
        hpa = autoscaling.read_namespaced_horizontal_pod_autoscaler(name, APP_NAMESPACE)
        deployment = apps.read_namespaced_deployment(name, APP_NAMESPACE)
        desired = hpa.status.desired_replicas if hpa.status else None
        if desired is None or deployment.spec.replicas != desired:
            raise NotYet(f"HPA wants {desired}, the Deployment has {deployment.spec.replicas}")
        return desired, hpa.spec.min_replicas

    desired, minimum = wait_for(settled, settings.timeout, f"{name} at the HPA's count")
    assert desired >= minimum


@pytest.mark.parametrize("name", AUTOSCALED)
def test_kube_state_metrics_exports_the_autoscaler(name: str, prometheus: str, settings: Settings):
    series = (
        "kube_horizontalpodautoscaler_status_target_metric"
        f'{{namespace="{APP_NAMESPACE}", horizontalpodautoscaler="{name}", metric_name="cpu"}}'
    )
    wait_for(lambda: query(prometheus, series), settings.timeout, f"{series} in Prometheus")
