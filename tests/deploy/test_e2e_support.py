"""The offline parts of `make e2e` (tests/e2e): declared components, settings, the dashboard's
variables filled in as Grafana would, and the load generator's counters read as the suite reads
them. The checks themselves need a cluster and run only under `make e2e`."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from loadgen.metrics import LoadgenMetrics
from tests.e2e.components import UnknownComponentError, parse_without, skip_reason
from tests.e2e.loadgen_counters import parse_counts, window
from tests.e2e.settings import from_env
from tests.support.grafana import (
    load_dashboard,
    panel_queries,
    scrape_interval,
    seconds,
    substitute,
    variables,
)

DASHBOARD = {
    "time": {"from": "now-30m", "to": "now"},
    "templating": {
        "list": [
            {"name": "datasource", "type": "datasource", "current": {"value": "prom"}},
            {"name": "namespace", "type": "query", "current": {"value": "stock-monitoring"}},
        ]
    },
    "panels": [
        {"title": "Visible", "targets": [{"refId": "A", "expr": "up"}]},
        {"title": "Hidden", "targets": [{"refId": "A", "expr": "up", "hide": True}]},
        {
            "title": "Collapsed row",
            "type": "row",
            "panels": [{"title": "Inside", "targets": [{"refId": "B", "expr": "vector(1)"}]}],
        },
    ],
}


def test_without_lists_declared_components_ignoring_blanks():
    assert parse_without(" grafana, ,gateway ") == {"grafana", "gateway"}
    assert parse_without("") == frozenset()


def test_without_refuses_an_unknown_component_and_names_the_known_ones():
    with pytest.raises(UnknownComponentError, match=r"grafna.*known: chaos-mesh, gateway"):
        parse_without("grafna")


def test_skip_reason_names_the_variable_and_the_cause():
    assert skip_reason("networkpolicy").startswith("E2E_WITHOUT=networkpolicy: the CNI does not")


def test_settings_default_to_the_current_context_and_localhost():
    settings = from_env({})
    assert (settings.context, settings.without, settings.edge_url, settings.timeout) == (
        None,
        frozenset(),
        "http://localhost",
        300.0,
    )


def test_settings_refuse_a_timeout_that_is_not_seconds():
    with pytest.raises(ValueError, match="E2E_TIMEOUT='5m'"):
        from_env({"E2E_TIMEOUT": "5m"})


def test_panel_queries_include_collapsed_rows_and_leave_out_hidden_targets():
    assert [q.name for q in panel_queries(DASHBOARD)] == ["Visible [A]", "Inside [B]"]


def test_rate_interval_is_four_scrapes_as_in_grafana():
    values = variables(DASHBOARD, "15s")
    assert values["__rate_interval"] == "60s"
    assert values["__interval"] == "15s"
    assert values["__range"] == "1800s"


def test_every_variable_form_is_substituted():
    values = variables(DASHBOARD, "15s")
    expr = 'rate(x{namespace="$namespace", a="${namespace}", b="[[namespace]]"}[$__rate_interval])'
    assert substitute(expr, values) == (
        'rate(x{namespace="stock-monitoring", a="stock-monitoring", b="stock-monitoring"}[60s])'
    )


def test_a_regex_anchor_is_not_a_variable():
    assert substitute('up{job=~"node$"}', {}) == 'up{job=~"node$"}'


def test_an_unknown_variable_is_an_error_not_an_empty_string():
    with pytest.raises(KeyError, match=r"\$cluster"):
        substitute('up{cluster="$cluster"}', variables(DASHBOARD, "15s"))


def test_every_query_of_the_repository_dashboard_can_be_filled_in():
    dashboard = load_dashboard()
    values = variables(dashboard, scrape_interval())
    filled = [substitute(query.expr, values) for query in panel_queries(dashboard)]
    assert filled
    assert not [expr for expr in filled if "$" in expr or "[[" in expr]


def test_durations_are_read_like_grafana_writes_them():
    assert [seconds(d) for d in ("15s", "30m", "1h30m")] == [15, 1800, 5400]
    with pytest.raises(ValueError, match="not a duration"):
        seconds("soon")


def test_counters_from_the_real_load_generator_metrics_give_failures_per_target():
    registry = CollectorRegistry()
    metrics = LoadgenMetrics(registry, ["backend", "webui"])
    before = parse_counts(generate_latest(registry).decode())
    for outcome in ("ok", "ok", "timeout", "connection_error"):
        metrics.observe("backend", outcome, 0.01)
    metrics.observe("webui", "ok", 0.01)
    after = parse_counts(generate_latest(registry).decode())
    backend = window(before, after, "backend")
    assert backend.total == 4
    assert backend.failed == {"timeout": 1, "connection_error": 1}
    assert window(before, after, "webui").failed == {}
