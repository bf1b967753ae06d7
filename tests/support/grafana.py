"""The PromQL a Grafana dashboard sends, with its template variables filled in by Grafana's rules:
the one expander the monitoring, e2e and lab tests share."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.render import REPO

DASHBOARD = REPO / "grafana" / "dashboards" / "stockwatch.json"
DATASOURCES = REPO / "grafana" / "provisioning" / "datasources"
# $name, ${name}, ${name:format} and the deprecated [[name]].
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
_DURATION = re.compile(r"(\d+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class PanelQuery:
    """One query of one panel, as written in the dashboard."""

    panel: str
    ref_id: str
    expr: str

    @property
    def name(self) -> str:
        return f"{self.panel} [{self.ref_id}]"


def seconds(duration: str) -> int:
    """Seconds in a Grafana/Prometheus duration such as '15s', '1h' or '1h30m'."""
    parts = _DURATION.findall(duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"{duration!r} is not a duration like 15s or 1h")
    return sum(int(number) * _UNIT_SECONDS[unit] for number, unit in parts)


def _panels(panels: list[dict]) -> Iterator[dict]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels") or [])  # collapsed rows hold their panels


def panel_queries(dashboard: Mapping) -> list[PanelQuery]:
    """Every visible PromQL target of every panel, rows included."""
    return [
        PanelQuery(panel["title"], target.get("refId", "A"), target["expr"])
        for panel in _panels(dashboard.get("panels") or [])
        for target in panel.get("targets") or []
        if target.get("expr") and not target.get("hide")
    ]


def scrape_interval(datasources: Path = DATASOURCES) -> str:
    """The Prometheus datasource's `timeInterval`: the scrape interval Grafana assumes."""
    for path in sorted(datasources.glob("*.y*ml")):
        for source in yaml.safe_load(path.read_text()).get("datasources") or []:
            if source.get("type") == "prometheus":
                return source.get("jsonData", {}).get("timeInterval", "15s")
    raise ValueError(f"no Prometheus datasource provisioned in {datasources}")


def _variable_value(variable: Mapping) -> str:
    value = (variable.get("current") or {}).get("value")
    if value in (None, "", []):
        raise ValueError(f"dashboard variable {variable['name']!r} has no current value")
    if isinstance(value, list):
        return ".*" if "$__all" in value else "(" + "|".join(value) + ")"
    return ".*" if value == "$__all" else str(value)


def variables(dashboard: Mapping, interval: str) -> dict[str, str]:
    """Grafana's built-in interval variables for a panel at the scrape interval (its smallest
    step) over the dashboard's default range, plus each template variable's current value."""
    scrape = step = seconds(interval)
    time_range = seconds(str(dashboard.get("time", {}).get("from", "now-1h")).removeprefix("now-"))
    # Grafana's rule: $__interval plus one scrape interval, and never less than four scrapes.
    rate_interval = max(step + scrape, 4 * scrape)
    values = {
        "__interval": f"{step}s",
        "__interval_ms": str(step * 1000),
        "__rate_interval": f"{rate_interval}s",
        "__range": f"{time_range}s",
        "__range_s": str(time_range),
        "__range_ms": str(time_range * 1000),
    }
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        if variable.get("type") != "datasource":
            values[variable["name"]] = _variable_value(variable)
    return values


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """`expr` with every variable replaced; KeyError names a variable Grafana would not know."""

    def replace(match: re.Match) -> str:
        name = next(group for group in match.groups() if group)
        if name not in values:
            raise KeyError(f"unknown dashboard variable ${name} in: {expr}")
        return values[name]

    return _VARIABLE.sub(replace, expr)


def load_dashboard(path: Path = DASHBOARD) -> dict:
    return json.loads(path.read_text())
