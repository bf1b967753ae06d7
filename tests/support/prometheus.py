"""Run a real (Debian) Prometheus on a free loopback port and query it through its HTTP API;
run promtool (config, rules and unit-test checks)."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from tests.support.polling import NotYet, wait_for
from tests.support.servers import RunningProcess, free_port, running

PROMETHEUS = "prometheus"
# The cluster serves Prometheus under this prefix (docs/architecture.md); tests use the same one
# so that URL joins in clients are exercised exactly as behind the Gateway.
ROUTE_PREFIX = "/prometheus"


class PrometheusError(RuntimeError):
    """Prometheus answered a query with an error (bad PromQL, timeout, ...)."""


def prometheus_binary() -> str:
    """Path of the `prometheus` executable, or a clear error naming the package to install."""
    path = shutil.which(PROMETHEUS)
    if path is None:
        raise RuntimeError("prometheus is not installed; on Debian: apt-get install prometheus")
    return path


def promtool(
    *args: str, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run `promtool args...` and return its result (exit code and output), whatever it is."""
    return subprocess.run(
        ["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@contextmanager
def prometheus_server(
    tmp_path: Path,
    config: Mapping[str, Any] | Path,
    rules: Sequence[Path] = (),
    storage: Path | None = None,
    extra_args: Sequence[str] = (),
    route_prefix: str = ROUTE_PREFIX,
) -> Iterator[RunningProcess]:
    """Run Prometheus until the block ends; `base_url` includes the route prefix.

    `config` is a parsed config or a file; `rules` replace its `rule_files`. `storage` is the TSDB
    directory (e.g. blocks backfilled with promtool); retention is unlimited so old blocks stay.
    """
    settings = dict(yaml.safe_load(config.read_text()) if isinstance(config, Path) else config)
    if rules:
        settings["rule_files"] = [str(Path(rule).resolve()) for rule in rules]
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(settings, sort_keys=False))
    port = free_port()
    prefix = "/" + route_prefix.strip("/") if route_prefix.strip("/") else ""
    base_url = f"http://127.0.0.1:{port}{prefix}"
    argv = [
        prometheus_binary(),
        f"--config.file={config_file}",
        f"--storage.tsdb.path={storage or tmp_path / 'prometheus-data'}",
        "--storage.tsdb.retention.time=100y",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--web.external-url={base_url}/",
        f"--web.route-prefix={prefix or '/'}",
        "--web.enable-lifecycle",
        "--log.level=warn",
        *extra_args,
    ]
    with running(
        "prometheus", argv, tmp_path / "prometheus.log", f"{base_url}/-/ready", base_url
    ) as server:
        yield server


def _timestamp(moment: datetime | float) -> str:
    return str(moment.timestamp() if isinstance(moment, datetime) else moment)


def api_get(base_url: str, endpoint: str, params: Mapping[str, str] | None = None) -> Any:
    """GET `/api/v1/<endpoint>` and return its `data`; raise PrometheusError on an error answer."""
    url = f"{base_url.rstrip('/')}/api/v1/{endpoint}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        # Prometheus answers 400/422 with a JSON body that says what is wrong with the query.
        body = json.loads(error.read() or b"{}")
        if "error" not in body:
            raise
    if body.get("status") != "success":
        raise PrometheusError(f"{endpoint} {dict(params or {})}: {body.get('error')}")
    return body["data"]


def query(base_url: str, promql: str, time: datetime | float | None = None) -> list[dict]:
    """Instant query; returns the `result` list (vector samples, or `[ts, value]` for scalars)."""
    params = {"query": promql}
    if time is not None:
        params["time"] = _timestamp(time)
    data = api_get(base_url, "query", params)
    return data["result"] if data["resultType"] in ("vector", "matrix") else [data["result"]]


def wait_for_result(
    base_url: str,
    promql: str,
    deadline_seconds: float = 60.0,
    poll_seconds: float = 0.5,
    until: Callable[[list[dict]], bool] = bool,
) -> list[dict]:
    """Poll an instant query until `until(result)` holds (default: any sample); DeadlinePassed
    (a TimeoutError) with the last result otherwise."""

    def probe() -> tuple[list[dict]]:
        try:
            result = query(base_url, promql)
        except PrometheusError as error:
            raise AssertionError(str(error)) from error  # a bad query: waiting cannot help
        if until(result):
            return (result,)
        raise NotYet(f"result {result}")

    return wait_for(probe, deadline_seconds, f"{promql!r} as expected", poll_seconds)[0]
