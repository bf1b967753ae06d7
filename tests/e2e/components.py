"""Parts of the system a cluster may be unable to run, declared with E2E_WITHOUT, never guessed.

A check that needs a declared-missing part is skipped with the part's reason; everything else
has to pass.
"""

from __future__ import annotations

COMPONENTS: dict[str, str] = {
    "grafana": "Grafana (monitoring/grafana) is not running here, e.g. no grafana/grafana image",
    "gateway": "no HTTP edge (Ingress controller or Gateway) serves the stack at E2E_EDGE_URL",
    "networkpolicy": "the CNI does not enforce NetworkPolicy (objects accepted, no effect)",
    "chaos-mesh": (
        "Chaos Mesh's own pods (namespace chaos-mesh) and their metrics are absent, "
        "e.g. a stand-in serves the Chaos Mesh API"
    ),
}

# Workloads (by app.kubernetes.io/name) and Prometheus scrape jobs that belong to a component.
WORKLOAD_COMPONENTS: dict[str, str] = {
    "grafana": "grafana",
    "grafana-image-renderer": "grafana",
}
SCRAPE_JOB_COMPONENTS: dict[str, str] = {"chaos-mesh": "chaos-mesh"}


class UnknownComponentError(ValueError):
    """E2E_WITHOUT names something the suite does not know; the message lists what it knows."""


def parse_without(text: str) -> frozenset[str]:
    """The components named in an E2E_WITHOUT value ("grafana,gateway"; blanks are ignored)."""
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - COMPONENTS.keys())
    if unknown:
        raise UnknownComponentError(
            f"E2E_WITHOUT names unknown component(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(COMPONENTS))}"
        )
    return frozenset(names)


def skip_reason(component: str) -> str:
    """Why a check that needs `component` is skipped when it is declared missing."""
    return f"E2E_WITHOUT={component}: {COMPONENTS[component]}"
