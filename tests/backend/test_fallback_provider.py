"""`auto`: Yahoo first, simulated when Yahoo is down or rate-limiting; metrics per provider."""

import pytest
from quotes.providers import UpstreamError
from quotes.providers.fallback import FallbackProvider, MeasuredProvider

from .conftest import ScriptedProvider


@pytest.fixture
def primary(simulated):
    return ScriptedProvider(simulated, name="yfinance")


@pytest.fixture
def secondary(simulated):
    return ScriptedProvider(simulated, name="simulated")


@pytest.fixture
def auto(primary, secondary, fake_clock):
    return FallbackProvider(primary, secondary, cooldown=30, clock=lambda: fake_clock[0])


def test_answers_from_the_primary_when_it_works(auto, primary, secondary):
    auto.quote("AAPL")
    assert (primary.calls, secondary.calls) == (1, 0)


@pytest.mark.parametrize("reason", ["rate_limited", "timeout", "network", "other"])
def test_falls_back_to_simulated_with_a_truthful_source(auto, primary, secondary, reason):
    primary.fail_with(reason)
    assert auto.quote("AAPL").source == "simulated"
    assert auto.history("AAPL", "1d", "5m").source == "simulated"
    assert secondary.calls == 2


def test_leaves_the_primary_alone_during_the_cooldown(auto, primary, fake_clock):
    primary.fail_with("rate_limited")
    auto.quote("AAPL")
    auto.quote("MSFT")
    assert primary.calls == 1
    fake_clock[0] += 31
    auto.quote("AAPL")
    assert primary.calls == 2


def test_no_data_from_the_primary_is_passed_on_not_papered_over(auto, primary):
    primary.fail_with("empty")
    with pytest.raises(UpstreamError) as caught:
        auto.quote("NOSUCH")
    assert caught.value.reason == "empty"


def test_measured_provider_counts_errors_by_reason(primary, metric):
    measured = MeasuredProvider(primary)
    before = metric("stockwatch_upstream_errors_total", provider="yfinance", reason="timeout")
    primary.fail_with("timeout")
    with pytest.raises(UpstreamError):
        measured.quote("AAPL")
    after = metric("stockwatch_upstream_errors_total", provider="yfinance", reason="timeout")
    assert after == before + 1


def test_measured_provider_times_each_operation(simulated, metric):
    measured = MeasuredProvider(simulated)
    labels = {"provider": "simulated", "operation": "history"}
    before = metric("stockwatch_upstream_fetch_seconds_count", **labels)
    measured.history("AAPL", "1d", "5m")
    assert metric("stockwatch_upstream_fetch_seconds_count", **labels) == before + 1
