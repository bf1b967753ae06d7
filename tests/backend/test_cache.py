"""QuoteCache: TTLs, single-flight across real threads, stale fallback and back-off."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from quotes.cache import QuoteCache
from quotes.providers import UpstreamError

from tests.support.polling import wait_for


class Value:
    def __init__(self, n: int, stale: bool = False):
        self.n, self.stale = n, stale

    def as_stale(self) -> "Value":
        return Value(self.n, stale=True)


@pytest.fixture
def cache(fake_clock):
    return QuoteCache("quote", ttl=30, retry_after=5, clock=lambda: fake_clock[0])


class Upstream:
    """Counts calls; returns increasing values or raises when told to."""

    def __init__(self):
        self.calls = 0
        self.failing = False

    def __call__(self) -> Value:
        self.calls += 1
        if self.failing:
            raise UpstreamError("test", "timeout", "down")
        return Value(self.calls)


@pytest.fixture
def upstream_fetch():
    return Upstream()


def wait_for_waiters(cache: QuoteCache, key: str, count: int) -> None:
    """Poll (10 s at most) until `count` lookups of `key` share the fetch in progress."""
    wait_for(lambda: cache.waiting(key) >= count, 10, f"{count} waiters", interval=0.005)


def test_fresh_value_is_served_without_fetching(cache, upstream_fetch, metric):
    hits = metric("stockwatch_cache_requests_total", cache="quote", result="hit")
    cache.get("AAPL", upstream_fetch)
    assert cache.get("AAPL", upstream_fetch).n == 1
    assert upstream_fetch.calls == 1
    assert metric("stockwatch_cache_requests_total", cache="quote", result="hit") == hits + 1


def test_value_is_fetched_again_after_the_ttl(cache, upstream_fetch, fake_clock):
    cache.get("AAPL", upstream_fetch)
    fake_clock[0] += 31
    assert cache.get("AAPL", upstream_fetch).n == 2


def test_upstream_failure_serves_last_good_value_as_stale(
    cache, upstream_fetch, fake_clock, metric
):
    stale_before = metric("stockwatch_cache_requests_total", cache="quote", result="stale")
    cache.get("AAPL", upstream_fetch)
    fake_clock[0] += 31
    upstream_fetch.failing = True
    value = cache.get("AAPL", upstream_fetch)
    assert (value.n, value.stale) == (1, True)
    assert metric("stockwatch_cache_requests_total", cache="quote", result="stale") == (
        stale_before + 1
    )


def test_upstream_failure_without_a_value_raises(cache, upstream_fetch):
    upstream_fetch.failing = True
    with pytest.raises(UpstreamError):
        cache.get("AAPL", upstream_fetch)


def test_failed_key_is_not_refetched_during_back_off(cache, upstream_fetch, fake_clock):
    cache.get("AAPL", upstream_fetch)
    fake_clock[0] += 31
    upstream_fetch.failing = True
    cache.get("AAPL", upstream_fetch)
    fake_clock[0] += 4
    assert cache.get("AAPL", upstream_fetch).stale
    assert upstream_fetch.calls == 2
    fake_clock[0] += 2
    upstream_fetch.failing = False
    assert cache.get("AAPL", upstream_fetch).stale is False
    assert upstream_fetch.calls == 3


def test_failure_without_value_is_remembered_during_back_off(cache, upstream_fetch):
    upstream_fetch.failing = True
    for _ in range(3):
        with pytest.raises(UpstreamError):
            cache.get("NOPE", upstream_fetch)
    assert upstream_fetch.calls == 1


def test_keys_are_independent(cache, upstream_fetch):
    assert cache.get("AAPL", upstream_fetch).n == 1
    assert cache.get("MSFT", upstream_fetch).n == 2


def test_least_recently_used_keys_are_evicted_beyond_max_entries(upstream_fetch):
    small = QuoteCache("quote", ttl=30, max_entries=2)
    for key in ("A", "B", "C"):
        small.get(key, upstream_fetch)
    assert len(small) == 2
    small.get("A", upstream_fetch)
    assert upstream_fetch.calls == 4


def test_concurrent_lookups_of_one_key_cause_one_fetch():
    """16 threads ask for one missing key while its fetch is held open: one upstream call."""
    cache = QuoteCache("quote", ttl=30)
    release, calls = threading.Event(), []

    def slow_fetch() -> Value:
        calls.append(threading.get_ident())
        assert release.wait(10), "test did not release the fetch"
        return Value(len(calls))

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(cache.get, "AAPL", slow_fetch) for _ in range(16)]
        wait_for_waiters(cache, "AAPL", 16)
        assert cache.waiting("AAPL") == 16
        release.set()
        results = [future.result(timeout=10) for future in futures]
    assert len(calls) == 1
    assert {result.n for result in results} == {1}
    assert cache.waiting("AAPL") == 0


def test_concurrent_lookups_share_an_upstream_failure():
    cache = QuoteCache("quote", ttl=30)
    release = threading.Event()
    calls = []

    def failing_fetch() -> Value:
        calls.append(1)
        release.wait(10)
        raise UpstreamError("test", "rate_limited", "429")

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(cache.get, "AAPL", failing_fetch) for _ in range(4)]
        wait_for_waiters(cache, "AAPL", 4)
        release.set()
        errors = [future.exception(timeout=10) for future in futures]
    assert len(calls) == 1
    assert all(isinstance(error, UpstreamError) for error in errors)


def test_a_stale_history_is_made_and_encoded_once(simulated):
    history = simulated.history("AAPL", "1d", "5m")
    assert history.as_stale() is history.as_stale()
    assert history.as_stale().stale is True
