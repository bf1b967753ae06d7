"""Prometheus HTTP API client for the lab, and a `kubectl port-forward` to reach it."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from chaoslab.analysis import Series


class PrometheusError(RuntimeError):
    """Prometheus could not be reached or rejected a query."""


class PrometheusClient:
    """Range queries against one Prometheus (base URL includes any route prefix)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: dict | None = None) -> requests.Response:
        try:
            return requests.get(f"{self.base_url}{path}", params=params, timeout=self.timeout)
        except requests.RequestException as error:
            raise PrometheusError(
                f"Prometheus at {self.base_url} is unreachable: {error}"
            ) from error

    def check_ready(self) -> None:
        """Raise PrometheusError unless /-/ready answers 200."""
        response = self._get("/-/ready")
        if response.status_code != 200:
            raise PrometheusError(
                f"Prometheus at {self.base_url}/-/ready answered {response.status_code}"
            )

    def query_range(self, query: str, start: float, end: float, step: float) -> Series:
        """The single series `query` returns over [start, end]; {} when it returns none."""
        result = self.query_range_labelled(query, start, end, step)
        if len(result) > 1:
            raise PrometheusError(
                f"query returned {len(result)} series; aggregate it to one:\n  {query}"
            )
        return result[0][1] if result else {}

    def query_range_labelled(
        self, query: str, start: float, end: float, step: float
    ) -> list[tuple[dict[str, str], Series]]:
        """Every series `query` returns over [start, end], each with its labels."""
        params = {"query": query, "start": start, "end": end, "step": step}
        response = self._get("/api/v1/query_range", params)
        body = (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        if response.status_code != 200 or body.get("status") != "success":
            reason = body.get("error", response.text[:200])
            raise PrometheusError(f"query failed ({response.status_code}): {reason}\n  {query}")
        # NaN (e.g. a ratio of two zero rates) is no data, not a value.
        return [
            (
                item["metric"],
                {round(float(t), 3): float(v) for t, v in item["values"] if v.lower() != "nan"},
            )
            for item in body["data"]["result"]
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def port_forward(
    namespace: str,
    service: str,
    remote_port: int,
    context: str | None = None,
    deadline_seconds: float = 20.0,
) -> Iterator[int]:
    """Run `kubectl port-forward svc/<service>` on a free loopback port while the block runs."""
    local_port = _free_port()
    argv = [
        "kubectl", *(["--context", context] if context else []), "-n", namespace,
        "port-forward", "--address", "127.0.0.1",
        f"svc/{service}", f"{local_port}:{remote_port}",
    ]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end:
            if process.poll() is not None:
                raise PrometheusError(f"kubectl port-forward failed: {process.stderr.read()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", local_port)) == 0:
                    break
            time.sleep(0.2)
        else:
            raise PrometheusError(
                f"kubectl port-forward to {service} not up in {deadline_seconds}s"
            )
        yield local_port
    finally:
        process.terminate()
        process.wait(timeout=10)
