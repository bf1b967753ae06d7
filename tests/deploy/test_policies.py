"""House rules every rendered pod follows: pinned images, resources, probes, restricted security,
safe rollouts, scraping and writable paths."""

from __future__ import annotations

import re

import pytest

from servicekit.gunicorn_conf import GRACEFUL_TIMEOUT
from tests.deploy.manifests import (
    container_ports,
    containers,
    exposes,
    name_of,
    namespace_of,
    pod_labels,
    pods,
    replica_floor,
)
from tests.support.cluster_env import container_env
from tests.support.render import by_kind
from tests.support.selectors import labels_match

APP_NAMESPACE = "stock-monitoring"
APP_UID = 10001
METRICS_PORT = 9000
HOST_ACCESS_KEYS = ("hostNetwork", "hostPID", "hostIPC")
QUANTITY = re.compile(r"^(?P<number>[0-9.]+)(?P<suffix>m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
SUFFIXES = {
    None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}  # fmt: skip


def is_app_image(image: str) -> bool:
    return image.startswith("stockwatch/")


def app_pods(objects: list[dict]) -> list[tuple[dict, dict]]:
    """Pods running our own images."""
    return [
        (workload, template)
        for workload, template in pods(objects)
        if any(is_app_image(c["image"]) for c in containers(template))
    ]


def serving_deployments(objects: list[dict]) -> list[dict]:
    """App Deployments answering HTTP behind a Service (backend, webui; not the load generator)."""
    return [
        workload
        for workload, template in app_pods(objects)
        if workload["kind"] == "Deployment" and exposes(template, "http")
    ]


def needs_host_access(template: dict) -> bool:
    spec = template["spec"]
    return any(spec.get(key) for key in HOST_ACCESS_KEYS) or any(
        "hostPath" in volume for volume in spec.get("volumes", [])
    )


@pytest.fixture
def app_objects(objects: list[dict]) -> list[dict]:
    """The rendered tree, for trees that run our own images (others skip app-only rules)."""
    if not app_pods(objects):
        pytest.skip("this tree runs none of our own images")
    return objects


def image_tag(image: str) -> str | None:
    """The tag of an image reference (None when it has none)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def test_images_are_pinned_to_a_tag_that_is_not_latest(objects):
    unpinned = [
        f"{name_of(workload)}: {c['image']}"
        for workload, template in pods(objects)
        for c in containers(template)
        if image_tag(c["image"]) in (None, "latest") and "@sha256:" not in c["image"]
    ]
    assert unpinned == []


def test_images_are_pinned_by_tag_not_by_digest(objects):
    # The lab cluster (../shared/lab) builds these images itself and tags them as the manifests
    # name them: a digest could never match, and its build-images.sh refuses one. Tags with a
    # release-date comment are the rule (docs/kubernetes.md, "Pins").
    digests = [
        f"{name_of(workload)}: {c['image']}"
        for workload, template in pods(objects)
        for c in containers(template)
        if "@" in c["image"]
    ]
    assert digests == []


def test_app_containers_run_the_locally_loaded_dev_images(app_objects):
    # `make images` builds stockwatch/<service>:dev and `kind load`s it: nothing to pull.
    wrong = [
        f"{name_of(workload)}: {c['image']} ({c.get('imagePullPolicy')})"
        for workload, template in app_pods(app_objects)
        for c in containers(template)
        if is_app_image(c["image"])
        and (
            not re.fullmatch(r"stockwatch/[a-z]+:dev", c["image"])
            or c.get("imagePullPolicy") != "IfNotPresent"
        )
    ]
    assert wrong == []


def test_every_container_has_cpu_and_memory_requests_and_limits(objects):
    missing = [
        f"{name_of(workload)} container {c['name']}: {kind}.{resource}"
        for workload, template in pods(objects)
        for c in containers(template)
        for kind in ("requests", "limits")
        for resource in ("cpu", "memory")
        if resource not in c.get("resources", {}).get(kind, {})
    ]
    assert missing == []


def quantity(value: str | int | float) -> float:
    """A Kubernetes resource quantity ("250m", "1", "512Mi") as a number."""
    match = QUANTITY.match(str(value))
    assert match, f"unreadable quantity {value!r}"
    return float(match["number"]) * SUFFIXES[match["suffix"]]


def test_no_container_requests_more_than_its_limit(objects):
    # The API server rejects such a pod; the schemas cannot see it.
    over = [
        f"{name_of(workload)} container {c['name']}: {resource}"
        for workload, template in pods(objects)
        for c in containers(template)
        for resource, limit in c.get("resources", {}).get("limits", {}).items()
        if resource in c["resources"].get("requests", {})
        and quantity(c["resources"]["requests"][resource]) > quantity(limit)
    ]
    assert over == []


def test_disruption_budgets_leave_room_to_drain_a_node(objects):
    # minAvailable equal to the replica count would block every node drain forever.
    blocking = [
        f"{name_of(pdb)}: minAvailable {pdb['spec']['minAvailable']}, {name_of(workload)}"
        for pdb in by_kind(objects, "PodDisruptionBudget")
        if isinstance(pdb["spec"].get("minAvailable"), int)
        for workload, template in pods(objects, namespace_of(pdb))
        if workload["kind"] == "Deployment"
        and labels_match(pdb["spec"]["selector"], pod_labels(template))
        and pdb["spec"]["minAvailable"] >= replica_floor(objects, workload)
    ]
    assert blocking == []


def test_app_containers_have_liveness_and_readiness_probes(app_objects):
    missing = [
        f"{name_of(workload)} container {c['name']}: {probe}"
        for workload, template in app_pods(app_objects)
        for c in template["spec"]["containers"]
        for probe in ("livenessProbe", "readinessProbe")
        if probe not in c
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("probe", "path"),
    [("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")],
)
def test_serving_containers_probe_the_health_endpoints_on_the_http_port(app_objects, probe, path):
    wrong = [
        f"{name_of(workload)}: {c.get(probe)}"
        for workload in serving_deployments(app_objects)
        for c in workload["spec"]["template"]["spec"]["containers"]
        if c.get(probe, {}).get("httpGet") != {"path": path, "port": "http"}
    ]
    assert wrong == []


def test_pods_without_host_access_run_restricted(objects):
    problems = []
    for workload, template in pods(objects):
        if needs_host_access(template):
            continue
        spec = template["spec"]
        pod_security = spec.get("securityContext", {})
        for c in containers(template):
            security = {**pod_security, **c.get("securityContext", {})}
            where = f"{name_of(workload)} container {c['name']}"
            if security.get("runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
                problems.append(f"{where}: seccompProfile is not RuntimeDefault")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                problems.append(f"{where}: capabilities do not drop ALL")
            if set(security.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}:
                problems.append(f"{where}: adds capabilities")
    assert problems == []


def test_pods_needing_host_access_stay_out_of_the_app_namespace(objects):
    # Such pods (node-exporter) cannot be "restricted"; the app namespace enforces that level.
    misplaced = [
        name_of(workload)
        for workload, template in pods(objects)
        if needs_host_access(template) and namespace_of(workload) == APP_NAMESPACE
    ]
    assert misplaced == []


def test_the_app_namespace_enforces_the_restricted_pod_security_level(app_objects):
    [namespace] = [
        ns for ns in by_kind(app_objects, "Namespace") if ns["metadata"]["name"] == APP_NAMESPACE
    ]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_app_pods_run_as_the_image_uid_and_gid(app_objects):
    wrong = [
        name_of(workload)
        for workload, template in app_pods(app_objects)
        if (
            template["spec"].get("securityContext", {}).get("runAsUser"),
            template["spec"].get("securityContext", {}).get("runAsGroup"),
        )
        != (APP_UID, APP_UID)
    ]
    assert wrong == []


def test_app_pods_have_their_own_service_account_without_a_token(app_objects):
    service_accounts = {
        (namespace_of(sa), sa["metadata"]["name"]): sa
        for sa in by_kind(app_objects, "ServiceAccount")
    }
    problems = []
    for workload, template in app_pods(app_objects):
        spec = template["spec"]
        account = service_accounts.get((namespace_of(workload), spec.get("serviceAccountName")))
        if account is None:
            problems.append(f"{name_of(workload)}: no ServiceAccount of its own in the tree")
        elif spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{name_of(workload)}: mounts a service account token")
    assert problems == []


def test_serving_deployments_roll_out_without_losing_capacity(app_objects):
    problems = []
    for deployment in serving_deployments(app_objects):
        spec = deployment["spec"]
        rolling = spec.get("strategy", {}).get("rollingUpdate", {})
        if replica_floor(app_objects, deployment) < 2:
            problems.append(f"{name_of(deployment)}: fewer than 2 replicas")
        if rolling.get("maxUnavailable") != 0 or not rolling.get("maxSurge"):
            problems.append(f"{name_of(deployment)}: not maxUnavailable 0 with a surge")
        if not spec.get("minReadySeconds") or not spec.get("progressDeadlineSeconds"):
            problems.append(f"{name_of(deployment)}: minReadySeconds/progressDeadlineSeconds unset")
    assert problems == []


def test_serving_pods_drain_before_gunicorn_stops_within_the_grace_period(app_objects):
    # After the preStop sleep, SIGTERM gives gunicorn GRACEFUL_TIMEOUT to finish in-flight
    # requests; the kubelet must not SIGKILL before both are over.
    problems = []
    for deployment in serving_deployments(app_objects):
        spec = deployment["spec"]["template"]["spec"]
        grace = spec.get("terminationGracePeriodSeconds", 30)
        for c in spec["containers"]:
            pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
            if pre_stop < 3:
                problems.append(f"{name_of(deployment)}: preStop sleep {pre_stop}s < 3s")
            if grace < pre_stop + GRACEFUL_TIMEOUT + 5:
                problems.append(
                    f"{name_of(deployment)}: grace {grace}s < preStop {pre_stop}s + "
                    f"gunicorn graceful timeout {GRACEFUL_TIMEOUT}s + 5s"
                )
    assert problems == []


def test_serving_pods_have_a_disruption_budget(app_objects):
    budgets = by_kind(app_objects, "PodDisruptionBudget")
    unprotected = [
        name_of(deployment)
        for deployment in serving_deployments(app_objects)
        if not any(
            namespace_of(pdb) == namespace_of(deployment)
            and labels_match(
                pdb["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"]
            )
            for pdb in budgets
        )
    ]
    assert unprotected == []


def test_serving_pods_spread_across_nodes_without_blocking_scheduling(app_objects):
    problems = []
    for deployment in serving_deployments(app_objects):
        template = deployment["spec"]["template"]
        constraints = [
            constraint
            for constraint in template["spec"].get("topologySpreadConstraints", [])
            if constraint["topologyKey"] == "kubernetes.io/hostname"
            and labels_match(constraint.get("labelSelector", {}), template["metadata"]["labels"])
        ]
        if [c["whenUnsatisfiable"] for c in constraints] != ["ScheduleAnyway"]:
            problems.append(f"{name_of(deployment)}: {constraints}")
    assert problems == []


def test_app_pods_are_scraped_on_their_metrics_port(app_objects):
    expected = {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(METRICS_PORT),
        "prometheus.io/path": "/metrics",
    }
    problems = []
    for workload, template in app_pods(app_objects):
        annotations = template.get("metadata", {}).get("annotations", {})
        if {key: annotations.get(key) for key in expected} != expected:
            problems.append(f"{name_of(workload)}: scrape annotations {annotations}")
        metrics_ports = [
            port["containerPort"]
            for port in container_ports(template)
            if port.get("name") == "metrics"
        ]
        if metrics_ports != [METRICS_PORT]:
            problems.append(f"{name_of(workload)}: metrics container ports {metrics_ports}")
    assert problems == []


def test_app_containers_write_only_to_bounded_emptydirs(app_objects):
    problems = []
    for workload, template in app_pods(app_objects):
        volumes = {volume["name"]: volume for volume in template["spec"].get("volumes", [])}
        for c in template["spec"]["containers"]:
            mounts = {m["mountPath"]: volumes.get(m["name"], {}) for m in c.get("volumeMounts", [])}
            env = container_env(app_objects, namespace_of(workload), c)
            multiproc = env.get("PROMETHEUS_MULTIPROC_DIR")
            # gunicorn keeps worker heartbeats in /tmp; prometheus_client its multiprocess files.
            needed = ["/tmp"] if exposes(template, "http") else []
            for path in [*needed, *([multiproc] if multiproc else [])]:
                if "emptyDir" not in mounts.get(path, {}):
                    problems.append(f"{name_of(workload)}: {path} is not an emptyDir")
            if (
                multiproc
                and mounts.get(multiproc, {}).get("emptyDir", {}).get("medium") != "Memory"
            ):
                problems.append(f"{name_of(workload)}: {multiproc} is not in memory")
        for volume in volumes.values():
            if "emptyDir" in volume and not volume["emptyDir"].get("sizeLimit"):
                problems.append(f"{name_of(workload)}: emptyDir {volume['name']} has no sizeLimit")
    assert problems == []


def test_image_tag_reader_understands_registries_with_ports():
    assert image_tag("registry.local:5000/stockwatch/backend") is None
    assert image_tag("registry.local:5000/stockwatch/backend:dev") == "dev"
    assert re.fullmatch(r"v\d+", image_tag("quay.io/x/y:v3@sha256:" + "0" * 64) or "")
