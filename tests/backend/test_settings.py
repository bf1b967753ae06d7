"""Settings: fail fast on bad environment; `check --deploy` clean for production settings."""

import os
import runpy
import subprocess
import sys

import pytest

from servicekit.env import ConfigError
from tests.support.servers import REPO

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "backend,localhost",
}


def run_backend_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with the backend on the path and `env` on top."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FAULT_"))}
    environ |= {"PYTHONPATH": f"{REPO / 'backend'}:{REPO}", **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO / "backend",
    )


@pytest.fixture
def load_settings(monkeypatch):
    """Execute settings.py afresh under the given environment; Django's own copy stays."""

    def load(**env: str) -> dict:
        for name in list(os.environ):
            if name.startswith(("DJANGO_", "FAULT_")):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(REPO / "backend" / "backend_site" / "settings.py"))

    return load


def test_production_settings_pass_check_deploy():
    result = run_backend_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DJANGO_SETTINGS_MODULE="backend_site.settings",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off(load_settings):
    with pytest.raises(ConfigError, match="DJANGO_SECRET_KEY is required"):
        load_settings(DJANGO_DEBUG="false")


def test_debug_mode_runs_without_a_secret_key(load_settings):
    assert load_settings(DJANGO_DEBUG="true")["DEBUG"] is True


def test_backend_knobs_are_read_from_the_environment(load_settings):
    loaded = load_settings(
        **PRODUCTION_ENV, WATCHLIST="aapl, ^gspc", PRICE_PROVIDER="AUTO", FAULT_ERROR_RATE="0.25"
    )
    assert loaded["WATCHLIST"] == ["AAPL", "^GSPC"]
    assert loaded["PRICE_PROVIDER"] == "auto"
    assert loaded["FAULT_ERROR_RATE"] == 0.25
    assert loaded["ALLOWED_HOSTS"] == ["backend", "localhost"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PRICE_PROVIDER", "bloomberg"),
        ("QUOTE_TTL_SECONDS", "soon"),
        ("MAX_SYMBOLS_PER_REQUEST", "0"),
        ("FAULT_ERROR_RATE", "1.5"),
        ("FAULT_DELAY_MS", "-1"),
        ("DJANGO_DEBUG", "sometimes"),
        ("WATCHLIST", ",,"),
        ("WATCHLIST", "AAPL,NOT A SYMBOL"),
    ],
)
def test_malformed_values_stop_start_up_naming_the_variable(load_settings, variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_settings(**(PRODUCTION_ENV | {variable: value}))
