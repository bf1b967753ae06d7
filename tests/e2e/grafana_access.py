"""Reach the cluster's Grafana: its admin credentials as the Deployment gets them, and Prometheus
through Grafana's datasource proxy (the path a panel's query takes), on the pinned release and on
the lab's Grafana 7.5."""

from __future__ import annotations

import base64

import requests
import yaml
from kubernetes import client

from tests.e2e.settings import MONITORING_NAMESPACE
from tests.support.grafana import DATASOURCES

ADMIN_ENV = ("GF_SECURITY_ADMIN_USER", "GF_SECURITY_ADMIN_PASSWORD")


def admin_credentials(apps: client.AppsV1Api, core: client.CoreV1Api) -> tuple[str, str]:
    """(user, password) from the Secret the Grafana Deployment's environment points at (the
    monitoring overlay generates it, so its name carries a hash)."""
    deployment = apps.read_namespaced_deployment("grafana", MONITORING_NAMESPACE)
    env = {e.name: e for c in deployment.spec.template.spec.containers for e in c.env or []}
    values = []
    for name in ADMIN_ENV:
        entry = env[name]
        if entry.value is not None:
            values.append(entry.value)
            continue
        ref = entry.value_from.secret_key_ref
        secret = core.read_namespaced_secret(ref.name, MONITORING_NAMESPACE)
        values.append(base64.b64decode(secret.data[ref.key]).decode())
    return values[0], values[1]


def prometheus_datasource_uid() -> str:
    """The uid of the provisioned Prometheus datasource (grafana/provisioning/datasources)."""
    for path in sorted(DATASOURCES.glob("*.y*ml")):
        for source in yaml.safe_load(path.read_text()).get("datasources") or []:
            if source.get("type") == "prometheus":
                return source["uid"]
    raise ValueError(f"no Prometheus datasource provisioned in {DATASOURCES}")


def datasource_proxy(grafana: str, admin: tuple[str, str], uid: str) -> str:
    """Base URL of Grafana's proxy to the datasource `uid`. Current releases address it by uid
    (/api/datasources/proxy/uid/<uid>); Grafana 7.5 knows only the numeric id (it reads "uid" as
    an id and answers 500 "Unable to load datasource meta data"), looked up by uid as admin."""
    by_uid = f"{grafana}/api/datasources/proxy/uid/{uid}"
    if requests.get(f"{by_uid}/api/v1/status/buildinfo", timeout=10).ok:
        return by_uid
    found = requests.get(f"{grafana}/api/datasources/uid/{uid}", auth=admin, timeout=10)
    found.raise_for_status()
    return f"{grafana}/api/datasources/proxy/{found.json()['id']}"
