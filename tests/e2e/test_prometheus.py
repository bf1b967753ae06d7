"""Prometheus in the cluster runs the repository's configuration: every scrape job has targets
and all of them are up; every rule group is loaded and every rule evaluates without error."""

from __future__ import annotations

import pytest
import yaml

from tests.e2e.expected import rule_groups, scrape_job_params
from tests.e2e.settings import Settings
from tests.support.polling import NotYet, wait_for
from tests.support.prometheus import api_get


def test_prometheus_runs_the_repository_scrape_jobs(prometheus: str):
    live = yaml.safe_load(api_get(prometheus, "status/config")["yaml"])
    live_jobs = [job["job_name"] for job in live["scrape_configs"]]
    assert live_jobs == [param.values[0] for param in scrape_job_params()]


@pytest.mark.parametrize("job", scrape_job_params())
def test_scrape_job_has_targets_and_all_are_up(
    job: str, prometheus: str, settings: Settings, record_property
):
    def all_up() -> list[dict]:
        active = api_get(prometheus, "targets", {"state": "active"})["activeTargets"]
        targets = [t for t in active if t["scrapePool"] == job]
        down = [
            f"{t['scrapeUrl']} {t['health']}: {t['lastError']}"
            for t in targets
            if t["health"] != "up"
        ]
        if not targets or down:
            raise NotYet("; ".join(down) or f"job {job} has no targets")
        return targets

    targets = wait_for(all_up, settings.timeout, f"every target of job {job} up")
    record_property(
        "targets up", ", ".join(sorted(t["labels"].get("instance", "?") for t in targets))
    )


def test_every_rule_group_is_loaded_and_healthy(
    prometheus: str, settings: Settings, record_property
):
    expected = rule_groups()

    def healthy() -> dict[str, int]:
        groups = api_get(prometheus, "rules")["groups"]
        loaded = {group["name"]: len(group["rules"]) for group in groups}
        assert loaded == expected, f"Prometheus has rule groups {loaded}, the repository {expected}"
        broken = [
            f"{group['name']}/{rule['name']}: {rule['health']} {rule.get('lastError', '')}"
            for group in groups
            for rule in group["rules"]
            if rule["health"] != "ok"
        ]
        if broken:
            raise NotYet("; ".join(broken))
        return loaded

    loaded = wait_for(healthy, settings.timeout, "every rule evaluated without error")
    record_property("rule groups", ", ".join(f"{name} ({n} rules)" for name, n in loaded.items()))
