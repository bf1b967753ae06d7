"""Kubernetes API access for the lab: preflight checks, Chaos Mesh objects, target pods."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from chaoslab.experiments import GROUP, VERSION, Experiment
from chaoslab.pods import PodState

PAUSE_ANNOTATION = "experiment.chaos-mesh.org/pause"
CHAOS_CONTROLLER = "chaos-controller-manager"  # the Deployment Chaos Mesh's Helm chart creates


class ClusterError(RuntimeError):
    """A Kubernetes API call failed in a way the user has to act on."""


def api_client_from_kubeconfig(
    kubeconfig: str | None = None, context: str | None = None
) -> client.ApiClient:
    """An ApiClient for the current (or named) context of the kubeconfig file(s)."""
    try:
        config.load_kube_config(config_file=kubeconfig, context=context)
    except config.ConfigException as error:
        raise ClusterError(f"no usable kubeconfig: {error}; is the kind cluster up?") from error
    return client.ApiClient()


def _pod_state(pod: client.V1Pod) -> PodState:
    conditions = pod.status.conditions or []
    statuses = pod.status.container_statuses or []
    return PodState(
        name=pod.metadata.name,
        node=pod.spec.node_name,
        phase=pod.status.phase or "Unknown",
        ready=any(c.type == "Ready" and c.status == "True" for c in conditions),
        restarts=sum(s.restart_count for s in statuses),
        terminating=pod.metadata.deletion_timestamp is not None,
    )


class ChaosExistsError(ClusterError):
    """An object of the experiment's name exists already: someone else's, never to be deleted."""


class Cluster:
    """The application namespace of one cluster, seen through the `kubernetes` client."""

    def __init__(self, api: client.ApiClient, namespace: str, pod_selector: str) -> None:
        self.api = api
        self.namespace = namespace
        self.pod_selector = pod_selector
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def preflight(self, deployments: Sequence[str], kinds: Sequence[str]) -> list[str]:
        """Problems that make an experiment pointless or impossible; empty when all is well."""
        try:
            client.VersionApi(self.api).get_code()
        except (ApiException, urllib3.exceptions.HTTPError) as error:
            return [f"the Kubernetes API is unreachable ({error}); is the cluster running?"]
        missing = self._missing_crds(kinds)
        if missing:
            return missing + self._unready_deployments(deployments)
        return self._active_chaos(kinds) + self._unready_deployments(deployments)

    def _missing_crds(self, kinds: Sequence[str]) -> list[str]:
        crds = client.ApiextensionsV1Api(self.api).list_custom_resource_definition()
        installed = {crd.metadata.name for crd in crds.items}
        return [
            f"CRD {kind.lower()}.{GROUP} is not installed; install Chaos Mesh first"
            for kind in sorted(set(kinds))
            if f"{kind.lower()}.{GROUP}" not in installed
        ]

    def _active_chaos(self, kinds: Sequence[str]) -> list[str]:
        """Chaos already running here would mix its damage into the lab's measurements."""
        active = []
        for plural in ("schedules", "workflows", *sorted({k.lower() for k in kinds})):
            listed = self.custom.list_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural
            )
            for item in listed.get("items", []):
                annotations = item.get("metadata", {}).get("annotations") or {}
                if plural == "schedules" and annotations.get(PAUSE_ANNOTATION) == "true":
                    continue
                active.append(f"{plural}/{item['metadata']['name']}")
        if not active:
            return []
        return [
            f"other chaos is active in {self.namespace} ({', '.join(active)}); it would confound "
            "the measurements: stop it first (make chaos-stop)"
        ]

    def _unready_deployments(self, names: Sequence[str]) -> list[str]:
        found = client.AppsV1Api(self.api).list_namespaced_deployment(self.namespace).items
        by_name = {d.metadata.name: d for d in found}
        problems = []
        for name in names:
            deployment = by_name.get(name)
            if deployment is None:
                problems.append(f"deployment {self.namespace}/{name} does not exist")
                continue
            desired = deployment.spec.replicas or 0
            ready = deployment.status.ready_replicas or 0
            if ready < desired or desired == 0:
                problems.append(
                    f"deployment {self.namespace}/{name} has {ready}/{desired} ready replicas"
                )
        return problems

    def environment(self, deployments: Sequence[str]) -> dict[str, str]:
        """What a report states up front: Kubernetes version, nodes, chaos controller, images.
        A fact the lab's credentials may not read is reported as unknown, never guessed."""

        def read(what: str, call: Callable[[], str]) -> str:
            try:
                return call()
            except (ApiException, urllib3.exceptions.HTTPError) as error:
                return f"unknown ({what}: {getattr(error, 'reason', None) or error})"

        apps = client.AppsV1Api(self.api)

        def images() -> str:
            found = apps.list_namespaced_deployment(self.namespace).items
            listed = {
                d.metadata.name: ", ".join(c.image for c in d.spec.template.spec.containers)
                for d in found
            }
            return "; ".join(f"{n}: `{listed.get(n, 'not deployed')}`" for n in deployments)

        def chaos_controller() -> str:
            found = apps.list_deployment_for_all_namespaces(
                field_selector=f"metadata.name={CHAOS_CONTROLLER}"
            ).items
            if not found:
                return (
                    f"no {CHAOS_CONTROLLER} Deployment found: the chaos-mesh.org objects are "
                    "served by a stand-in or another controller"
                )
            d = found[0]
            image = ", ".join(c.image for c in d.spec.template.spec.containers)
            return f"Chaos Mesh ({d.metadata.namespace}/{d.metadata.name}, `{image}`)"

        return {
            "Kubernetes": read(
                "version", lambda: client.VersionApi(self.api).get_code().git_version
            ),
            "nodes": read(
                "list nodes", lambda: str(len(client.CoreV1Api(self.api).list_node().items))
            ),
            "chaos controller": read("list deployments", chaos_controller),
            "images": read("list deployments", images),
        }

    def create(self, experiment: Experiment) -> None:
        try:
            self.custom.create_namespaced_custom_object(
                GROUP, VERSION, experiment.namespace, experiment.plural, experiment.body
            )
        except ApiException as error:
            if error.status == 409:
                raise ChaosExistsError(
                    f"{experiment.describe()} already exists (left over from another run?); "
                    f"delete it: kubectl -n {experiment.namespace} delete "
                    f"{experiment.plural} {experiment.name}"
                ) from error
            raise ClusterError(
                f"creating {experiment.describe()} failed: {error.reason}"
            ) from error

    def wait_injected(self, experiment: Experiment, deadline_seconds: float) -> float:
        """Poll until Chaos Mesh reports AllInjected and return when; raise after the deadline."""
        end = time.monotonic() + deadline_seconds
        conditions: list[dict] = []
        while time.monotonic() < end:
            body = self.custom.get_namespaced_custom_object(
                GROUP, VERSION, experiment.namespace, experiment.plural, experiment.name
            )
            conditions = (body.get("status") or {}).get("conditions") or []
            if any(
                c.get("type") == "AllInjected" and c.get("status") == "True" for c in conditions
            ):
                return time.time()
            time.sleep(0.5)
        seen = ", ".join(f"{c.get('type')}={c.get('status')}" for c in conditions) or "none"
        raise ClusterError(
            f"{experiment.describe()} was not injected within {deadline_seconds:.0f}s "
            f"(conditions: {seen}); does its selector match running pods?"
        )

    def delete(self, experiment: Experiment) -> bool:
        """Delete the object; False when it was already gone."""
        try:
            self.custom.delete_namespaced_custom_object(
                GROUP, VERSION, experiment.namespace, experiment.plural, experiment.name
            )
        except ApiException as error:
            if error.status == 404:
                return False
            raise ClusterError(
                f"deleting {experiment.describe()} failed: {error.reason}"
            ) from error
        return True

    def pods(self) -> dict[str, PodState]:
        """The target pods right now, by name."""
        try:
            listed = self.core.list_namespaced_pod(self.namespace, label_selector=self.pod_selector)
        except (ApiException, urllib3.exceptions.HTTPError) as error:
            raise ClusterError(f"listing pods in {self.namespace} failed: {error}") from error
        return {pod.metadata.name: _pod_state(pod) for pod in listed.items}
