"""Dashboard queries made concrete (Grafana's variables replaced as Grafana would replace them, by
tests/support/grafana.py) and checked with promtool."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml

from tests.support.grafana import load_dashboard, scrape_interval, substitute, variables
from tests.support.prometheus import promtool


@cache
def _dashboard_variables() -> dict[str, str]:
    """The committed dashboard's variables at the provisioned scrape interval (15s): $namespace
    is the app's namespace, $__rate_interval four scrapes (1m), as in the cluster and the 15s
    synthetic series."""
    return variables(load_dashboard(), scrape_interval())


def instantiate(expr: str) -> str:
    """`expr` with every dashboard variable substituted; fails on a variable it does not know."""
    return substitute(expr, _dashboard_variables())


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
