"""Building blocks of each service's gunicorn.conf.py: binds, sizing, metrics dir, JSON logs."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from servicekit.env import ConfigError, env_int, env_str
from servicekit.logs import JsonFormatter

DEFAULT_METRICS_BIND = "0.0.0.0:9000"

# Seconds a worker gets after SIGTERM to finish in-flight requests; below the Kubernetes default
# terminationGracePeriodSeconds (30) so a pod never gets SIGKILLed mid-request.
GRACEFUL_TIMEOUT = 20

# The request fields of an access log line, as a JSON object (gunicorn escapes double quotes
# inside atoms); AccessJsonFormatter adds time, level and logger like every other line.
ACCESS_LOG_FORMAT = (
    '{"remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", "query": "%(q)s", '
    '"protocol": "%(H)s", "status": %(s)s, "bytes": "%(b)s", "duration_ms": %(M)s, '
    '"user_agent": "%(a)s", "worker": "%(p)s"}'
)


class AccessJsonFormatter(JsonFormatter):
    """gunicorn access records: ACCESS_LOG_FORMAT's fields as top-level keys of the JSON line."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        entry = super().fields(record)
        try:
            request = json.loads(entry["message"])
        except ValueError:
            return entry  # an atom gunicorn did not escape (e.g. a backslash): keep it as text
        entry["message"] = f"{request['method']} {request['path']} {request['status']}"
        return entry | request


logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "servicekit.logs.JsonFormatter"},
        "access_json": {"()": "servicekit.gunicorn_conf.AccessJsonFormatter"},
    },
    "handlers": {
        "json_stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        },
        "access_stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "access_json",
        },
        # gunicorn merges this dict into its defaults, which name these two handlers.
        "console": {"class": "logging.NullHandler"},
        "error_console": {"class": "logging.NullHandler"},
    },
    "root": {"level": "INFO", "handlers": ["json_stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["json_stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access_stdout"], "propagate": False},
    },
}


def metrics_bind() -> str:
    """The metrics listener address (METRICS_BIND)."""
    return env_str("METRICS_BIND", DEFAULT_METRICS_BIND)


def bind_port(address: str) -> int:
    """The TCP port of a gunicorn bind address such as `0.0.0.0:9000` or `[::]:9000`."""
    _, _, port = address.rpartition(":")
    try:
        return int(port)
    except ValueError:
        raise ConfigError(f"bind address {address!r} has no TCP port") from None


def binds(default_app_bind: str) -> list[str]:
    """The app listener (GUNICORN_BIND) and the metrics listener (METRICS_BIND)."""
    app, metrics = env_str("GUNICORN_BIND", default_app_bind), metrics_bind()
    if bind_port(app) == bind_port(metrics):
        raise ConfigError(f"GUNICORN_BIND={app!r} and METRICS_BIND={metrics!r} share a port")
    return [app, metrics]


def workers() -> int:
    """Worker processes (GUNICORN_WORKERS)."""
    return env_int("GUNICORN_WORKERS", 2, minimum=1)


def threads() -> int:
    """Threads per gthread worker (GUNICORN_THREADS)."""
    return env_int("GUNICORN_THREADS", 4, minimum=1)


def timeout() -> int:
    """Seconds before a silent worker is killed and restarted (GUNICORN_TIMEOUT)."""
    return env_int("GUNICORN_TIMEOUT", 30, minimum=1)


def on_starting(server: Any) -> None:
    """Start every run with an empty prometheus_client multiprocess directory."""
    path = env_str("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        raise ConfigError(
            "PROMETHEUS_MULTIPROC_DIR is required under gunicorn: set it to a writable directory "
            "(in the cluster /run/metrics) so metrics add up across workers"
        )
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    # Empty it rather than removing it: in a pod the directory is a mount point.
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    server.log.info("prometheus multiprocess directory %s emptied", directory)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges so they stop counting."""
    # Imported here: prometheus_client reads PROMETHEUS_MULTIPROC_DIR when its values are created.
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


def server_settings(default_app_bind: str) -> dict[str, Any]:
    """All gunicorn settings the services share; a service's gunicorn.conf.py adds its app port."""
    return {
        "bind": binds(default_app_bind),
        "worker_class": "gthread",
        "workers": workers(),
        "threads": threads(),
        "timeout": timeout(),
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": 5,
        "access_log_format": ACCESS_LOG_FORMAT,
        "logconfig_dict": logconfig_dict,
        # gunicorn >= 25 opens a control socket under $HOME by default: nothing uses it, and in a
        # read-only container (or beside other test servers) it is a file in the wrong place.
        "control_socket_disable": True,
        "on_starting": on_starting,
        "child_exit": child_exit,
    }
