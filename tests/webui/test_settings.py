"""Settings come from the environment, fail early on bad values, and pass Django's deploy check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from tests.support.servers import REPO


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "DJANGO_"))}
    environ.update({"PYTHONPATH": f"{REPO / 'webui'}{os.pathsep}{REPO}", **env})
    return subprocess.run(
        [sys.executable, "-c", "import webui_site.settings"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_production_settings_pass_the_deploy_check(settings):
    settings.SECRET_KEY = "a-key-as-long-and-varied-as-a-real-one-0123456789-abcdefghij"
    call_command("check", deploy=True, fail_level="WARNING")


def test_a_secret_key_is_required_outside_debug_mode():
    result = _import_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BACKEND_READ_TIMEOUT", "soon"),
        ("REFRESH_SECONDS", "0"),
        ("DJANGO_DEBUG", "maybe"),
        ("PAGE_BUDGET_SECONDS", "0"),
        ("BACKEND_MAX_IN_FLIGHT", "none"),
    ],
)
def test_a_malformed_variable_stops_the_start_naming_it(variable, value):
    result = _import_settings(DJANGO_SECRET_KEY="x", **{variable: value})
    assert result.returncode != 0
    assert variable in result.stderr.splitlines()[-1]


def test_the_defaults_follow_the_contract():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from webui_site import settings as s; print(s.BACKEND_URL, s.BACKEND_CONNECT_TIMEOUT,"
            " s.BACKEND_READ_TIMEOUT, s.REFRESH_SECONDS, s.GRAFANA_URL, s.PROMETHEUS_URL,"
            " s.PAGE_BUDGET_SECONDS, s.BACKEND_MAX_IN_FLIGHT, s.HISTORY_CACHE_SECONDS)",
        ],
        env={
            k: v
            for k, v in os.environ.items()
            if k
            not in {
                "BACKEND_URL",
                "GRAFANA_URL",
                "PROMETHEUS_URL",
                "REFRESH_SECONDS",
                "PAGE_BUDGET_SECONDS",
                "BACKEND_MAX_IN_FLIGHT",
                "HISTORY_CACHE_SECONDS",
            }
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == [
        "http://127.0.0.1:8000",
        "0.5",
        "2.0",
        "10",
        "/grafana/",
        "/prometheus/",
        "1.0",
        "8",
        "60.0",
    ]


def test_collectstatic_works_before_the_metrics_directory_exists(tmp_path):
    """The image build runs collectstatic with PROMETHEUS_MULTIPROC_DIR set but not created."""
    environ = {
        **os.environ,
        "PYTHONPATH": f"{REPO / 'webui'}{os.pathsep}{REPO}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "not-created-yet"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO / "webui",
        env=environ,
        timeout=120,
        check=True,
    )
    assert (tmp_path / "static" / "staticfiles.json").exists()
