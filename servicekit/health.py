"""Liveness view and JSON error bodies, including Django's handler404/handler500 hooks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

SAFE_METHODS = ("GET", "HEAD")


def json_error(status: int, code: str, message: str) -> JsonResponse:
    """The API's error shape: {"error": {"code": ..., "message": ...}}."""
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def require_get(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer anything but GET/HEAD with a JSON 405 and an Allow header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            response = json_error(
                405, "method_not_allowed", f"{request.method} is not allowed here; use GET"
            )
            response["Allow"] = ", ".join(SAFE_METHODS)
            return response
        return view(request, *args, **kwargs)

    return wrapper


@require_get
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Checks no dependency on purpose."""
    return JsonResponse({"status": "ok"})


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler400 (e.g. a disallowed Host header) as JSON."""
    return json_error(400, "bad_request", "the request could not be understood")


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler403 as JSON."""
    return json_error(403, "forbidden", "access to this resource is denied")


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler404 as JSON."""
    return json_error(404, "not_found", f"no route for {request.path}")


def handler500(request: HttpRequest) -> JsonResponse:
    """Django's handler500 as JSON: no HTML, no stack trace."""
    return json_error(500, "internal_error", "the server failed to answer this request")
