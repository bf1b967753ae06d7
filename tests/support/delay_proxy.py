"""A TCP proxy on loopback that delays what the upstream sends back, like the chaos lab's
network-delay experiment (packets from the backend to the webui held 200 ms ± 50 ms)."""

from __future__ import annotations

import queue
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

CHUNK = 65536


class DelayProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`upstream_port`. Each chunk coming back from the
    upstream is held `delay` ± `jitter` seconds after it arrived (chunks in flight overlap, as
    delayed packets do); the request direction is not delayed. Both knobs can change at any time.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.delay = 0.0
        self.jitter = 0.0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_delay(self, delay: float, jitter: float = 0.0) -> None:
        self.delay, self.jitter = delay, jitter

    def serve(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            self._spawn(self._pump, client, upstream)
            self._spawn(self._delayed_pump, upstream, client)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()

    @staticmethod
    def _spawn(target, *args) -> None:
        threading.Thread(target=target, args=args, daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(CHUNK):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _delayed_pump(self, source: socket.socket, sink: socket.socket) -> None:
        due: queue.Queue[tuple[float, bytes]] = queue.Queue()
        self._spawn(self._send_when_due, due, sink)
        with suppress(OSError):
            while data := source.recv(CHUNK):
                hold = max(0.0, self.delay + random.uniform(-self.jitter, self.jitter))
                due.put((time.monotonic() + hold, data))
        due.put((time.monotonic() + self.delay, b""))  # the upstream closed: close after the rest

    @staticmethod
    def _send_when_due(due: queue.Queue[tuple[float, bytes]], sink: socket.socket) -> None:
        with suppress(OSError):
            while True:
                at, data = due.get()
                time.sleep(max(0.0, at - time.monotonic()))
                if not data:
                    break
                sink.sendall(data)
        with suppress(OSError):
            sink.close()


@contextmanager
def delay_proxy(upstream_port: int) -> Iterator[DelayProxy]:
    """A running DelayProxy in front of `upstream_port`, closed when the block ends."""
    proxy = DelayProxy(upstream_port)
    threading.Thread(target=proxy.serve, daemon=True).start()
    try:
        yield proxy
    finally:
        proxy.close()
