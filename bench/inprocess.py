"""CPU per watchlist page in one process: the webui's Django app driven by the test client
against a backend on loopback; CPU is this process's (its backend-call threads included).

Run as `python -m bench.inprocess PAGES ROUNDS` with the webui's environment, BACKEND_URL
included (bench/webui.py does); prints one JSON line: CPU ms per page of each round."""

from __future__ import annotations

import json
import sys
import time

import django
from django.conf import settings
from django.test import Client


def main(pages: int, rounds: int) -> dict:
    django.setup()
    settings.ALLOWED_HOSTS = ["testserver"]  # the test client's host
    client = Client()
    for _ in range(20):  # imports, templates, the first backend answers
        client.get("/")
    cpu_ms = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(pages):
            page = client.get("/")
        cpu_ms.append((time.process_time() - started) * 1000 / pages)
    if page.status_code != 200:
        raise SystemExit(f"the watchlist answered {page.status_code}: is the backend up?")
    return {"cpu_ms": cpu_ms}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
