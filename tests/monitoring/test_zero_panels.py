"""A panel whose true value is zero shows 0, and a service that is not there shows "No data":
the 5xx ratio and the webui resilience counters, evaluated by `promtool test rules`."""

from __future__ import annotations

import pytest
import yaml

from grafana.dashboard import panel_specs
from tests.monitoring.panel_queries import instantiate
from tests.monitoring.test_synthetic_panels import APP, labels_text
from tests.support.prometheus import promtool

WEBUI = {**APP, "pod": "webui-1", "app": "webui"}
BACKEND = {**APP, "pod": "backend-1", "app": "backend"}
# Counters of things that have not happened yet: the webui exports them only once they do.
WEBUI_COUNTER_PANELS = (
    "Webui degraded pages",
    "Webui page budget overruns",
    "Webui shed backend calls",
)


def only_query(title: str) -> str:
    (query,) = next(spec for spec in panel_specs() if spec.title == title).queries
    return instantiate(query.expr)


def check(
    expr: str,
    series: list[tuple[str, dict[str, str], str]],
    expected: list[tuple[dict[str, str], float]],
    tmp_path,
) -> None:
    """`expr` at 5m over `series` (sampled every 15s) returns exactly `expected`; an empty
    `expected` means no series at all, which Grafana shows as "No data"."""
    test = {
        "rule_files": [],
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
                        "eval_time": "5m",
                        "exp_samples": [
                            {"labels": labels_text(labels), "value": value}
                            for labels, value in expected
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "zero_test.yml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    result = promtool("test", "rules", str(path))
    assert result.returncode == 0, f"{expr}\n{result.stdout}{result.stderr}"


def test_5xx_ratio_is_zero_for_an_app_that_answered_without_errors(tmp_path):
    requests = "django_http_responses_total_by_status_view_method_total"
    series = [
        (requests, {**WEBUI, "view": "watchlist", "method": "GET", "status": "200"}, "0+45x40")
    ]
    check(only_query("5xx ratio"), series, [({"app": "webui"}, 0)], tmp_path)


def test_5xx_ratio_is_no_data_for_an_app_without_traffic(tmp_path):
    requests = "django_http_responses_total_by_status_view_method_total"
    probes_only = [(requests, {**BACKEND, "view": "healthz", "method": "GET", "status": "200"},
                    "0+45x40")]  # fmt: skip
    check(only_query("5xx ratio"), probes_only, [], tmp_path)


@pytest.mark.parametrize("title", WEBUI_COUNTER_PANELS)
def test_webui_counter_panel_is_zero_while_the_webui_runs_and_nothing_happened(title, tmp_path):
    series = [("stockwatch_build_info", {**WEBUI, "version": "dev"}, "1x40")]
    label = "endpoint" if "calls" in title else "page"
    check(only_query(title), series, [({label: "none"}, 0)], tmp_path)


@pytest.mark.parametrize("title", WEBUI_COUNTER_PANELS)
def test_webui_counter_panel_is_no_data_without_a_webui(title, tmp_path):
    series = [("stockwatch_build_info", {**BACKEND, "version": "dev"}, "1x40")]
    check(only_query(title), series, [], tmp_path)
