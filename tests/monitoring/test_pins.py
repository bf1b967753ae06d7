"""The monitoring images: the Grafana pin is outside the releases CVE-2026-76154 affects (issue 20,
item 8), and docs/monitoring.md names the images the manifests run."""

from __future__ import annotations

import re

import pytest

from tests.monitoring.prometheus_config import monitoring_objects
from tests.support.render import REPO, pod_templates

# Grafana's CVE record: OSS and Enterprise 13.2.0 through 13.2.1 affected; 13.2.2 fixes it.
FIRST_FIXED_13_2 = (13, 2, 2)


def monitoring_images() -> set[str]:
    return {
        container["image"]
        for _, pod in pod_templates(monitoring_objects())
        for container in pod["spec"]["containers"]
    }


def grafana_pins() -> dict[str, str]:
    pins = {}
    for path in ["compose.yaml", "kustomize/overlays/monitoring/grafana.yaml"]:
        for tag in re.findall(r"image: grafana/grafana:(\S+)", (REPO / path).read_text()):
            pins[path] = tag
    return pins


def test_grafana_is_pinned_in_the_cluster_and_in_compose():
    assert set(grafana_pins()) == {"compose.yaml", "kustomize/overlays/monitoring/grafana.yaml"}


@pytest.mark.parametrize("path", sorted(grafana_pins()))
def test_the_grafana_pin_is_not_a_release_cve_2026_76154_affects(path):
    tag = grafana_pins()[path]
    version = tuple(int(part) for part in tag.split("-")[0].split("."))
    assert version >= FIRST_FIXED_13_2, f"{path}: grafana {tag}"


def test_docs_name_the_images_the_monitoring_overlay_runs():
    table = (REPO / "docs" / "monitoring.md").read_text()
    # Rows of the "What runs" table: a component, then its image (registry/name:tag, no spaces).
    image = r"[a-z0-9.-]+(?:/[a-z0-9._-]+)+:[\w.-]+"
    documented = set(re.findall(rf"^\| [^|]+ \| `({image})` \|", table, re.MULTILINE))
    assert documented and documented <= monitoring_images()
