"""What the suite asks the Kubernetes API: workload and pod state, environments, rollouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kubernetes import client
from kubernetes.client.exceptions import ApiException

# Waiting reasons no amount of waiting cures: say what is wrong instead of timing out.
HOPELESS_WAITING = {
    "ErrImagePull": "the image is not in the cluster (kind: make images)",
    "ImagePullBackOff": "the image is not in the cluster (kind: make images)",
    "ErrImageNeverPull": "the image is not in the cluster (kind: make images)",
    "InvalidImageName": "the image name is malformed",
    "CreateContainerConfigError": "a ConfigMap or Secret it needs is missing",
}
WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet")


@dataclass(frozen=True)
class Workload:
    """A Deployment, DaemonSet or StatefulSet the overlay renders."""

    namespace: str
    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.kind.lower()}/{self.name}"


def _read(apps: client.AppsV1Api, workload: Workload) -> object:
    read = {
        "Deployment": apps.read_namespaced_deployment,
        "DaemonSet": apps.read_namespaced_daemon_set,
        "StatefulSet": apps.read_namespaced_stateful_set,
    }[workload.kind]
    return read(workload.name, workload.namespace)


def availability(apps: client.AppsV1Api, workload: Workload) -> tuple[bool, str]:
    """Whether every replica of the current revision is available, and the numbers that say so."""
    obj = _read(apps, workload)
    status = obj.status
    current = (status.observed_generation or 0) >= obj.metadata.generation
    if workload.kind == "DaemonSet":
        wanted = status.desired_number_scheduled or 0
        updated, available = status.updated_number_scheduled or 0, status.number_available or 0
        total = status.current_number_scheduled or 0
    else:
        wanted = obj.spec.replicas if obj.spec.replicas is not None else 1
        updated, available = status.updated_replicas or 0, status.available_replicas or 0
        total = status.replicas or 0
    done = current and wanted > 0 and updated == available == total == wanted
    return done, f"{available}/{wanted} available, {updated} updated, {total} pods"


def live_workloads(apps: client.AppsV1Api, namespace: str) -> set[Workload]:
    """The Deployments, DaemonSets and StatefulSets that exist in `namespace`."""
    listings = {
        "Deployment": apps.list_namespaced_deployment,
        "DaemonSet": apps.list_namespaced_daemon_set,
        "StatefulSet": apps.list_namespaced_stateful_set,
    }
    return {
        Workload(namespace, kind, obj.metadata.name)
        for kind, listing in listings.items()
        for obj in listing(namespace).items
    }


def selector_of(apps: client.AppsV1Api, workload: Workload) -> str:
    """The workload's pod selector as a label-selector string."""
    labels = _read(apps, workload).spec.selector.match_labels or {}
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def pods(core: client.CoreV1Api, namespace: str, selector: str) -> list[client.V1Pod]:
    """The selected pods that are not on their way out (an old ReplicaSet's terminating pods
    still match the selector for up to their grace period)."""
    listed = core.list_namespaced_pod(namespace, label_selector=selector).items
    return [pod for pod in listed if pod.metadata.deletion_timestamp is None]


def hopeless_pods(pod_list: list[client.V1Pod]) -> list[str]:
    """Pods stuck for a reason waiting will not fix, each with what to do about it."""
    found = []
    for pod in pod_list:
        for status in pod.status.container_statuses or []:
            waiting = status.state.waiting if status.state else None
            if waiting and waiting.reason in HOPELESS_WAITING:
                found.append(
                    f"{pod.metadata.name}/{status.name}: {waiting.reason} ({status.image}): "
                    f"{HOPELESS_WAITING[waiting.reason]}"
                )
    return found


def restarts(pod_list: list[client.V1Pod]) -> dict[str, str]:
    """Every container (init containers too) that restarted: how often, and how it last ended."""
    found = {}
    for pod in pod_list:
        statuses = [
            *(pod.status.init_container_statuses or []),
            *(pod.status.container_statuses or []),
        ]
        for status in statuses:
            if not status.restart_count:
                continue
            ended = status.last_state.terminated if status.last_state else None
            how = (
                f"{ended.reason} (exit {ended.exit_code}) at {ended.finished_at:%H:%M:%S} UTC"
                if ended and ended.finished_at
                else "not reported"
            )
            name = f"{pod.metadata.name}/{status.name}"
            found[name] = f"{status.restart_count} restart(s), last ended {how}"
    return found


def container_environment(
    apps: client.AppsV1Api, core: client.CoreV1Api, namespace: str, deployment: str
) -> dict[str, str]:
    """The first container's environment as the cluster gives it: envFrom ConfigMaps, then
    literal `env` values on top (values from Secrets or fields are left out)."""
    container = apps.read_namespaced_deployment(
        deployment, namespace
    ).spec.template.spec.containers[0]
    env: dict[str, str] = {}
    for source in container.env_from or []:
        if source.config_map_ref:
            config_map = core.read_namespaced_config_map(source.config_map_ref.name, namespace)
            env.update(config_map.data or {})
    env.update(
        {entry.name: entry.value for entry in container.env or [] if entry.value is not None}
    )
    return env


def restart_deployment(apps: client.AppsV1Api, namespace: str, name: str) -> None:
    """What `kubectl rollout restart` does: a new pod-template annotation, so a new ReplicaSet."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    patch = {
        "spec": {
            "template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}
        }
    }
    apps.patch_namespaced_deployment(name, namespace, patch)


def exists(read: object, *args: str) -> bool:
    """Whether `read(*args)` finds the object (False on 404)."""
    try:
        read(*args)  # type: ignore[operator]
    except ApiException as error:
        if error.status == 404:
            return False
        raise
    return True
