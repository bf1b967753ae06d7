"""Fault knobs for chaos experiments: a random delay and random 503s, on API views only."""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.http import HttpResponse

from servicekit.health import json_error


def injected_fault() -> HttpResponse | None:
    """Sleep a random 0..FAULT_DELAY_MS ms; then answer 503 for FAULT_ERROR_RATE of calls.

    Only the API views call this: health, readiness and metrics stay untouched, so an
    experiment degrades the API without making Kubernetes restart the pod or Prometheus lose it.
    """
    # Not cryptographic: fault injection only needs a fair coin.
    if settings.FAULT_DELAY_MS:
        time.sleep(random.uniform(0, settings.FAULT_DELAY_MS) / 1000)  # noqa: S311
    if settings.FAULT_ERROR_RATE and random.random() < settings.FAULT_ERROR_RATE:  # noqa: S311
        response = json_error(503, "fault_injected", "FAULT_ERROR_RATE injected this error")
        response["Retry-After"] = "1"
        return response
    return None
