"""Bounded calls to the backend: a fixed number in flight per process, the rest shed at once.

When the backend is slow, waiting for a free slot would only queue pages behind calls that are
already late; refusing the call straight away lets the page answer from last-good data instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from dashboard.metrics import UPSTREAM_SHED

T = TypeVar("T")


class CallPool:
    """At most `size` calls run at once, each on its own pool thread; never a queue."""

    def __init__(self, size: int) -> None:
        self._slots = threading.BoundedSemaphore(size)
        # As many threads as slots: a call that got a slot starts at once, it never waits.
        self._executor = ThreadPoolExecutor(size, thread_name_prefix="backend-call")

    def submit(self, endpoint: str, call: Callable[[], T]) -> Future[T] | None:
        """Start `call`, or count it as shed and return None when every slot is busy."""
        if not self._slots.acquire(blocking=False):
            UPSTREAM_SHED.labels(endpoint=endpoint).inc()
            return None
        try:
            future = self._executor.submit(call)
        except BaseException:
            self._slots.release()
            raise
        # The slot is held until the call really ends, also when the page stopped waiting for it.
        future.add_done_callback(lambda _: self._slots.release())
        return future

    def shutdown(self) -> None:
        """Wait for the calls in flight to end, then stop the threads."""
        self._executor.shutdown(wait=True)
