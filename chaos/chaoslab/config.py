"""The lab's settings, read from CHAOSLAB_* environment variables in this one place."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from chaoslab.grafana import annotation_tags

REPO = Path(__file__).resolve().parents[2]
PORT_FORWARD = "port-forward"
DASHBOARD = REPO / "grafana" / "dashboards" / "stockwatch.json"


def _dashboard(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def dashboard_uid(path: Path = DASHBOARD) -> str:
    """The uid of the provisioned stockwatch dashboard, so annotations land on it."""
    return str(_dashboard(path).get("uid") or "stockwatch-overview")  # docs/monitoring.md's name


def dashboard_tags(path: Path = DASHBOARD) -> tuple[str, ...]:
    """The tags of the dashboard's chaos annotation query: the runner's annotations carry them,
    or the dashboard would not draw them."""
    return tuple(annotation_tags(_dashboard(path)))


@dataclass(frozen=True)
class LabConfig:
    """Where the cluster, Prometheus, Grafana and the lab's files are."""

    prometheus_url: str
    grafana_url: str
    grafana_user: str
    grafana_password: str
    grafana_dashboard: str
    grafana_tags: tuple[str, ...]
    grafana_draw_seconds: float
    namespace: str
    target_selector: str
    deployments: tuple[str, ...]
    kube_context: str | None
    kubeconfig: str | None
    hypotheses: Path
    experiments_dir: Path
    reports_dir: Path
    chromium: str
    webui_url: str
    environment_note: str
    inject_timeout: float
    poll_seconds: float


def from_env(env: dict[str, str] | None = None) -> LabConfig:
    """Read CHAOSLAB_* variables; every one has a default that fits `make up` on kind."""
    env = dict(os.environ if env is None else env)

    def get(name: str, default: str) -> str:
        return env.get(f"CHAOSLAB_{name}", default)

    def number(name: str, default: str) -> float:
        raw = get(name, default)
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"CHAOSLAB_{name}={raw!r} is not a number") from None

    return LabConfig(
        prometheus_url=get("PROMETHEUS_URL", "http://localhost/prometheus"),
        grafana_url=get("GRAFANA_URL", "http://localhost/grafana"),
        grafana_user=get("GRAFANA_USER", "admin"),
        # The development-only password the monitoring overlay gives Grafana's admin.
        grafana_password=get("GRAFANA_PASSWORD", "stockwatch-dev-only"),
        grafana_dashboard=get("GRAFANA_DASHBOARD", "") or dashboard_uid(),
        grafana_tags=dashboard_tags(),
        # How long a browser capture of the dashboard waits for every panel to draw.
        grafana_draw_seconds=number("GRAFANA_DRAW_SECONDS", "90"),
        namespace=get("NAMESPACE", "stock-monitoring"),
        target_selector=get("TARGET_SELECTOR", "app.kubernetes.io/name=backend"),
        deployments=tuple(d for d in get("DEPLOYMENTS", "backend,webui,loadgen").split(",") if d),
        kube_context=get("KUBE_CONTEXT", "") or None,
        # Read now, not when the kubernetes package was imported (its default is import-time).
        kubeconfig=env.get("KUBECONFIG") or None,
        hypotheses=Path(get("HYPOTHESES", str(REPO / "chaos" / "hypotheses.yaml"))),
        experiments_dir=Path(get("EXPERIMENTS_DIR", str(REPO / "chaos" / "experiments"))),
        reports_dir=Path(get("REPORTS_DIR", str(REPO / "docs" / "reports"))),
        chromium=get("CHROMIUM", "chromium"),
        # The web dashboard to screenshot during each fault and after recovery; empty: none.
        webui_url=get("WEBUI_URL", ""),
        # What the lab cannot detect about its cluster, stated in every report's header.
        environment_note=get("ENVIRONMENT_NOTE", ""),
        inject_timeout=number("INJECT_TIMEOUT", "30"),
        poll_seconds=number("POLL_SECONDS", "1"),
    )
