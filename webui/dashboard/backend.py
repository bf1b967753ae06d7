"""Client of the backend API: pooled, time-boxed, one jittered retry, and a last-good cache.

Every call returns a `Fetch`; a backend failure never raises into a view.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote as url_quote

import requests
from requests.adapters import HTTPAdapter

from dashboard import payloads
from dashboard.metrics import UPSTREAM_ERRORS, UPSTREAM_REQUEST_SECONDS

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_JITTER_SECONDS = (0.05, 0.25)
LAST_GOOD_ENTRIES = 512


class BackendRejected(Exception):
    """The backend answered 4xx: a definite "no" (unknown symbol, bad period), not an outage."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class _AttemptFailed(Exception):
    def __init__(self, reason: str, retryable: bool, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class Fetch(Generic[T]):
    """Outcome of one call: fresh data, last-good data after a failure, or nothing at all."""

    value: T | None
    fetched_at: datetime | None
    fresh: bool
    error: str | None = None

    @property
    def degraded(self) -> bool:
        return not self.fresh and self.value is not None


@dataclass(frozen=True)
class CallRecord:
    """What the status strip shows about the most recent backend call of this process."""

    state: str  # "up", "erroring" (HTTP 5xx / bad body) or "unreachable" (timeout / refused)
    latency_seconds: float

    @property
    def latency_ms(self) -> int:
        return round(self.latency_seconds * 1000)


def retry_delay() -> float:
    """Seconds to wait before the single retry; jittered so workers do not retry in lockstep."""
    return random.uniform(*RETRY_JITTER_SECONDS)  # noqa: S311 - jitter, not cryptography


def _classify(error: requests.RequestException) -> tuple[str, bool]:
    # ConnectTimeout is both a Timeout and a ConnectionError: nothing reached the backend, so
    # retrying is safe and cheap. A read timeout already cost the full read budget: no retry.
    if isinstance(error, requests.ConnectTimeout):
        return "timeout", True
    if isinstance(error, requests.Timeout):
        return "timeout", False
    if isinstance(error, requests.ConnectionError):
        return "connection", True
    return "connection", False


class BackendClient:
    """One per process; thread-safe. `base_url` like http://backend:8000."""

    def __init__(
        self,
        base_url: str,
        connect_timeout: float,
        read_timeout: float,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self._sleep = sleep
        self._session = session or self._pooled_session()
        self._last_good: OrderedDict[str, tuple[Any, datetime]] = OrderedDict()
        self._lock = threading.Lock()
        self.last_call: CallRecord | None = None

    @staticmethod
    def _pooled_session() -> requests.Session:
        session = requests.Session()
        # Retries are done here, not by urllib3, so that each attempt is measured and counted.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = "stockwatch-webui"
        session.headers["Accept"] = "application/json"
        return session

    # --- the API ---------------------------------------------------------------------------

    def quotes(self, *, network: bool = True) -> Fetch[tuple[payloads.Quote, ...]]:
        return self.get("quotes", "/api/v1/quotes", {}, payloads.parse_quotes, network=network)

    def quote(self, symbol: str, *, network: bool = True) -> Fetch[payloads.Quote]:
        path = f"/api/v1/quotes/{url_quote(symbol, safe='')}"
        return self.get("quotes", path, {}, payloads.parse_quote, network=network)

    def history(
        self, symbol: str, period: str, interval: str, *, network: bool = True
    ) -> Fetch[payloads.History]:
        path = f"/api/v1/quotes/{url_quote(symbol, safe='')}/history"
        params = {"period": period, "interval": interval}
        return self.get("history", path, params, payloads.parse_history, network=network)

    # --- the machinery ---------------------------------------------------------------------

    def get(
        self,
        endpoint: str,
        path: str,
        params: dict[str, str],
        parse: Callable[[Any], T],
        *,
        network: bool = True,
    ) -> Fetch[T]:
        """GET `path`, parse the body; on failure fall back to the last good value for this key.

        `network=False` answers from the last-good cache only: used once the backend has just
        failed within the same page, so one outage does not cost a timeout per call.
        Raises `BackendRejected` on 4xx; never raises for outages or malformed bodies.
        """
        key = path + "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        if not network:
            return self._fallback(key, "skipped")
        try:
            value = self._attempts(endpoint, path, params, parse)
        except _AttemptFailed as failure:
            log.warning("backend %s failed (%s): %s", path, failure.reason, failure)
            return self._fallback(key, failure.reason)
        now = datetime.now(UTC)
        with self._lock:
            self._last_good[key] = (value, now)
            self._last_good.move_to_end(key)
            while len(self._last_good) > LAST_GOOD_ENTRIES:
                self._last_good.popitem(last=False)
        return Fetch(value, now, fresh=True)

    def _fallback(self, key: str, reason: str) -> Fetch[Any]:
        with self._lock:
            cached = self._last_good.get(key)
        if cached is None:
            return Fetch(None, None, fresh=False, error=reason)
        return Fetch(cached[0], cached[1], fresh=False, error=reason)

    def _attempts(
        self, endpoint: str, path: str, params: dict[str, str], parse: Callable[[Any], T]
    ) -> T:
        try:
            return self._attempt(endpoint, path, params, parse)
        except _AttemptFailed as failure:
            if not failure.retryable:
                raise
        self._sleep(retry_delay())
        return self._attempt(endpoint, path, params, parse)

    def _attempt(
        self, endpoint: str, path: str, params: dict[str, str], parse: Callable[[Any], T]
    ) -> T:
        started = time.perf_counter()
        try:
            try:
                response = self._session.get(
                    self.base_url + path, params=params, timeout=self.timeout
                )
            except requests.RequestException as error:
                reason, retryable = _classify(error)
                self._record("unreachable", started)
                raise _AttemptFailed(reason, retryable, str(error)) from error
            if response.status_code >= 500:
                self._record("erroring", started)
                raise _AttemptFailed(
                    "http_5xx",
                    response.status_code in RETRY_STATUSES,
                    f"HTTP {response.status_code}",
                )
            if response.status_code >= 400:
                self._record("up", started)
                raise self._rejection(response)
            try:
                value = parse(response.json())
            except ValueError as error:  # undecodable JSON, or a PayloadError from `parse`
                self._record("erroring", started)
                raise _AttemptFailed("bad_payload", False, str(error)) from error
            self._record("up", started)
            return value
        except _AttemptFailed as failure:
            UPSTREAM_ERRORS.labels(reason=failure.reason).inc()
            raise
        finally:
            UPSTREAM_REQUEST_SECONDS.labels(endpoint=endpoint).observe(
                time.perf_counter() - started
            )

    @staticmethod
    def _rejection(response: requests.Response) -> BackendRejected:
        try:
            error = response.json()["error"]
            return BackendRejected(response.status_code, str(error["code"]), str(error["message"]))
        except (ValueError, KeyError, TypeError):
            return BackendRejected(response.status_code, "unknown", response.reason or "")

    def _record(self, state: str, started: float) -> None:
        self.last_call = CallRecord(state, time.perf_counter() - started)
