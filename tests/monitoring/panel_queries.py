"""Dashboard queries made concrete: Grafana's variables replaced as Grafana would replace them."""

from __future__ import annotations

import re

from tests.monitoring.prometheus_config import APP_NAMESPACE

# $__rate_interval is at least four scrape intervals; 1m suits both the cluster's 15s scrapes and
# the 15s synthetic series (and the 1s scrapes of the live test).
VARIABLES = {"$namespace": APP_NAMESPACE, "$__rate_interval": "1m"}


def instantiate(expr: str) -> str:
    """`expr` with every dashboard variable substituted; fails on a variable it does not know."""
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    unknown = re.findall(r"\$\{?\w+", expr)
    assert not unknown, f"unsubstituted dashboard variables {unknown} in {expr}"
    return expr


def legend_labels(legend: str) -> set[str]:
    """The label names a legend format such as '{{app}} {{status}}' shows."""
    return set(re.findall(r"\{\{\s*(\w+)\s*\}\}", legend))
