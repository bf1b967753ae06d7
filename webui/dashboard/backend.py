"""Client of the backend API: pooled, bounded, held to the page budget, one jittered retry
that fits in it, a last-good cache, and (with a `Balancer`) each attempt sent to the backend pod
that answers fastest instead of the one the Service picks.

Every call returns a `Pending` whose `result()` is a `Fetch`; a backend failure, a call shed
for want of a free slot or one still running when the budget is spent never raises into a view.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from dashboard import payloads
from dashboard.balancing import Balancer
from dashboard.budget import Deadline
from dashboard.calls import CallPool
from dashboard.metrics import UPSTREAM_ERRORS, UPSTREAM_REQUEST_SECONDS

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_JITTER_SECONDS = (0.05, 0.25)
LAST_GOOD_ENTRIES = 512
# The least time an attempt is worth starting with: a retry with less left is not made.
MIN_ATTEMPT_SECONDS = 0.1
# With a balancer, the first attempt waits this long for an answer, then the call is retried on
# another pod: a pod that accepts but does not answer (a restarted container still booting, which
# DNS may list for up to 30 s) or a starved one costs a page 0.3 s, not its whole budget. The API
# is read-only GETs, so asking again is safe. 30 times the usual answer time.
FIRST_TRY_READ_SECONDS = 0.3
# The watchlist asks for its sparklines inside the quotes answer: one request per page.
SPARKLINE_PERIOD = "1d"


class BackendRejected(Exception):
    """The backend answered 4xx: a definite "no" (unknown symbol, bad period), not an outage."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class _AttemptFailed(Exception):
    def __init__(self, reason: str, retryable: bool, detail: str, *, budget: bool = False) -> None:
        super().__init__(detail)
        self.reason = reason
        self.retryable = retryable
        self.budget = budget  # a timeout clipped to the page budget fired: the budget ran out


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

    @property
    def overran(self) -> bool:
        """The page budget ran out before this call answered: the page stopped waiting, or the
        call's socket timeout, clipped to the budget, fired first (whichever comes first)."""
        return self.error == "budget"


class Pending(Generic[T]):
    """A call on its way; `result()` waits for it no longer than the page budget allows."""

    def __init__(self, settle: Callable[[], Fetch[T]]) -> None:
        self._settle = settle

    def result(self) -> Fetch[T]:
        return self._settle()


@dataclass(frozen=True)
class _Request(Generic[T]):
    """One GET of the backend API: its metric label, path, query and how to read the answer."""

    endpoint: str
    path: str
    params: dict[str, str]
    parse: Callable[[Any], T]

    @property
    def key(self) -> str:
        """The last-good cache key: path and sorted query."""
        return self.path + "?" + "&".join(f"{k}={v}" for k, v in sorted(self.params.items()))


