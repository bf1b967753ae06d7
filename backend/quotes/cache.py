"""QuoteCache: a per-process TTL cache with single-flight fetches and stale fallback."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from quotes.metrics import CACHE_REQUESTS
from quotes.providers import UpstreamError


class Staleable(Protocol):
    def as_stale(self) -> Staleable: ...


V = TypeVar("V", bound=Staleable)


@dataclass
class _Entry(Generic[V]):
    value: V | None = None
    fetched_at: float = float("-inf")
    error: UpstreamError | None = None
    retry_at: float = float("-inf")


@dataclass
class _Flight(Generic[V]):
    """One upstream fetch in progress; followers wait for its outcome."""

    done: threading.Event = field(default_factory=threading.Event)
    value: V | None = None
    error: BaseException | None = None
    stale: bool = False
    lookups: int = 1


class QuoteCache(Generic[V]):
    """Values by key, fresh for `ttl` seconds.

    N concurrent lookups of one missing key cause one `fetch` (single-flight); the others wait
    for it. When a fetch fails with UpstreamError the last good value is served with
    `stale: true`, or the error is raised if there is none; either way the key is not
    fetched again for `retry_after` seconds, so a failing upstream is not hammered.
    """

    def __init__(
        self,
        name: str,
        ttl: float,
        *,
        max_entries: int = 1024,
        retry_after: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self.retry_after = retry_after
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry[V]] = OrderedDict()
        self._flights: dict[Hashable, _Flight[V]] = {}
        self._counters = {
            result: CACHE_REQUESTS.labels(cache=name, result=result)
            for result in ("hit", "miss", "stale")
        }

    def __len__(self) -> int:
        return len(self._entries)

    def has_value(self) -> bool:
        """Whether any key holds a value (fresh or not): the cache is warm."""
        with self._lock:
            return any(entry.value is not None for entry in self._entries.values())

    def is_fresh(self, key: Hashable) -> bool:
        with self._lock:
            entry = self._entries.get(key)
            return entry is not None and self._fresh(entry, self.clock())

    def waiting(self, key: Hashable) -> int:
        """Lookups of `key` sharing the fetch in progress (0 when none is)."""
        with self._lock:
            flight = self._flights.get(key)
            return flight.lookups if flight is not None else 0

    def _fresh(self, entry: _Entry[V], now: float) -> bool:
        return entry.value is not None and now - entry.fetched_at < self.ttl

    def get(self, key: Hashable, fetch: Callable[[], V]) -> V:
        """The cached value of `key`, fetching it (once across threads) when it is not fresh."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._fresh(entry, now):
                self._entries.move_to_end(key)
                self._counters["hit"].inc()
                return entry.value
            if entry is not None and now < entry.retry_at:
                return self._last_good(entry)
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = _Flight()
            else:
                flight.lookups += 1
        if leader:
            self._fetch(key, fetch, flight)
        else:
            flight.done.wait()
        if flight.error is not None:
            self._counters["miss"].inc()
            raise flight.error
        self._counters["stale" if flight.stale else ("miss" if leader else "hit")].inc()
        return flight.value

    def _last_good(self, entry: _Entry[V]) -> V:
        """Within a failed key's back-off: its last good value as stale, or its error again."""
        if entry.value is None:
            self._counters["miss"].inc()
            # A fresh traceback each time: re-raising one object would keep growing its own.
            raise entry.error.with_traceback(None)
        self._counters["stale"].inc()
        return entry.value.as_stale()

    def _fetch(self, key: Hashable, fetch: Callable[[], V], flight: _Flight[V]) -> None:
        try:
            value = fetch()
        except UpstreamError as error:
            with self._lock:
                entry = self._entries.get(key) or _Entry()
                entry.error, entry.retry_at = error, self.clock() + self.retry_after
                self._store(key, entry)
                if entry.value is None:
                    flight.error = error
                else:
                    flight.value, flight.stale = entry.value.as_stale(), True
        except BaseException as error:  # a bug, not an outage: every waiter sees it
            flight.error = error
        else:
            with self._lock:
                self._store(key, _Entry(value=value, fetched_at=self.clock()))
            flight.value = value
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def _store(self, key: Hashable, entry: _Entry[V]) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
