"""loadgen.config reads the contract's variables and rejects malformed values by name."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from loadgen.config import ConfigError, load_config
from tests.support.servers import REPO

VARIABLES = (
    "LOADGEN_BACKEND_URL",
    "LOADGEN_WEBUI_URL",
    "LOADGEN_RATE",
    "LOADGEN_TIMEOUT",
    "LOADGEN_MAX_IN_FLIGHT",
    "METRICS_BIND",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_follow_the_contract():
    config = load_config()

    urls = {target.name: target.url for target in config.targets}
    assert urls == {"backend": "http://backend:8000/api/v1/quotes", "webui": "http://webui/"}
    assert (config.rate, config.timeout, config.max_in_flight) == (5.0, 5.0, 200)
    assert (config.metrics_host, config.metrics_port) == ("0.0.0.0", 9000)  # noqa: S104 - the default under test


def test_environment_overrides_the_defaults(monkeypatch):
    monkeypatch.setenv("LOADGEN_BACKEND_URL", "http://127.0.0.1:8001/")
    monkeypatch.setenv("LOADGEN_RATE", "12.5")
    monkeypatch.setenv("METRICS_BIND", "127.0.0.1:9123")

    config = load_config()

    assert config.targets[0].url == "http://127.0.0.1:8001/api/v1/quotes"
    assert config.rate == 12.5
    assert (config.metrics_host, config.metrics_port) == ("127.0.0.1", 9123)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOADGEN_RATE", "fast"),
        ("LOADGEN_RATE", "0"),
        ("LOADGEN_TIMEOUT", "-1"),
        ("LOADGEN_MAX_IN_FLIGHT", "0"),
        ("LOADGEN_WEBUI_URL", "file:///etc/passwd"),
        ("METRICS_BIND", "localhost"),
    ],
)
def test_malformed_value_is_rejected_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError, match=name):
        load_config()


def test_bad_configuration_stops_python_m_loadgen_with_exit_code_2():
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOADGEN_RATE": "fast"}
    result = subprocess.run(
        [sys.executable, "-m", "loadgen"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "LOADGEN_RATE" in result.stdout
