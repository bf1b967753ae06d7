"""Fixtures of the backend tests: a fixed clock, providers, services and schema validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from django.test import Client
from prometheus_client import REGISTRY
from quotes.openapi import OPENAPI_DOCUMENT
from quotes.providers import UpstreamError
from quotes.providers.simulated import SimulatedProvider
from quotes.records import History, Quote
from quotes.service import QuoteService

NOW = datetime(2026, 3, 2, 14, 30, 15, tzinfo=UTC)


@pytest.fixture
def simulated() -> SimulatedProvider:
    return SimulatedProvider(seed=42, clock=lambda: NOW)


class ScriptedProvider:
    """Stands in for an upstream provider (the outside boundary): answers or fails on demand."""

    def __init__(self, inner: SimulatedProvider, name: str = "scripted"):
        self.inner = inner
        self.name = name
        self.failure: UpstreamError | None = None
        self.calls = 0

    def fail_with(self, reason: str) -> None:
        self.failure = UpstreamError(self.name, reason, f"scripted {reason}")

    def _answer(self, call: Callable[[], Any]) -> Any:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return call()

    def quote(self, symbol: str) -> Quote:
        return self._answer(lambda: self.inner.quote(symbol))

    def history(self, symbol: str, period: str, interval: str) -> History:
        return self._answer(lambda: self.inner.history(symbol, period, interval))


@pytest.fixture
def upstream(simulated) -> ScriptedProvider:
    return ScriptedProvider(simulated)


@pytest.fixture
def service(upstream) -> QuoteService:
    return QuoteService(upstream, ["AAPL", "MSFT"], quote_ttl=30, history_ttl=300)


@pytest.fixture
def use_service(monkeypatch, service) -> QuoteService:
    """Serve the API from `service` instead of the one built from settings."""
    monkeypatch.setattr("quotes.views.get_service", lambda: service)
    return service


@pytest.fixture
def api() -> Client:
    return Client()


@pytest.fixture
def conforms() -> Callable[[Any, str], None]:
    """Assert a JSON body matches a component schema of the OpenAPI document."""

    def check(body: Any, schema_name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}", **OPENAPI_DOCUMENT}
        jsonschema.validate(
            body,
            schema,
            cls=jsonschema.Draft202012Validator,
            format_checker=jsonschema.FormatChecker(),
        )

    return check


@pytest.fixture
def metric() -> Callable[..., float]:
    """Current value of a sample in the process registry (0 when absent)."""

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return value


@pytest.fixture
def fake_clock() -> list[float]:
    """A monotonic clock the test moves by hand: `fake_clock[0] += 31`."""
    return [1000.0]
