"""The page budget: one deadline per page, shared by every backend call the page makes."""

from __future__ import annotations

import time
from dataclasses import dataclass

# A socket timeout of zero would mean "non-blocking": a call started this late still gets 10 ms.
MIN_TIMEOUT_SECONDS = 0.01


@dataclass(frozen=True)
class Deadline:
    """A moment on the monotonic clock by which a page must have what it is going to show."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - time.monotonic())

    def clip(self, seconds: float) -> tuple[float, bool]:
        """A timeout of `seconds`, or what is left of the budget (at least 10 ms) when that is
        less; and whether the budget was the shorter, i.e. its firing means the budget ran out."""
        left = max(self.remaining(), MIN_TIMEOUT_SECONDS)
        return (left, True) if left < seconds else (seconds, False)
