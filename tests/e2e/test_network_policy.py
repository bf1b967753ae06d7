"""NetworkPolicy, where the CNI enforces it: a pod in another namespace cannot open a connection
to the backend, while the same pod reaches Prometheus in its own namespace (so the refusal is the
policy's, not a broken network or DNS). The probe is a short-lived pod in `monitoring`, running
the backend's image (present on any cluster that runs the app), deleted afterwards."""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from tests.e2e.cluster import exists
from tests.e2e.settings import APP_NAMESPACE, MONITORING_NAMESPACE, Settings
from tests.support.polling import NotYet, wait_for

PROBE = "e2e-netpol-probe"
# A TCP connect per target with a short timeout; prints {"host:port": "open" | "<error>"}.
CONNECT = """
import json, socket, sys
result = {}
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
        result[target] = "open"
    except OSError as error:
        result[target] = type(error).__name__
print(json.dumps(result))
"""
BACKEND = f"backend.{APP_NAMESPACE}.svc.cluster.local:8000"
CONTROL = f"prometheus.{MONITORING_NAMESPACE}.svc.cluster.local:9090"


def _probe_pod(image: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": PROBE, "labels": {"app.kubernetes.io/name": PROBE}},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "probe",
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["python", "-c", CONNECT, BACKEND, CONTROL],
                    "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}},
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]},
                        "readOnlyRootFilesystem": True,
                    },
                }
            ],
        },
    }


@pytest.fixture
def connections(apps: client.AppsV1Api, core: client.CoreV1Api, settings: Settings) -> dict:
    """What the probe pod could connect to, from namespace monitoring."""
    backend = apps.read_namespaced_deployment("backend", APP_NAMESPACE)
    _delete_probe(core, settings)  # left over from an interrupted run
    core.create_namespaced_pod(
        MONITORING_NAMESPACE, _probe_pod(backend.spec.template.spec.containers[0].image)
    )
    try:

        def finished() -> str:
            phase = core.read_namespaced_pod(PROBE, MONITORING_NAMESPACE).status.phase
            if phase not in ("Succeeded", "Failed"):
                raise NotYet(f"probe pod {phase}")
            return phase

        phase = wait_for(finished, settings.timeout, "the probe pod to finish")
        log = core.read_namespaced_pod_log(PROBE, MONITORING_NAMESPACE)
        assert phase == "Succeeded", f"the probe pod failed: {log}"
        return json.loads(log.strip().splitlines()[-1])
    finally:
        _delete_probe(core, settings)


def _delete_probe(core: client.CoreV1Api, settings: Settings) -> None:
    if exists(core.read_namespaced_pod, PROBE, MONITORING_NAMESPACE):
        core.delete_namespaced_pod(PROBE, MONITORING_NAMESPACE, grace_period_seconds=0)
        wait_for(
            lambda: not exists(core.read_namespaced_pod, PROBE, MONITORING_NAMESPACE),
            settings.timeout,
            "the probe pod deleted",
        )


@pytest.mark.needs("networkpolicy")
def test_pod_in_another_namespace_cannot_reach_the_backend(connections: dict, record_property):
    record_property("from monitoring", json.dumps(connections))
    assert connections[CONTROL] == "open", "the probe reaches nothing: network or DNS is broken"
    assert connections[BACKEND] != "open", "the backend's NetworkPolicy let a foreign pod in"
