"""Least-latency balancing over the backend pods (dashboard/balancing.py), with the client.

The pod lists come from a resolver function standing in for the cluster DNS of a headless
Service (no DNS server with such records runs here); the pods themselves are real HTTP servers
on distinct loopback addresses (127.0.0.1, 127.0.0.2, ...: all of 127/8 is loopback on Linux).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from dashboard.backend import BackendClient
from dashboard.balancing import DECAY_SECONDS, PENALTY_SECONDS, Balancer, resolve_addresses
from dashboard.budget import Deadline

from tests.support.polling import wait_for
from tests.support.servers import free_port, gunicorn_service
from tests.webui.conftest import quote_json


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def balancer_of(*addresses: str, clock: FakeClock | None = None) -> Balancer:
    balancer = Balancer("backend-pods", resolve=lambda _: addresses, clock=clock or FakeClock())
    balancer.refresh()
    return balancer


def calls_to(balancer: Balancer, answer_seconds: dict[str, float], calls: int, clock: FakeClock):
    """Make `calls` sequential calls, each pod answering in its time; count where each went."""
    where: Counter[str] = Counter()
    for _ in range(calls):
        pod = balancer.choose()
        clock.now += 0.05
        balancer.answered(pod, answer_seconds[pod])
        where[pod] += 1
    return where


def test_nothing_to_choose_before_a_lookup_or_when_it_finds_no_pod():
    assert Balancer("backend-pods", resolve=lambda *_: ["10.0.0.1"]).choose() is None
    assert balancer_of().choose() is None


def test_new_pods_are_tried_at_once():
    clock = FakeClock()
    balancer = balancer_of("10.0.0.1", clock=clock)
    calls_to(balancer, {"10.0.0.1": 0.01}, 20, clock)
    balancer._resolve = lambda *_: ("10.0.0.1", "10.0.0.2")
    balancer.refresh()
    assert balancer.choose() == "10.0.0.2"


def test_a_slow_pod_gets_almost_no_calls_while_others_answer_fast():
    clock = FakeClock()
    pods = {"10.0.0.1": 0.200, "10.0.0.2": 0.010, "10.0.0.3": 0.012}
    where = calls_to(balancer_of(*pods, clock=clock), pods, 600, clock)  # 30 s of calls
    # Tried first (it costs nothing yet), then again only when its cost has decayed to twice
    # the others': 200 ms -> 20 ms takes DECAY_SECONDS * ln(10), longer than these 30 s.
    assert where["10.0.0.1"] <= 5
    # The two fast pods, 2 ms apart, share the rest.
    assert where["10.0.0.2"] > 200 and where["10.0.0.3"] > 200


def test_a_slow_pod_is_tried_again_and_taken_back_once_it_is_fast():
    clock = FakeClock()
    pods = {"10.0.0.1": 0.200, "10.0.0.2": 0.010}
    balancer = balancer_of(*pods, clock=clock)
    calls_to(balancer, pods, 100, clock)
    pods["10.0.0.1"] = 0.010  # the stress ended
    calls_to(balancer, pods, int(3 * DECAY_SECONDS / 0.05), clock)
    where = calls_to(balancer, pods, int(DECAY_SECONDS / 0.05), clock)
    assert where["10.0.0.1"] > 60 and where["10.0.0.2"] > 60


def test_a_failed_call_costs_the_penalty():
    clock = FakeClock()
    balancer = balancer_of("10.0.0.1", "10.0.0.2", clock=clock)
    first = balancer.choose()
    balancer.answered(first, 0.001, failed=True)  # refused at once: still not a fast pod
    other = balancer.choose()
    assert other != first
    balancer.answered(other, PENALTY_SECONDS / 4)  # slow, but less than twice the penalty
    assert balancer.choose() == other


def test_calls_in_flight_raise_a_pods_cost():
    clock = FakeClock()
    balancer = balancer_of("10.0.0.1", "10.0.0.2", clock=clock)
    calls_to(balancer, {"10.0.0.1": 0.010, "10.0.0.2": 0.010}, 10, clock)
    in_flight = Counter(balancer.choose() for _ in range(6))  # none answered yet
    # A pod with n calls in flight costs n + 1 times its answer time: at most 4 to 2.
    assert min(in_flight.values()) >= 2 and len(in_flight) == 2


def test_a_pod_gone_from_dns_is_dropped_and_a_failed_lookup_keeps_the_list():
    balancer = balancer_of("10.0.0.1", "10.0.0.2")
    in_flight = balancer.choose()
    balancer._resolve = lambda *_: ["10.0.0.3"]
    balancer.refresh()
    assert balancer.addresses() == ["10.0.0.3"]
    balancer.answered(in_flight, 0.01)  # its call ends after it left: ignored

    def broken(*_):
        raise OSError("Temporary failure in name resolution")

    balancer._resolve = broken
    balancer.refresh()
    assert balancer.addresses() == ["10.0.0.3"]


def test_the_real_lookup_lists_every_address_of_a_name():
    assert "127.0.0.1" in resolve_addresses("localhost")


# --- the client with real pods on loopback ---------------------------------------------------


class _Pod(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn
    delay = 0.0

    def do_GET(self) -> None:  # the name http.server dispatches to
        time.sleep(self.delay)
        body = json.dumps(quote_json("AAPL")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Host-Seen", self.headers.get("Host", ""))
        self.end_headers()
        try:
            self.wfile.write(body)
        except BrokenPipeError:  # the client stopped waiting (its first try's short timeout)
            return
        self.server.calls.append(self.headers.get("Host"))

    def log_message(self, *args) -> None:  # keep test output clean
        pass


def _serve_pods(slow_seconds: float) -> Iterator[tuple[int, dict[str, list[str]]]]:
    port = free_port()
    servers = []
    for address, delay in (("127.0.0.2", slow_seconds), ("127.0.0.3", 0.0)):
        handler = type("Pod", (_Pod,), {"delay": delay})
        server = http.server.ThreadingHTTPServer((address, port), handler)
        server.daemon_threads = True
        server.calls = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield port, {server.server_address[0]: server.calls for server in servers}
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def pods() -> Iterator[tuple[int, dict[str, list[str]]]]:
    """A slow pod (150 ms) on 127.0.0.2 and a fast one on 127.0.0.3, the same port; the Host
    headers each pod saw."""
    yield from _serve_pods(0.150)


@pytest.fixture
def hung_pod() -> Iterator[tuple[int, dict[str, list[str]]]]:
    """A pod that accepts but answers only after 3 s (a container still booting) on 127.0.0.2,
    a fast one on 127.0.0.3."""
    yield from _serve_pods(3.0)


def test_the_client_sends_its_calls_to_the_fast_pod_with_the_services_host_header(pods):
    port, seen = pods
    balancer = Balancer(
        "backend-pods", resolve=lambda *_: ["127.0.0.2", "127.0.0.3"], clock=time.monotonic
    )
    balancer.refresh()
    client = BackendClient(f"http://backend:{port}", 0.5, 2.0, balancer=balancer)
    try:
        for _ in range(30):
            assert client.quote("AAPL", Deadline.after(5)).result().fresh
    finally:
        client.close()
    assert len(seen["127.0.0.3"]) >= 27, seen
    assert set(seen["127.0.0.2"] + seen["127.0.0.3"]) == {f"backend:{port}"}


def test_a_refused_pod_is_retried_on_another_and_avoided_after(pods):
    port, seen = pods
    # 127.0.0.4 has no server: connections are refused, as to a killed container's pod.
    balancer = Balancer(
        "backend-pods", resolve=lambda *_: ["127.0.0.3", "127.0.0.4"], clock=time.monotonic
    )
    balancer.refresh()
    client = BackendClient(
        f"http://backend:{port}", 0.5, 2.0, sleep=lambda _: None, balancer=balancer
    )
    try:
        fetches = [client.quote("AAPL", Deadline.after(5)).result() for _ in range(10)]
    finally:
        client.close()
    assert all(fetch.fresh for fetch in fetches)
    assert len(seen["127.0.0.3"]) == 10


def test_a_pod_that_accepts_but_does_not_answer_costs_a_page_a_short_wait_not_its_budget(hung_pod):
    port, seen = hung_pod
    balancer = Balancer(
        "backend-pods", resolve=lambda _: ["127.0.0.2", "127.0.0.3"], clock=time.monotonic
    )
    balancer.refresh()
    client = BackendClient(f"http://backend:{port}", 0.5, 2.0, balancer=balancer)
    took = []
    try:
        for _ in range(6):
            started = time.monotonic()
            assert client.quote("AAPL", Deadline.after(1.0)).result().fresh
            took.append(time.monotonic() - started)
    finally:
        client.close()
    # The hung pod was tried at most once (then it costs the penalty); that page waited the
    # first try's 0.3 s, a jittered pause and the fast pod's answer: well inside its 1 s.
    assert max(took) < 0.8, took
    assert len(seen["127.0.0.3"]) == 6


@pytest.mark.slow
def test_the_webui_under_gunicorn_reaches_the_backend_through_the_pod_lookup(
    tmp_path, collected_static
):
    # BACKEND_URL names a host that never resolves (RFC 2606 .invalid): the only way to the real
    # backend is the address BACKEND_PODS_HOST=localhost resolves to, with the URL's port.
    backend_env = {
        "PRICE_PROVIDER": "simulated",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,backend.invalid",
    }
    with gunicorn_service("backend", tmp_path, backend_env) as backend:
        webui_env = {
            "BACKEND_URL": f"http://backend.invalid:{urlsplit(backend.base_url).port}",
            "BACKEND_PODS_HOST": "localhost",
            "STATIC_ROOT": str(collected_static),
        }
        with gunicorn_service("webui", tmp_path, webui_env) as webui:

            def fresh_page() -> str | None:
                page = requests.get(webui.base_url + "/", timeout=10).text
                return page if "backend reachable" in page else None

            page = wait_for(fresh_page, 20, "a watchlist page with fresh backend data")
    assert "degraded" not in page
    assert page.count('class="spark-line"') == 6
