"""A panel whose true value is zero shows 0, and a service that is not there shows "No data":
the 5xx ratio and the webui resilience counters, evaluated by `promtool test rules`."""

from __future__ import annotations

import pytest

from grafana.dashboard import panel_specs
from tests.monitoring.panel_queries import assert_promql, instantiate
from tests.monitoring.test_synthetic_panels import APP

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
    assert_promql(expr, series, "5m", expected, tmp_path)


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
