"""compose.yaml: the same images, environment, ports and config files as the cluster."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
import yaml

from tests.monitoring.prometheus_config import (
    OVERLAY,
    RULES_DIR,
    checkable_config,
    monitoring_objects,
    rendered_config,
)
from tests.support.prometheus import promtool
from tests.support.render import REPO, by_name

COMPOSE = REPO / "compose.yaml"
COMPOSE_PROMETHEUS = OVERLAY / "prometheus" / "prometheus.compose.yml"
APP_PORTS = {"backend": 8000, "webui": 8080}
METRICS_PORT = 9000


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_file(path: str) -> dict[str, str]:
    lines = (REPO / path).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def bind_mounts(service: dict) -> dict[str, str]:
    """Container path → host path (relative to the repository) of each bind mount."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target, *_ = volume.split(":")
        if source.startswith("."):
            mounts[target] = source
    return mounts


def compose_prometheus_config() -> dict:
    return yaml.safe_load(COMPOSE_PROMETHEUS.read_text())


def workload(kind: str, name: str) -> dict:
    return by_name(monitoring_objects(), kind, name)


def test_compose_runs_the_four_services(services):
    assert set(services) == {"backend", "webui", "prometheus", "grafana"}


@pytest.mark.parametrize("app", ["backend", "webui"])
def test_app_images_are_built_from_their_dockerfiles(services, app):
    service = services[app]
    assert service["image"] == f"stockwatch/{app}:dev"
    assert service["build"]["dockerfile"] == f"Dockerfile.{app}"
    assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


@pytest.mark.parametrize("app", ["backend", "webui"])
def test_apps_use_the_clusters_environment_files(services, app):
    assert services[app]["env_file"] == [f"kustomize/base/{app}/{app}.env"]


@pytest.mark.parametrize("app", ["backend", "webui"])
def test_published_app_port_is_the_one_gunicorn_binds(services, app):
    bind = env_file(f"kustomize/base/{app}/{app}.env")["GUNICORN_BIND"]
    assert int(bind.rsplit(":", 1)[1]) == APP_PORTS[app]
    assert services[app]["ports"] == [f"{APP_PORTS[app]}:{APP_PORTS[app]}"]


def service_env(app: str, service: dict) -> dict[str, str]:
    """The container's environment: the env file, then `environment:` on top."""
    return env_file(f"kustomize/base/{app}/{app}.env") | service.get("environment", {})


@pytest.mark.parametrize("app", ["backend", "webui"])
def test_apps_run_read_only_with_writable_tmp_and_metrics_dir(services, app):
    service = services[app]
    multiproc = PurePosixPath(service_env(app, service)["PROMETHEUS_MULTIPROC_DIR"])
    assert service["read_only"] is True
    assert service["tmpfs"] == ["/tmp"]
    assert multiproc.is_relative_to("/tmp")
    assert service["cap_drop"] == ["ALL"]


@pytest.mark.parametrize("app", ["backend", "webui"])
def test_the_metrics_dir_is_outside_run_where_podman_mounts_its_own_tmpfs(services, app):
    # Issue 20, item 10: with a read-only root Podman mounts a root-owned tmpfs on /run, and the
    # services (UID 10001) could not write /run/metrics under it.
    multiproc = PurePosixPath(service_env(app, services[app])["PROMETHEUS_MULTIPROC_DIR"])
    assert not multiproc.is_relative_to("/run")


@pytest.mark.parametrize("app", ["backend", "webui"])
def test_apps_have_a_healthcheck_their_image_can_run(services, app):
    # Podman builds OCI images, which drop the Dockerfile's HEALTHCHECK; `depends_on:
    # service_healthy` needs one. The images have python but no wget or curl.
    test = services[app]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"]
    assert "/healthz" in test[-1]
    dockerfile = (REPO / services[app]["build"]["dockerfile"]).read_text()
    assert "wget" not in dockerfile and "curl" not in dockerfile


@pytest.mark.parametrize("service", ["prometheus", "grafana"])
def test_monitoring_healthchecks_use_the_wget_their_images_ship(services, service):
    # prom/prometheus is busybox-based and the default Grafana image Alpine-based: both have
    # busybox wget, and neither has python.
    assert services[service]["healthcheck"]["test"][:2] == ["CMD", "wget"]


def test_webui_reaches_the_backend_by_its_service_name(services):
    backend_url = env_file("kustomize/base/webui/webui.env")["BACKEND_URL"]
    assert backend_url == f"http://backend:{APP_PORTS['backend']}"
    assert "backend" in services["webui"]["depends_on"]


