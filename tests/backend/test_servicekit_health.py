"""servicekit.health: liveness and the JSON error shape for Django's error handlers."""

import json

import pytest
from django.test import RequestFactory

from servicekit import health


def _body(response) -> dict:
    return json.loads(response.content)


def test_healthz_answers_ok():
    response = health.healthz(RequestFactory().get("/healthz"))
    assert response.status_code == 200
    assert _body(response) == {"status": "ok"}


def test_json_error_has_the_error_shape():
    response = health.json_error(418, "teapot", "short and stout")
    assert response.status_code == 418
    assert response["Content-Type"] == "application/json"
    assert _body(response) == {"error": {"code": "teapot", "message": "short and stout"}}


@pytest.mark.parametrize(
    ("handler", "status", "code"),
    [
        (health.handler400, 400, "bad_request"),
        (health.handler403, 403, "forbidden"),
        (health.handler404, 404, "not_found"),
    ],
)
def test_error_handlers_answer_json(handler, status, code):
    response = handler(RequestFactory().get("/nowhere"), Exception("x"))
    assert response.status_code == status
    assert _body(response)["error"]["code"] == code


def test_handler500_answers_json_without_details():
    response = health.handler500(RequestFactory().get("/boom"))
    assert response.status_code == 500
    assert _body(response)["error"]["code"] == "internal_error"
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("method", ["post", "put", "delete", "trace", "options"])
def test_healthz_refuses_other_methods_with_a_json_405(method):
    response = health.healthz(getattr(RequestFactory(), method)("/healthz"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert _body(response)["error"]["code"] == "method_not_allowed"


def test_require_get_lets_head_through():
    response = health.healthz(RequestFactory().head("/healthz"))
    assert response.status_code == 200
