"""JSON-lines logging: one object per record on stdout, for Django and gunicorn alike."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time (ISO UTC), level, logger, message, extras, exc."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The record as a dict, before JSON encoding."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return entry

    def format(self, record: logging.LogRecord) -> str:
        # default=str keeps a log call from failing on an extra that JSON cannot encode.
        return json.dumps(self.fields(record), default=str)


def django_logging(level: str) -> dict[str, Any]:
    """A Django LOGGING dict: everything as JSON lines on stdout at `level`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
            },
        },
        "root": {"level": level.upper(), "handlers": ["stdout"]},
        "loggers": {
            # Django attaches its own handlers here; route them through the JSON root instead.
            "django": {"level": level.upper(), "handlers": [], "propagate": True},
        },
    }
