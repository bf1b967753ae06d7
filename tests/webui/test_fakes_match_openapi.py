"""The backend faked at the HTTP boundary (responses) answers only what the backend's OpenAPI
document says the backend answers: every answer the webui tests' fakes register is checked
against the document the backend builds, so a fake cannot drift from the API it stands in for."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from django.test import RequestFactory

from servicekit.health import handler500
from tests.support.openapi import answer_problems, backend_document
from tests.webui.conftest import BACKEND, BACKEND_ERROR_CODES, CRASH_STATUS, break_backend


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return backend_document(tmp_path_factory.mktemp("openapi"))


def problems(mock: responses.RequestsMock, document: dict) -> list[str]:
    """What the document does not allow in the answers registered on `mock` (an exception in
    place of an answer is a transport failure: it has no status to check)."""
    found = []
    for fake in mock.registered():
        if isinstance(fake.body, Exception):
            continue
        body = json.loads(fake.body) if fake.body else None
        found += answer_problems(document, fake.method, fake.url, fake.status, body)
    return found


def test_the_healthy_backend_answers_as_documented(healthy_backend, document):
    assert healthy_backend.registered()
    assert problems(healthy_backend, document) == []


@pytest.mark.parametrize("status", sorted(set(BACKEND_ERROR_CODES) - {CRASH_STATUS}))
def test_a_broken_backend_answers_as_documented(backend, document, status):
    break_backend(backend, status)
    assert backend.registered()
    assert problems(backend, document) == []


def test_a_crashed_backend_answers_as_its_handler500_does(backend):
    # Outside the document (docs/architecture.md): a crash, answered by the backend's handler500.
    crash = handler500(RequestFactory().get("/api/v1/quotes"))
    break_backend(backend, CRASH_STATUS)
    answers = {(fake.status, fake.body) for fake in backend.registered()}
    expected = json.loads(crash.content)["error"]["code"]
    assert {(status, json.loads(body)["error"]["code"]) for status, body in answers} == {
        (crash.status_code, expected)
    }


def test_transport_failures_register_no_answer_to_check(backend, document):
    break_backend(backend, requests.ConnectionError("refused"))
    assert all(isinstance(fake.body, Exception) for fake in backend.registered())


def test_the_check_refuses_an_answer_the_document_does_not_list(backend, document):
    # The check itself: an undocumented status and an unknown error code are both reported.
    backend.get(f"{BACKEND}/api/v1/quotes", status=418, json={"error": {}})
    unknown_code = {"error": {"code": "x", "message": "x"}}
    backend.get(f"{BACKEND}/api/v1/quotes/AAPL", status=503, json=unknown_code)
    found = problems(backend, document)
    assert len(found) == 2
    assert "status 418 is not listed" in found[0]
    assert "'x' is not one of" in found[1]