@dataclass(frozen=True)
class CallRecord:
    """What the status strip shows about the most recent backend call of this process."""

    # "up", "erroring" (HTTP 5xx / bad body), "slow" (connected, but no answer before the read
    # timeout) or "unreachable" (refused, or no connection before the connect timeout).
    state: str
    latency_seconds: float
    # The timeout that fired was what was left of the page budget, not the configured one.
    budget: bool = False

    @property
    def label(self) -> str:
        """What the status strip says: what happened, not more than the call can tell."""
        if self.state == "slow":
            return "too slow for the page budget" if self.budget else "too slow (read timeout)"
        if self.state == "unreachable" and self.budget:
            return "not connected within the page budget"
        return {"up": "reachable", "erroring": "erroring"}.get(self.state, "unreachable")

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
    """One per process; thread-safe. `base_url` like http://backend:8000; with a `balancer`,
    attempts go straight to the pod it chooses (same port and Host header), else to `base_url`."""

    def __init__(
        self,
        base_url: str,
        connect_timeout: float,
        read_timeout: float,
        max_in_flight: int = 8,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        balancer: Balancer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._balancer = balancer
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._calls = CallPool(max_in_flight)
        self._sleep = sleep
        self._session = session or self._pooled_session(max_in_flight)
        self._last_good: OrderedDict[str, tuple[Any, datetime]] = OrderedDict()
        self._prepared: OrderedDict[str, requests.PreparedRequest] = OrderedDict()
        self._lock = threading.Lock()
        self.last_call: CallRecord | None = None

    @staticmethod
    def _pooled_session(connections: int) -> requests.Session:
        session = requests.Session()
        # Retries are done here, not by urllib3, so that each attempt is measured and counted.
        # One kept-alive connection per call slot: no call opens a connection that is then dropped.
        # A pool per host: room for every backend pod the autoscaler may run (at most 6).
        adapter = HTTPAdapter(pool_connections=16, pool_maxsize=connections, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = "stockwatch-webui"
        session.headers["Accept"] = "application/json"
        # The backend is reached directly: no proxy or .netrc lookups in the environment on every
        # call (a third of a call's CPU).
        session.trust_env = False
        return session

    def close(self) -> None:
        """Let the calls still in flight end (they may outlive their pages), then stop."""
        self._calls.shutdown()
        self._session.close()
        if self._balancer is not None:
            self._balancer.stop()

    # --- the API ---------------------------------------------------------------------------

    def quotes(self, deadline: Deadline) -> Pending[tuple[payloads.Quote, ...]]:
        """The whole watchlist, each quote with its sparkline closes."""
        params = {"sparkline": SPARKLINE_PERIOD}
        return self.get("quotes", "/api/v1/quotes", params, payloads.parse_quotes, deadline)

    def quote(self, symbol: str, deadline: Deadline) -> Pending[payloads.Quote]:
        path = f"/api/v1/quotes/{url_quote(symbol, safe='')}"
        return self.get("quotes", path, {}, payloads.parse_quote, deadline)

    def history(
        self, symbol: str, period: str, interval: str, deadline: Deadline, *, max_age: float = 0.0
    ) -> Pending[payloads.History]:
        path = f"/api/v1/quotes/{url_quote(symbol, safe='')}/history"
        params = {"period": period, "interval": interval}
        return self.get("history", path, params, payloads.parse_history, deadline, max_age=max_age)

    # --- the machinery ---------------------------------------------------------------------

    def get(
        self,
        endpoint: str,
        path: str,
        params: dict[str, str],
        parse: Callable[[Any], T],
        deadline: Deadline,
        *,
        max_age: float = 0.0,
    ) -> Pending[T]:
        """Start GET `path` on the call pool; its result falls back to the last good value.

        A last-good value younger than `max_age` seconds answers without a call (for data that
        changes slowly). A call that finds every slot busy is shed; one still running when the
        deadline passes goes on in the background and refreshes the last-good cache if it
        succeeds. `result()` raises `BackendRejected` on 4xx; never for outages or bad bodies.
        """
        request = _Request(endpoint, path, params, parse)
        if max_age:
            kept = self._kept(request.key, max_age)
            if kept is not None:
                return Pending(lambda: kept)
        future = self._calls.submit(endpoint, lambda: self._fetch(request, deadline))
        if future is None:
            return Pending(lambda: self._fallback(request.key, "shed"))
        return Pending(lambda: self._settle(request, future, deadline))

    def _settle(
        self, request: _Request[T], future: Future[tuple[T, datetime]], deadline: Deadline
    ) -> Fetch[T]:
        try:
            value, fetched_at = future.result(timeout=deadline.remaining())
        except TimeoutError:
            log.warning("backend %s did not answer within the page budget", request.path)
            return self._fallback(request.key, "budget")
        except _AttemptFailed as failure:
            log.warning("backend %s failed (%s): %s", request.path, failure.reason, failure)
            return self._fallback(request.key, "budget" if failure.budget else failure.reason)
        return Fetch(value, fetched_at, fresh=True)

    def _fetch(self, request: _Request[T], deadline: Deadline) -> tuple[T, datetime]:
        value = self._attempts(request, deadline)
        now = datetime.now(UTC)
        with self._lock:
            self._last_good[request.key] = (value, now)
            self._last_good.move_to_end(request.key)
            while len(self._last_good) > LAST_GOOD_ENTRIES:
                self._last_good.popitem(last=False)
        return value, now

    def _prepare(self, request: _Request[Any]) -> requests.PreparedRequest:
        """The GET as sent, built once per path and query: the session's headers never change,
        and preparing (merging settings, encoding the query) is a third of a call's CPU."""
        with self._lock:
            prepared = self._prepared.get(request.key)
        if prepared is None:
            url = self.base_url + request.path
            prepared = self._session.prepare_request(
                requests.Request("GET", url, params=request.params)
            )
            with self._lock:
                self._prepared[request.key] = prepared
                while len(self._prepared) > LAST_GOOD_ENTRIES:
                    self._prepared.popitem(last=False)
        return prepared

    def _aimed(self, prepared: requests.PreparedRequest, address: str) -> requests.PreparedRequest:
        """The same GET sent to one pod: its address in the URL, the Service's name as Host."""
        url = urlsplit(prepared.url)
        host = f"[{address}]" if ":" in address else address
        aimed = prepared.copy()
        aimed.url = url._replace(netloc=f"{host}:{url.port}" if url.port else host).geturl()
        aimed.headers["Host"] = url.netloc
        return aimed

    def _cached(self, key: str) -> tuple[Any, datetime] | None:
        with self._lock:
            return self._last_good.get(key)

    def _kept(self, key: str, max_age: float) -> Fetch[Any] | None:
        cached = self._cached(key)
        if cached is None or (datetime.now(UTC) - cached[1]).total_seconds() >= max_age:
            return None
        return Fetch(cached[0], cached[1], fresh=True)

    def _fallback(self, key: str, reason: str) -> Fetch[Any]:
        value, fetched_at = self._cached(key) or (None, None)
        return Fetch(value, fetched_at, fresh=False, error=reason)

    def _attempts(self, request: _Request[T], deadline: Deadline) -> T:
        try:
            return self._attempt(request, deadline, first=True)
        except _AttemptFailed as failure:
            pause = retry_delay()
            # A retry that cannot finish within the page budget only adds load.
            if not failure.retryable or deadline.remaining() < pause + MIN_ATTEMPT_SECONDS:
                raise
        self._sleep(pause)
        return self._attempt(request, deadline)

    def _attempt(self, request: _Request[T], deadline: Deadline, *, first: bool = False) -> T:
        prepared = self._prepare(request)
        pod = self._balancer.choose() if self._balancer is not None else None
        if pod is not None:
            prepared = self._aimed(prepared, pod)
        # Another pod can answer in time: the first try gets a short read timeout, then a retry.
        try_again_elsewhere = first and pod is not None
        read_timeout = self.read_timeout
        if try_again_elsewhere:
            read_timeout = min(read_timeout, FIRST_TRY_READ_SECONDS)
        # Socket timeouts clipped to the budget, so a late call frees its slot soon after.
        connect, connect_clipped = deadline.clip(self.connect_timeout)
        read, read_clipped = deadline.clip(read_timeout)
        failed = False  # refused, timed out, 5xx or a bad body: what the balancer penalises
        started = time.perf_counter()
        try:
            try:
                response = self._session.send(prepared, timeout=(connect, read))
            except requests.RequestException as error:
                reason, retryable = _classify(error)
                # Which timeout fired (connect or read), and was it the page budget's?
                connecting = isinstance(error, requests.ConnectTimeout)
                clipped = connect_clipped if connecting else read_clipped
                budget = isinstance(error, requests.Timeout) and clipped
                slow = isinstance(error, requests.Timeout) and not connecting
                self._record("slow" if slow else "unreachable", started, budget=budget)
                retryable = retryable or (slow and try_again_elsewhere and not budget)
                raise _AttemptFailed(reason, retryable, str(error), budget=budget) from error
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
                value = payloads.decoded(request.parse, response.content)
            except ValueError as error:  # undecodable JSON, or a PayloadError from `parse`
                self._record("erroring", started)
                raise _AttemptFailed("bad_payload", False, str(error)) from error
            self._record("up", started)
            return value
        except _AttemptFailed as failure:
            failed = True
            UPSTREAM_ERRORS.labels(reason=failure.reason).inc()
            raise
        finally:
            seconds = time.perf_counter() - started
            UPSTREAM_REQUEST_SECONDS.labels(endpoint=request.endpoint).observe(seconds)
            if pod is not None:
                self._balancer.answered(pod, seconds, failed=failed)

    @staticmethod
    def _rejection(response: requests.Response) -> BackendRejected:
        try:
            error = response.json()["error"]
            return BackendRejected(response.status_code, str(error["code"]), str(error["message"]))
        except (ValueError, KeyError, TypeError):
            return BackendRejected(response.status_code, "unknown", response.reason or "")

    def _record(self, state: str, started: float, *, budget: bool = False) -> None:
        self.last_call = CallRecord(state, time.perf_counter() - started, budget)
