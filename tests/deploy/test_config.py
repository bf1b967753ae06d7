"""The app's configuration in the cluster is the contract's: every variable, cluster values,
listeners on the ports the pods expose, the secret key from a Secret that a user can replace."""

from __future__ import annotations

import os

import pytest
import yaml

from tests.deploy.contract import service_variables
from tests.deploy.manifests import namespace_of
from tests.support.cluster_env import container_env
from tests.support.render import BASE, by_kind, overlay, render

SERVICES = ["backend", "webui"]
# Values the contract leaves to the deployment: the secret comes from a Secret, the bind
# address differs per service, the multiprocess dir is the in-memory emptyDir.
DEPLOYMENT_CHOSEN = {"DJANGO_SECRET_KEY", "GUNICORN_BIND", "PROMETHEUS_MULTIPROC_DIR"}
CLUSTER_ONLY = {"PROMETHEUS_MULTIPROC_DIR": "/run/metrics"}


def container_of(objects: list[dict], service: str) -> dict:
    [deployment] = [
        d
        for d in by_kind(objects, "Deployment")
        if d["metadata"]["name"] == service and namespace_of(d) == "stock-monitoring"
    ]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


def environment(objects: list[dict], service: str) -> dict[str, str | None]:
    return container_env(objects, "stock-monitoring", container_of(objects, service))


def port_of(container: dict, name: str) -> int:
    return next(p["containerPort"] for p in container["ports"] if p["name"] == name)


@pytest.fixture
def app_tree_objects(objects: list[dict]) -> list[dict]:
    """The rendered tree, for trees that deploy the app (the monitoring overlay does not)."""
    if not any(d["metadata"]["name"] == "backend" for d in by_kind(objects, "Deployment")):
        pytest.skip("this tree does not deploy the app")
    return objects


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_gets_exactly_the_contract_variables(app_tree_objects, service):
    assert sorted(environment(app_tree_objects, service)) == sorted(service_variables(service))


@pytest.mark.parametrize("service", SERVICES)
def test_the_base_uses_the_contract_cluster_values(service):
    env = environment(render(BASE), service)
    expected = {
        name: value
        for name, value in service_variables(service).items()
        if value is not None and name not in DEPLOYMENT_CHOSEN
    }
    assert {name: env[name] for name in expected} == expected
    assert env["PROMETHEUS_MULTIPROC_DIR"] == CLUSTER_ONLY["PROMETHEUS_MULTIPROC_DIR"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_secret_key_comes_from_a_secret(app_tree_objects, service):
    [entry] = [
        e
        for e in container_of(app_tree_objects, service)["env"]
        if e["name"] == "DJANGO_SECRET_KEY"
    ]
    assert set(entry["valueFrom"]) == {"secretKeyRef"}


@pytest.mark.parametrize(
    ("service", "variable", "port"),
    [
        ("backend", "GUNICORN_BIND", "http"),
        ("backend", "METRICS_BIND", "metrics"),
        ("webui", "GUNICORN_BIND", "http"),
        ("webui", "METRICS_BIND", "metrics"),
    ],
)
def test_gunicorn_listens_on_the_container_ports(app_tree_objects, service, variable, port):
    bind = environment(app_tree_objects, service)[variable]
    host, _, number = bind.rpartition(":")
    assert (host, int(number)) == (
        "0.0.0.0",  # noqa: S104 - in a pod the listeners must take traffic from outside it
        port_of(container_of(app_tree_objects, service), port),
    )


def test_an_overlay_can_replace_the_dev_secret_key(tmp_path):
    # The way docs/kubernetes.md tells users to supply a real key: their own overlay on top.
    (tmp_path / "secret.env").write_text("DJANGO_SECRET_KEY=a-real-key-from-a-password-manager\n")
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                # kustomize accepts only relative paths to other kustomizations.
                "resources": [os.path.relpath(overlay("kind"), tmp_path)],
                "secretGenerator": [
                    {
                        "name": "django-secret",
                        "namespace": "stock-monitoring",
                        "behavior": "replace",
                        "envs": ["secret.env"],
                    }
                ],
            }
        )
    )
    objects = render(tmp_path)
    [secret] = [s for s in by_kind(objects, "Secret") if s["metadata"]["name"].startswith("django")]
    ref = container_of(objects, "backend")["env"][0]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == secret["metadata"]["name"]
    assert "DJANGO_SECRET_KEY" in secret["data"]
    dev_secret = next(s for s in by_kind(render(BASE), "Secret"))
    assert secret["data"] != dev_secret["data"]
