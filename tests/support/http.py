"""Plain HTTP GETs to the loopback services a test started: status and body, whatever the status."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    """GET `url`: (status, body); an error status is an answer too, not an exception."""
    try:
        # Only loopback URLs a test built reach here.
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def get_json(url: str, timeout: float = 5.0) -> Any:
    """GET `url` and parse its JSON; AssertionError with the answer when it is no 200 JSON."""
    status, body = get(url, timeout)
    assert status == 200, f"GET {url} answered {status}: {body[:300]}"
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise AssertionError(f"GET {url} answered no JSON ({error}): {body[:300]}") from error


def answers(url: str, timeout: float = 2.0) -> str | None:
    """The body when `url` answers 2xx now, else None (for wait_for probes)."""
    try:
        status, body = get(url, timeout)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None
    return body if 200 <= status < 300 else None
