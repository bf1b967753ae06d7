"""A loopback stand-in for the Kubernetes API server that replays recorded responses.

It sits at the API boundary: the lab's real `kubernetes` client talks HTTP to it, so request paths,
bodies and response parsing are exercised exactly as against a cluster.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from kubernetes import client

RECORDED = Path(__file__).parent / "recorded"
CHAOS_PATH = re.compile(r"^/apis/chaos-mesh\.org/v1alpha1/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?$")


# What Chaos Mesh reports while the chaos-daemon is still applying the fault.
NOT_YET_INJECTED = [
    {"type": "Selected", "status": "True"},
    {"type": "AllInjected", "status": "False"},
]


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text())


class FakeKubernetes:
    """State behind the fake API: what exists, what the pods look like, every call received."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict | None]] = []
        self.crds = recorded("crds.json")
        self.deployments = recorded("deployments.json")
        self.cluster_deployments: list[
            dict
        ] = []  # what a name-filtered list across namespaces finds
        self.pods = recorded("pods-steady.json")
        self.pods_once_created: dict | None = None  # the pod list after a chaos object appears
        self.pods_once_deleted: dict | None = None  # ... and after it was deleted again
        self.chaos: dict[str, dict] = {}  # "<plural>/<name>" -> object
        self.listed: dict[str, list[dict]] = {}  # extra items for list calls, by plural
        self.gets_before_injected = 1
        self.injected_status = recorded("podchaos-injected.json")["status"]
        self._gets = 0
        self.created_once = False

    def answer(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        self.calls.append((method, path, body))
        if path == "/version/":
            return 200, recorded("version.json")
        if path == "/api/v1/nodes":
            return 200, recorded("nodes.json")
        if path == "/apis/apiextensions.k8s.io/v1/customresourcedefinitions":
            return 200, self.crds
        if path == "/apis/apps/v1/deployments":  # all namespaces: the chaos controller lookup
            return 200, {"kind": "DeploymentList", "items": self.cluster_deployments}
        if path.endswith("/deployments"):
            return 200, self.deployments
        if path.endswith("/pods"):
            if self.created_once and not self.chaos and self.pods_once_deleted is not None:
                return 200, self.pods_once_deleted
            created = self.created_once and self.pods_once_created is not None
            return 200, self.pods_once_created if created else self.pods
        match = CHAOS_PATH.match(path)
        if match is None:
            return 404, recorded("status-404.json")
        _, plural, name = match.groups()
        return self._chaos(method, plural, name, body)

    def _chaos(
        self, method: str, plural: str, name: str | None, body: dict | None
    ) -> tuple[int, dict]:
        if name is None and method == "GET":
            items = [o for key, o in self.chaos.items() if key.startswith(f"{plural}/")]
            items += self.listed.get(plural, [])
            return 200, {"apiVersion": "chaos-mesh.org/v1alpha1", "items": items}
        if method == "POST":
            key = f"{plural}/{body['metadata']['name']}"
            if key in self.chaos:
                return 409, recorded("status-409.json")
            self.chaos[key] = copy.deepcopy(body)
            self.created_once = True
            return 201, self.chaos[key]
        key = f"{plural}/{name}"
        if key not in self.chaos:
            return 404, recorded("status-404.json")
        if method == "DELETE":
            return 200, self.chaos.pop(key)
        self._gets += 1
        found = copy.deepcopy(self.chaos[key])
        if self._gets > self.gets_before_injected:
            found["status"] = self.injected_status
        else:
            found["status"] = {"conditions": NOT_YET_INJECTED}
        return 200, found

    def methods(self, method: str, pattern: str = "") -> list[tuple[str, dict | None]]:
        """(path, body) of every call with this method whose path contains `pattern`."""
        return [(p, b) for m, p, b in self.calls if m == method and pattern in p]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeKubernetes

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        status, answer = self.fake.answer(self.command, urlsplit(self.path).path, body)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: pytest shows the calls list when a test fails."""


@contextmanager
def fake_kubernetes() -> Iterator[tuple[FakeKubernetes, client.ApiClient]]:
    """The fake on a free loopback port, and a real ApiClient pointed at it."""
    fake = FakeKubernetes()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    configuration = client.Configuration()
    configuration.host = f"http://127.0.0.1:{server.server_address[1]}"
    api = client.ApiClient(configuration)
    try:
        yield fake, api
    finally:
        api.close()
        server.shutdown()
        server.server_close()
