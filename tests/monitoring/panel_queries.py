"""Dashboard queries made concrete: Grafana's variables replaced as Grafana would replace them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from tests.monitoring.prometheus_config import APP_NAMESPACE
from tests.support.prometheus import promtool

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


def labels_text(labels: dict[str, str]) -> str:
    """A label set as PromQL writes it: {a="1", b="2"}."""
    return "{" + ", ".join(f'{key}="{value}"' for key, value in labels.items()) + "}"


def assert_promql(
    expr: str,
    series: list[tuple[str, dict[str, str], str]],
    eval_time: str,
    expected: list[tuple[dict[str, str], float]],
    folder: Path,
    rule_files: Sequence[Path] = (),
) -> None:
    """`expr` at `eval_time` over `series` (promtool notation, one sample every 15s) returns
    exactly `expected`, checked by `promtool test rules` with `rule_files` loaded; an empty
    `expected` means no series at all, which Grafana shows as "No data"."""
    test = {
        "rule_files": [str(path) for path in rule_files],
        "evaluation_interval": "15s",
        "tests": [
            {
                "interval": "15s",
                "input_series": [
                    {"series": name + labels_text(labels), "values": values}
                    for name, labels, values in series
                ],
                "promql_expr_test": [
                    {
                        "expr": expr,
                        "eval_time": eval_time,
                        "exp_samples": [
                            {"labels": labels_text(labels), "value": value}
                            for labels, value in expected
                        ],
                    }
                ],
            }
        ],
    }
    path = folder / "promql_test.yml"
    path.write_text(yaml.safe_dump(test, sort_keys=False, allow_unicode=True))
    result = promtool("test", "rules", str(path))
    assert result.returncode == 0, f"{expr}\n{result.stdout}{result.stderr}"
