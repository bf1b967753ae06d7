"""The pods and the images they run agree: same UID/GID, same ports (Dockerfile.<service>)."""

from __future__ import annotations

import re

import pytest

from tests.deploy.manifests import containers, pods
from tests.support.render import BASE, REPO, render


def app_containers() -> list[tuple[dict, dict]]:
    """(pod template, container) for every container of ours in the base."""
    return [
        (template, c)
        for _, template in pods(render(BASE))
        for c in containers(template)
        if c["image"].startswith("stockwatch/")
    ]


def dockerfile(image: str) -> str:
    service = image.split("/", 1)[1].split(":", 1)[0]
    return (REPO / f"Dockerfile.{service}").read_text()


@pytest.fixture(params=["backend", "webui"])
def pod_and_container(request: pytest.FixtureRequest) -> tuple[dict, dict]:
    return next((t, c) for t, c in app_containers() if c["name"] == request.param)


def test_pods_run_as_the_user_the_image_declares(pod_and_container):
    template, container = pod_and_container
    [user] = re.findall(r"^USER\s+(\S+)", dockerfile(container["image"]), re.MULTILINE)
    security = template["spec"]["securityContext"]
    assert user == f"{security['runAsUser']}:{security['runAsGroup']}"


def test_containers_expose_the_ports_the_image_declares(pod_and_container):
    _, container = pod_and_container
    declared = {
        int(port)
        for line in re.findall(r"^EXPOSE\s+(.+)$", dockerfile(container["image"]), re.MULTILINE)
        for port in line.split()
    }
    assert {p["containerPort"] for p in container["ports"]} == declared
