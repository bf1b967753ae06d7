"""The suite's settings, read from E2E_* environment variables in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from tests.e2e.components import parse_without

APP_NAMESPACE = "stock-monitoring"
MONITORING_NAMESPACE = "monitoring"
NAMESPACES = (APP_NAMESPACE, MONITORING_NAMESPACE)


@dataclass(frozen=True)
class Settings:
    """Which cluster to test, what it lacks, and how long to wait for it."""

    context: str | None  # None: the kubeconfig's current context
    without: frozenset[str]
    edge_url: str
    timeout: float  # seconds for workloads to become available and queries to have data


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read E2E_CONTEXT, E2E_WITHOUT, E2E_EDGE_URL and E2E_TIMEOUT; fail on malformed values."""
    env = os.environ if env is None else env
    raw_timeout = env.get("E2E_TIMEOUT", "") or "300"
    try:
        timeout = float(raw_timeout)
    except ValueError:
        raise ValueError(f"E2E_TIMEOUT={raw_timeout!r} is not a number of seconds") from None
    if timeout <= 0:
        raise ValueError(f"E2E_TIMEOUT={raw_timeout!r} must be positive")
    return Settings(
        context=env.get("E2E_CONTEXT") or None,
        without=parse_without(env.get("E2E_WITHOUT", "")),
        edge_url=(env.get("E2E_EDGE_URL") or "http://localhost").rstrip("/"),
        timeout=timeout,
    )
