"""Typed reads of environment variables that fail at start-up with a message naming the variable."""

from __future__ import annotations

import math
import os


class ConfigError(Exception):
    """An environment variable is missing or malformed."""


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _raw(name: str) -> str | None:
    """The stripped value of `name`, or None when it is unset or blank."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    """A string; blank counts as unset. `required` raises when it is unset, whatever the default."""
    value = _raw(name)
    if value is not None:
        return value
    if required:
        raise ConfigError(f"{name} is required but not set")
    return default if default is not None else ""


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """An integer, optionally at least `minimum`."""
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """A finite number, optionally within [minimum, maximum]."""
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name}={raw!r} must be at most {maximum}")
    return value


def env_bool(name: str, default: bool) -> bool:
    """true/false, 1/0 or yes/no (any case)."""
    raw = _raw(name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true/false, 1/0 or yes/no)")


def env_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated items, stripped, empty items dropped."""
    raw = _raw(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def django_basics() -> tuple[bool, str, list[str], str]:
    """What both Django services read first: DEBUG, SECRET_KEY, ALLOWED_HOSTS and LOG_LEVEL.

    The secret key is required unless DJANGO_DEBUG is on, so production never runs on a default.
    """
    debug = env_bool("DJANGO_DEBUG", False)
    secret_key = env_str(
        "DJANGO_SECRET_KEY", "dev-only-insecure-key" if debug else None, required=not debug
    )
    allowed_hosts = env_list("DJANGO_ALLOWED_HOSTS", ["*"])
    return debug, secret_key, allowed_hosts, env_str("LOG_LEVEL", "INFO").upper()
