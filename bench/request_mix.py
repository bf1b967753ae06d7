"""A fixed request mix in one process, marked for callgrind (bench/instructions.py runs it).

Run as `python -m bench.request_mix WARMUP REQUESTS PATH...` with a service's environment:
Django's test client asks each path WARMUP times, then REQUESTS times each path in turn. Before
each batch it calls MARK, the C function callgrind dumps its counts at (`--dump-before`): so
every dump after the first holds one path's batch, and the warm-up (imports, templates, first
backend answers, caches) stays in the first."""

from __future__ import annotations

import os
import sys

import django
from django.conf import settings
from django.test import Client

# libc's getppid(), called through os.getppid(): nothing in a request calls it.
MARK = "getppid"


def mark() -> None:
    os.getppid()


def main(warmup: int, requests: int, paths: list[str]) -> None:
    django.setup()
    settings.ALLOWED_HOSTS = ["testserver"]  # the test client's host
    client = Client()
    for _ in range(warmup):
        for path in paths:
            client.get(path)
    for path in paths:
        mark()
        for _ in range(requests):
            answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}")
    mark()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])
