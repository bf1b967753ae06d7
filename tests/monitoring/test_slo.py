"""SLOs defined once (slo/slos.yaml): the generated rules are committed as generated, the
dashboard's SLO panels compute budgets and burn rates from raw load generator series through
those rules, and a malformed SLO file is refused with a message that names the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from grafana.dashboard import PanelSpec, Query, panel_specs
from slo import generate
from slo.definitions import SLO_FILE, SLOError, load
from tests.monitoring.panel_queries import assert_promql, instantiate
from tests.monitoring.prometheus_config import RULE_FILES

LOADGEN = {"namespace": "stock-monitoring", "app": "loadgen", "pod": "loadgen-1"}
REQUESTS = "stockwatch_loadgen_requests_total"
DROPPED = "stockwatch_loadgen_dropped_total"
BUCKET = "stockwatch_loadgen_request_seconds_bucket"
# 10 requests/s per target for 10 minutes, sampled every 15 s (150 per sample). The backend
# fails half of its requests and answers half of them slower than 250 ms; the webui serves
# every page OK within 1.5 s. (Shares of one half: promtool compares values exactly.)
INPUT_SERIES: list[tuple[str, dict[str, str], str]] = [
    (REQUESTS, {**LOADGEN, "target": "backend", "outcome": "ok"}, "0+75x40"),
    (REQUESTS, {**LOADGEN, "target": "backend", "outcome": "connection_error"}, "0+75x40"),
    (REQUESTS, {**LOADGEN, "target": "backend", "outcome": "timeout"}, "0x40"),
    (DROPPED, {**LOADGEN, "target": "backend"}, "0x40"),
    (BUCKET, {**LOADGEN, "target": "backend", "le": "0.25"}, "0+75x40"),
    (BUCKET, {**LOADGEN, "target": "backend", "le": "+Inf"}, "0+150x40"),
    (REQUESTS, {**LOADGEN, "target": "webui", "outcome": "ok"}, "0+150x40"),
    (REQUESTS, {**LOADGEN, "target": "webui", "outcome": "connection_error"}, "0x40"),
    (DROPPED, {**LOADGEN, "target": "webui"}, "0x40"),
    (BUCKET, {**LOADGEN, "target": "webui", "le": "1.5"}, "0+150x40"),
    (BUCKET, {**LOADGEN, "target": "webui", "le": "+Inf"}, "0+150x40"),
]
# Burn rate = error ratio / budget: 0.5 / 0.001 and 0.5 / 0.05 for the backend; 0 for the webui.
BURN = {"api-availability": 500, "api-latency": 10, "webui-availability": 0, "webui-latency": 0}
NS = {"namespace": "stock-monitoring"}


BURN_SAMPLES = [({**NS, "slo": slo}, rate) for slo, rate in BURN.items()]


EXPECTED: dict[tuple[str, str], list[tuple[dict[str, str], float]]] = {
    ("Error budget remaining", "{{slo}}"): [
        ({**NS, "slo": slo}, 1 - rate) for slo, rate in BURN.items()
    ],
    **{("Burn rate, paging windows", f"{{{{slo}}}} {w}"): BURN_SAMPLES for w in ("5m", "1h")},
    **{("Burn rate, ticket windows", f"{{{{slo}}}} {w}"): BURN_SAMPLES for w in ("6h", "1d", "3d")},
}


def slo_queries() -> list[tuple[PanelSpec, Query]]:
    return [
        (spec, query) for spec in panel_specs() if spec.source == "slo" for query in spec.queries
    ]


def test_committed_rules_are_what_the_generator_writes():
    assert generate.RULES.read_text() == generate.render(), "run 'make slo'"


def test_the_generated_rules_are_among_the_rule_files_prometheus_loads():
    assert generate.RULES in RULE_FILES


def test_every_slo_panel_query_has_an_expectation():
    assert {(spec.title, query.legend) for spec, query in slo_queries()} == set(EXPECTED)


@pytest.mark.parametrize(
    ("spec", "query"), slo_queries(), ids=lambda item: getattr(item, "legend", None) or item.title
)
def test_slo_panel_query_through_the_generated_rules(spec, query, tmp_path):
    expected = EXPECTED[(spec.title, query.legend)]
    assert_promql(
        instantiate(query.expr), INPUT_SERIES, "10m", expected, tmp_path, [generate.RULES]
    )


def test_every_slo_has_a_fast_and_a_slow_burn_alert():
    document = generate.rules(load())
    alerts = [rule for group in document["groups"] for rule in group["rules"] if "alert" in rule]
    for slo in load().slos:
        mine = {rule["alert"]: rule for rule in alerts if rule["labels"]["slo"] == slo.name}
        assert set(mine) == {"ErrorBudgetBurnFast", "ErrorBudgetBurnSlow"}
        assert mine["ErrorBudgetBurnFast"]["labels"]["severity"] == "critical"
        assert mine["ErrorBudgetBurnSlow"]["labels"]["severity"] == "warning"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("threshold_seconds: 0.25", "threshold_seconds: 0.3"),
        ("objective: 0.999", "objective: 99.9"),
        ("sli: latency", "sli: throughput"),
    ],
)
def test_a_malformed_slo_file_is_refused_naming_the_entry(change, message, tmp_path: Path):
    text = SLO_FILE.read_text()
    assert change in text
    broken = tmp_path / "slos.yaml"
    broken.write_text(text.replace(change, message, 1))
    with pytest.raises(SLOError, match=r"slos\[\d\]"):
        load(broken)
