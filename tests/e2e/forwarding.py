"""Reach a Service from this machine with `kubectl port-forward` (the chaos lab's helper)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from chaoslab.prometheus import port_forward

# forward(namespace, service, port) -> a context manager yielding "http://127.0.0.1:<port>".
Forward = Callable[[str, str, int], AbstractContextManager[str]]


def forwarder(context: str | None) -> Forward:
    """Port-forwards in `context` (None: the current one). A port-forward enters a pod the
    Service selects, on its target port, inside the pod's own network namespace: NetworkPolicies
    (which judge traffic between pods) never stand in its way, on kind or anywhere else."""

    @contextmanager
    def forward(namespace: str, service: str, port: int) -> Iterator[str]:
        with port_forward(namespace, service, port, context=context) as local_port:
            yield f"http://127.0.0.1:{local_port}"

    return forward
