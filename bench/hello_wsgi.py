"""The baseline: the smallest WSGI app, served by the backend's own gunicorn config."""

from collections.abc import Callable, Iterable

BODY = b'{"status": "ok"}'


def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]
