"""Schemathesis against the live server's own OpenAPI document: no 5xx, responses conform."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import REPO, gunicorn_service

pytestmark = pytest.mark.slow

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
    "allow_header_conformance",
]
REPORTS = REPO / "artifacts" / "backend" / "schemathesis"


def test_api_conforms_to_its_openapi_document(tmp_path: Path):
    with gunicorn_service("backend", tmp_path) as server:
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")), "run",
                f"{server.base_url}/api/v1/openapi.json",
                "--checks", ",".join(CHECKS),
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", "15",
                "--seed", "42",
                "--workers", "2",
                "--request-timeout", "20",
                "--report", "junit",
                "--report-dir", str(REPORTS),
            ],
            capture_output=True, text=True, timeout=150, cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
