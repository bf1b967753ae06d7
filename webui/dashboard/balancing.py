"""Least-latency balancing over the backend's ready pods, chosen by the webui for every attempt.

Behind a ClusterIP Service each new connection goes to a ready pod picked at random, however slow
that pod has become: under cpu-stress the CPU-starved pods keep their share of the calls while
the autoscaler's new, idle pods take only the rest (issue 19, docs/kubernetes.md). When
`BACKEND_PODS_HOST` names a headless Service, the client asks it for the ready pods' addresses
and sends each attempt to one of the cheapest pods:

    cost = expected answer time x (calls in flight from this process + 1)

Every pod within CHEAP_FACTOR of the cheapest cost (plus CHEAP_SLACK_SECONDS, so that pods a
millisecond apart count as equal) is as good as the cheapest, and the call goes to one of them at
random: the healthy pods share the calls, and a pod ten times slower than they are gets none.

The expected answer time follows the pod's answers, peak first: a slower answer replaces it at
once, a faster one pulls it down by the share of DECAY_SECONDS that passed since the last one.
While a pod gets no calls its expected time decays towards zero, so a pod that was slow is tried
again after a while (200 ms against 10 ms elsewhere: after about 2.3 DECAY_SECONDS, when it is
within CHEAP_FACTOR of the others) and a new pod, with no history, at once. A refused
connection, a timeout or a 5xx counts as an answer that took PENALTY_SECONDS. This is the
peak-EWMA cost of Finagle and Linkerd, written for threads.

The addresses come from DNS: Kubernetes lists only ready pods under a headless Service, but
CoreDNS may serve a cached answer for up to 30 s, so a pod that just left can still be chosen:
the client gives a first try FIRST_TRY_READ_SECONDS before asking another pod (backend.py).
A thread looks them up every REFRESH_SECONDS; a failed lookup keeps the last list. Until the
first lookup answers, or when it answers nothing, `choose()` says so and the caller uses the
Service.
"""

from __future__ import annotations

import logging
import math
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Long enough that a pod found slow is tried again only about every 70 s by each process (at
# 5 pages/s over six webui processes, a tenth of that sent 5 % of the calls to a starved pod).
DECAY_SECONDS = 30.0
CHEAP_FACTOR = 2.0
CHEAP_SLACK_SECONDS = 0.002
PENALTY_SECONDS = 2.0
REFRESH_SECONDS = 2.0

Resolver = Callable[[str], Iterable[str]]


def resolve_addresses(host: str) -> list[str]:
    """Every address `host` resolves to for TCP (one per pod for a headless Service)."""
    answers = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(sockaddr[0]) for *_, sockaddr in answers})


@dataclass
class _Pod:
    address: str
    expected: float = 0.0  # seconds, as of `stamp`
    stamp: float = 0.0
    in_flight: int = 0

    def _kept(self, now: float) -> float:
        """How much of the expected time still stands after the time since the last answer."""
        return math.exp(-(now - self.stamp) / DECAY_SECONDS)

    def cost(self, now: float) -> float:
        return self.expected * self._kept(now) * (self.in_flight + 1)

    def answered(self, seconds: float, now: float) -> None:
        kept = self._kept(now)
        current = self.expected * kept
        # Peak first: slower than expected is believed at once, faster only in part.
        self.expected = seconds if seconds >= current else current + seconds * (1 - kept)
        self.stamp = now


class Balancer:
    """The backend pods of one process and what each costs; thread-safe."""

    def __init__(
        self,
        host: str,
        *,
        resolve: Resolver = resolve_addresses,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self._resolve = resolve
        self._clock = clock
        self._pods: dict[str, _Pod] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None

    def start(self) -> None:
        """Look the pods up now and then every REFRESH_SECONDS on a daemon thread."""
        if self._refresher is None:
            self._refresher = threading.Thread(
                target=self._refresh_until_stopped, name="backend-pods", daemon=True
            )
            self._refresher.start()

    def stop(self) -> None:
        self._stop.set()

    def refresh(self) -> None:
        """Replace the pod list with what DNS says now; keep it when the lookup fails."""
        try:
            addresses = set(self._resolve(self.host))
        except OSError as error:
            log.warning("looking up the backend pods (%s) failed: %s", self.host, error)
            return
        with self._lock:
            for gone in self._pods.keys() - addresses:
                del self._pods[gone]
            for address in addresses - self._pods.keys():
                self._pods[address] = _Pod(address)

    def addresses(self) -> list[str]:
        with self._lock:
            return sorted(self._pods)

    def choose(self) -> str | None:
        """The cheapest pod's address, counted as one more call in flight; None if none known."""
        with self._lock:
            if not self._pods:
                return None
            now = self._clock()
            costs = [(pod.cost(now), pod) for pod in self._pods.values()]
            cheap = min(cost for cost, _ in costs) * CHEAP_FACTOR + CHEAP_SLACK_SECONDS
            pod = random.choice([pod for cost, pod in costs if cost <= cheap])  # noqa: S311
            pod.in_flight += 1
            return pod.address

    def answered(self, address: str, seconds: float, *, failed: bool = False) -> None:
        """The call `choose()` gave to `address` ended after `seconds`; a failure costs more."""
        with self._lock:
            pod = self._pods.get(address)
            if pod is None:  # gone from DNS while the call ran
                return
            pod.in_flight = max(pod.in_flight - 1, 0)
            pod.answered(max(seconds, PENALTY_SECONDS) if failed else seconds, self._clock())

    def _refresh_until_stopped(self) -> None:
        while True:
            self.refresh()
            if self._stop.wait(REFRESH_SECONDS):
                return
