"""Recording rules and alerts: each unit-tested with promtool, alerts with their metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.monitoring.prometheus_config import RULE_FILES, rules
from tests.support.prometheus import promtool

UNIT_TESTS = Path(__file__).with_name("rules_test.yml")
REQUIRED_ALERTS = {
    "BackendNoReadyReplicas",
    "High5xxRatio",
    "HighP95Latency",
    "PodRestartingRepeatedly",
    "CPUThrottlingHigh",
    "WebuiServingDegradedPages",
    # Multi-window multi-burn-rate alerts on every SLO (slo/slos.yaml).
    "ErrorBudgetBurnFast",
    "ErrorBudgetBurnSlow",
}


def alerts() -> list[dict]:
    return [rule for rule in rules() if "alert" in rule]


def test_promtool_unit_tests_pass():
    result = promtool("test", "rules", UNIT_TESTS.name, cwd=UNIT_TESTS.parent, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unit_tests_load_every_rule_file():
    loaded = {
        (UNIT_TESTS.parent / name).resolve()
        for name in yaml.safe_load(UNIT_TESTS.read_text())["rule_files"]
    }
    assert loaded == {path.resolve() for path in RULE_FILES}


def test_every_rule_has_a_unit_test():
    tests = yaml.safe_load(UNIT_TESTS.read_text())["tests"]
    tested_alerts = {
        case["alertname"] for test in tests for case in test.get("alert_rule_test", [])
    }
    tested_records = {case["expr"] for test in tests for case in test.get("promql_expr_test", [])}
    untested = [
        rule.get("alert") or rule["record"]
        for rule in rules()
        if rule.get("alert") not in tested_alerts and rule.get("record") not in tested_records
    ]
    assert untested == []


def test_every_alert_test_expects_it_to_fire_at_least_once():
    tests = yaml.safe_load(UNIT_TESTS.read_text())["tests"]
    fired = {
        case["alertname"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert {rule["alert"] for rule in alerts()} <= fired


def test_the_required_alerts_exist():
    assert {rule["alert"] for rule in alerts()} >= REQUIRED_ALERTS


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_alert_has_for_severity_summary_and_description(rule):
    assert rule.get("for"), "an alert without `for:` pages on a single bad scrape"
    assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    assert rule["annotations"]["summary"].strip()
    assert rule["annotations"]["description"].strip()
