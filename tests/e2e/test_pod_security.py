"""Pod Security "restricted" is enforced in stock-monitoring: the apiserver refuses a privileged
pod. Server-side dry runs go through admission and store nothing, so the check leaves no trace;
a compliant pod is accepted the same way, which shows the refusal is Pod Security's."""

from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.e2e.cluster import exists
from tests.e2e.settings import APP_NAMESPACE

RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
}
RESTRICTED_POD = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _pod(name: str, image: str, pod_security: dict, container_security: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": APP_NAMESPACE},
        "spec": {
            "securityContext": pod_security,
            "containers": [
                {"name": "probe", "image": image, "securityContext": container_security}
            ],
        },
    }


@pytest.fixture(scope="module")
def image(apps: client.AppsV1Api) -> str:
    """An image the namespace already runs (a dry run never pulls it anyway)."""
    return (
        apps.read_namespaced_deployment("backend", APP_NAMESPACE)
        .spec.template.spec.containers[0]
        .image
    )


def test_namespace_enforces_restricted(core: client.CoreV1Api):
    labels = core.read_namespace(APP_NAMESPACE).metadata.labels or {}
    assert labels.get("pod-security.kubernetes.io/enforce") == "restricted"


def test_privileged_pod_is_refused_by_the_apiserver(
    core: client.CoreV1Api, image: str, record_property
):
    privileged = _pod("e2e-privileged", image, {}, {"privileged": True})
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod(APP_NAMESPACE, privileged, dry_run="All")
    assert refused.value.status == 403
    assert "violates PodSecurity" in refused.value.body
    record_property("apiserver said", refused.value.body.split('"message":"', 1)[-1][:160])


def test_restricted_pod_passes_the_same_dry_run(core: client.CoreV1Api, image: str):
    compliant = _pod("e2e-restricted", image, RESTRICTED_POD, RESTRICTED_CONTAINER)
    created = core.create_namespaced_pod(APP_NAMESPACE, compliant, dry_run="All")
    assert created.metadata.name == "e2e-restricted"
    assert not exists(core.read_namespaced_pod, "e2e-restricted", APP_NAMESPACE), (
        "dry run stored it"
    )
