"""The rendered monitoring overlay (and the opt-in image renderer): names, paths, hardening."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.monitoring.prometheus_config import OVERLAY, monitoring_objects
from tests.support.render import KUSTOMIZE, REPO, by_kind, by_name, pod_templates, render

RENDERER = KUSTOMIZE / "components" / "grafana-image-renderer"
# node-exporter must see the node, not its sandbox (namespace.yaml explains the exception).
HOST_ACCESS = {"node-exporter"}


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return monitoring_objects()


def containers(objects: list[dict]) -> list[tuple[str, dict]]:
    """(workload name, container) for every container the objects run."""
    return [
        (workload["metadata"]["name"], container)
        for workload, template in pod_templates(objects)
        for container in template["spec"]["containers"]
    ]


def env_of(container: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container.get("env", [])}


@pytest.fixture(scope="module")
def with_renderer(tmp_path_factory) -> list[dict]:
    """The monitoring overlay with the renderer component switched on, as an overlay would."""
    folder: Path = tmp_path_factory.mktemp("renderer-overlay")
    # kustomize accepts only relative paths to other kustomizations.
    overlay, component = (os.path.relpath(path, folder) for path in (OVERLAY, RENDERER))
    (folder / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources: [{overlay}]\ncomponents: [{component}]\n"
    )
    return render(folder)


def test_every_namespaced_object_is_in_the_monitoring_namespace(objects):
    cluster_scoped = {"Namespace", "ClusterRole", "ClusterRoleBinding"}
    for obj in objects:
        if obj["kind"] not in cluster_scoped:
            assert obj["metadata"]["namespace"] == "monitoring", obj["metadata"]["name"]


def test_every_image_is_pinned_to_a_version_tag(objects, with_renderer):
    for name, container in containers(objects) + containers(with_renderer):
        image = container["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
        assert tag and tag != "latest", f"{name}: {image}"


def test_every_container_has_requests_limits_and_probes(objects, with_renderer):
    for name, container in containers(objects) + containers(with_renderer):
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
        assert "readinessProbe" in container and "livenessProbe" in container, name


def test_every_pod_runs_restricted_apart_from_node_exporters_host_access(objects, with_renderer):
    for workload, template in pod_templates(objects) + pod_templates(with_renderer):
        pod = template["spec"]
        name = workload["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
        host = (
            pod.get("hostNetwork")
            or pod.get("hostPID")
            or any("hostPath" in volume for volume in pod.get("volumes", []))
        )
        assert not host or name in HOST_ACCESS, name


def test_node_exporter_reads_the_host_read_only_on_every_node(objects):
    daemonset = by_name(objects, "DaemonSet", "node-exporter")
    pod = daemonset["spec"]["template"]["spec"]
    mounts = {mount["mountPath"]: mount for mount in pod["containers"][0]["volumeMounts"]}
    assert {"/host/proc", "/host/sys", "/host/root"} == set(mounts)
    assert all(mount["readOnly"] for mount in mounts.values())
    assert {
        "key": "node-role.kubernetes.io/control-plane",
        "operator": "Exists",
        "effect": "NoSchedule",
    } in pod["tolerations"]


def test_prometheus_serves_under_the_prometheus_sub_path(objects):
    (container,) = by_name(objects, "Deployment", "prometheus")["spec"]["template"]["spec"][
        "containers"
    ]
    args = container["args"]
    assert "--web.external-url=http://localhost/prometheus/" in args
    assert "--web.route-prefix=/prometheus" in args
    assert "--web.enable-lifecycle" in args
    # Retention lives in prometheus.yml since Prometheus 3.8; the flags are deprecated.
    assert not any(arg.startswith("--storage.tsdb.retention.") for arg in args)
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"].startswith("/prometheus/-/"), probe


def test_grafana_follows_the_contract(objects):
    (container,) = by_name(objects, "Deployment", "grafana")["spec"]["template"]["spec"][
        "containers"
    ]
    env = env_of(container)
    assert env["GF_SERVER_ROOT_URL"]["value"] == "http://localhost/grafana/"
    assert env["GF_SERVER_SERVE_FROM_SUB_PATH"]["value"] == "true"
    assert env["GF_AUTH_ANONYMOUS_ENABLED"]["value"] == "true"
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"]["value"] == "Viewer"
    secret = env["GF_SECURITY_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"]
    rendered = by_name(objects, "Secret", secret["name"])
    assert secret["key"] in rendered["data"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/grafana/api/health"


@pytest.mark.parametrize(("service", "port"), [("prometheus", 9090), ("grafana", 3000)])
def test_service_exposes_the_contract_port_of_its_pods(objects, service, port):
    svc = by_name(objects, "Service", service)
    (svc_port,) = svc["spec"]["ports"]
    assert svc_port["port"] == port
    pod = by_name(objects, "Deployment", service)["spec"]["template"]
    assert svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    container_ports = {p["name"]: p["containerPort"] for p in pod["spec"]["containers"][0]["ports"]}
    assert container_ports[svc_port["targetPort"]] == port


def test_dashboards_configmap_carries_the_committed_dashboard(objects):
    pod = by_name(objects, "Deployment", "grafana")["spec"]["template"]["spec"]
    names = {v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v}
    configmaps = {o["metadata"]["name"]: o for o in by_kind(objects, "ConfigMap")}
    assert names <= set(configmaps)
    dashboards = next(configmaps[name] for name in names if name.startswith("grafana-dashboards-"))
    committed = (REPO / "grafana" / "dashboards" / "stockwatch.json").read_text()
    assert dashboards["data"]["stockwatch.json"] == committed


def test_renderer_component_points_grafana_at_the_renderer_and_back(with_renderer):
    (grafana,) = by_name(with_renderer, "Deployment", "grafana")["spec"]["template"]["spec"][
        "containers"
    ]
    env = env_of(grafana)
    renderer = by_name(with_renderer, "Service", "grafana-image-renderer")
    (port,) = renderer["spec"]["ports"]
    assert (
        env["GF_RENDERING_SERVER_URL"]["value"]
        == f"http://grafana-image-renderer:{port['port']}/render"
    )
    assert env["GF_RENDERING_CALLBACK_URL"]["value"] == "http://grafana:3000/grafana/"
    assert renderer["metadata"]["namespace"] == "monitoring"


def test_renderer_is_opt_in(objects):
    assert not [o for o in objects if "renderer" in o["metadata"]["name"]]
