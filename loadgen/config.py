"""Load generator configuration, read once from the environment (see docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.env import ConfigError, env_float, env_int, env_str
from servicekit.gunicorn_conf import bind_port, metrics_bind


@dataclass(frozen=True)
class Target:
    """One stream of requests: its metric label and the URL every arrival fetches."""

    name: str
    url: str


@dataclass(frozen=True)
class LoadgenConfig:
    """Everything `python -m loadgen` needs to run."""

    targets: tuple[Target, ...]
    rate: float
    timeout: float
    max_in_flight: int
    metrics_host: str
    metrics_port: int


def _base_url(name: str, default: str) -> str:
    url = env_str(name, default).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{name}={url!r} must start with http:// or https://")
    return url


def _metrics_host(address: str) -> str:
    host = address.rpartition(":")[0].strip("[]")
    return host or "0.0.0.0"  # noqa: S104 - the pod's metrics port must be reachable for scraping


def load_config() -> LoadgenConfig:
    """Read LOADGEN_* and METRICS_BIND; raise ConfigError naming the first malformed variable."""
    backend = _base_url("LOADGEN_BACKEND_URL", "http://backend:8000")
    webui = _base_url("LOADGEN_WEBUI_URL", "http://webui")
    metrics_address = metrics_bind()
    try:
        metrics_port = bind_port(metrics_address)
    except ConfigError as error:
        raise ConfigError(f"METRICS_BIND: {error}") from None
    return LoadgenConfig(
        targets=(
            Target("backend", f"{backend}/api/v1/quotes"),
            Target("webui", f"{webui}/"),
        ),
        rate=env_float("LOADGEN_RATE", 5.0, minimum=0.01, maximum=1000.0),
        timeout=env_float("LOADGEN_TIMEOUT", 5.0, minimum=0.1, maximum=120.0),
        max_in_flight=env_int("LOADGEN_MAX_IN_FLIGHT", 200, minimum=1),
        metrics_host=_metrics_host(metrics_address),
        metrics_port=metrics_port,
    )