@pytest.mark.parametrize(
    ("service", "kind"), [("prometheus", "Deployment"), ("grafana", "Deployment")]
)
def test_monitoring_images_match_the_cluster(services, service, kind):
    (container,) = workload(kind, service)["spec"]["template"]["spec"]["containers"]
    assert services[service]["image"] == container["image"]


def test_every_bind_mount_exists(services):
    for service in services.values():
        for host_path in bind_mounts(service).values():
            assert (REPO / host_path).exists(), host_path


def test_prometheus_mounts_the_clusters_rule_files(services):
    mounts = bind_mounts(services["prometheus"])
    config = compose_prometheus_config()
    (pattern,) = config["rule_files"]
    assert (REPO / mounts[str(PurePosixPath(pattern).parent)]).resolve() == RULES_DIR
    assert config["rule_files"] == rendered_config()["rule_files"]


def test_prometheus_serves_under_the_same_route_prefix(services):
    (container,) = workload("Deployment", "prometheus")["spec"]["template"]["spec"]["containers"]
    prefix = [arg for arg in container["args"] if arg.startswith("--web.route-prefix=")]
    assert prefix and prefix[0] in services["prometheus"]["command"]
    assert "--web.enable-lifecycle" in services["prometheus"]["command"]


def test_compose_prometheus_config_passes_promtool(services, tmp_path):
    config = checkable_config(compose_prometheus_config(), tmp_path / "token")
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    result = promtool("check", "config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_keeps_retention_in_the_config_file_as_the_cluster_does(services):
    # The --storage.tsdb.retention.* flags are deprecated since Prometheus 3.8.
    command = services["prometheus"]["command"]
    assert not [arg for arg in command if arg.startswith("--storage.tsdb.retention")]
    retention = compose_prometheus_config()["storage"]["tsdb"]["retention"]
    assert retention == rendered_config()["storage"]["tsdb"]["retention"]


def test_compose_scrapes_each_app_on_its_metrics_port_with_the_contract_labels(services):
    config = compose_prometheus_config()
    job = next(job for job in config["scrape_configs"] if job["job_name"] == "kubernetes-pods")
    for static in job["static_configs"]:
        (target,) = static["targets"]
        host, port = target.split(":")
        assert host in services and host in APP_PORTS
        bind = env_file(f"kustomize/base/{host}/{host}.env")["METRICS_BIND"]
        assert int(port) == int(bind.rsplit(":", 1)[1]) == METRICS_PORT
        assert static["labels"]["app"] == host
        assert {"namespace", "pod", "container", "app"} <= set(static["labels"])
        assert static["labels"]["namespace"] == "stock-monitoring"


def test_grafana_mounts_provisioning_where_the_cluster_does(services):
    pod = workload("Deployment", "grafana")["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    cluster_paths = {
        mount["mountPath"]
        for mount in pod["containers"][0]["volumeMounts"]
        if "configMap" in volumes[mount["name"]]
    }
    assert set(bind_mounts(services["grafana"])) == cluster_paths


def test_grafana_datasource_url_resolves_to_the_compose_prometheus(services):
    datasources = yaml.safe_load(
        (REPO / "grafana/provisioning/datasources/prometheus.yaml").read_text()
    )
    (source,) = datasources["datasources"]
    host_port = source["url"].split("/")[2]
    host, port = host_port.split(":")
    assert host in services
    assert services[host]["ports"] == [f"{port}:{port}"]
    assert "--web.route-prefix=/" + source["url"].split("/", 3)[3] in services[host]["command"]


def test_grafana_serves_from_the_grafana_sub_path(services):
    environment = services["grafana"]["environment"]
    assert environment["GF_SERVER_SERVE_FROM_SUB_PATH"] == "true"
    assert environment["GF_SERVER_ROOT_URL"].endswith("/grafana/")
    assert environment["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"


def test_grafana_settings_match_the_cluster(services):
    (container,) = workload("Deployment", "grafana")["spec"]["template"]["spec"]["containers"]
    cluster = {item["name"]: item["value"] for item in container["env"] if "value" in item}
    compose = services["grafana"]["environment"]
    # The root URL differs on purpose: Grafana's own port under compose, the Gateway in kind.
    differing = {name for name, value in cluster.items() if compose.get(name) != value}
    assert differing == {"GF_SERVER_ROOT_URL"}
