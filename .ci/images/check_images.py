"""Build the stockwatch images with podman and run them as the cluster does (issue 8).

`make test-images` runs it from the repository root with PYTHONPATH=. (it reads the rendered
overlays through tests/support).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.images.cluster_env import container_env
from tests.support.render import overlay, render
from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]
BASE_SCRIPT = Path(__file__).with_name("base-image.sh")
SERVICES = ("backend", "webui", "loadgen")
UID = "10001"
# Paths inside the containers that are writable in the cluster (emptyDir volumes).
WRITABLE = ("/tmp", "/run/metrics")  # noqa: S108 - container paths, not host temp files
# This host: crun refuses the hybrid cgroup layout, and root may not raise rlimits (issue 8).
RUNTIME = ["--runtime", "runc"]
ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
# Mount points podman itself creates in every container (network files, its marker file).
PODMAN_MOUNT_POINTS = frozenset(
    {"/etc", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/run", "/run/.containerenv"}
)
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# Uncompressed size on the stand-in base. backend carries pandas + numpy (yfinance) and
# curl_cffi's bundled libcurl; docs/images.md has the breakdown.
SIZE_BUDGET_MB = {"backend": 360, "webui": 250, "loadgen": 200}
READY_DEADLINE_SECONDS = 90.0


class CheckFailed(Exception):
    """A check failed; the message says which and why."""


def say(message: str) -> None:
    print(f"\033[1;34m==> {message}\033[0m", flush=True)


def podman(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run podman with this host's runtime; raise CheckFailed with its output when it fails."""
    result = subprocess.run(
        ["podman", *RUNTIME, *args], capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        tail = "\n".join(output[-40:])
        raise CheckFailed(f"`podman {' '.join(args[:2])} ...` failed:\n{tail}")
    return result


def cluster_env(service: str) -> dict[str, str]:
    """The env a service's container gets from the overlay that deploys it (ConfigMap, Secret)."""
    return container_env(render(overlay("chaos" if service == "loadgen" else "kind")), service)


def build(service: str, tag: str, context: Path) -> None:
    """Build Dockerfile.<service> unchanged, from the local base only."""
    started = time.monotonic()
    # docker format keeps HEALTHCHECK (the OCI image format has no field for it).
    options = ["--pull=never", *RUNTIME, *ULIMITS, "--format=docker"]
    options += [f"--volume={CA_BUNDLE}:{CA_BUNDLE}:ro", f"--tag={tag}"]
    dockerfile = context / f"Dockerfile.{service}"
    result = podman("build", *options, f"--file={dockerfile}", str(context), check=False)
    if result.returncode != 0:
        log = (result.stdout + result.stderr).strip().splitlines()
        raise CheckFailed(
            f"Dockerfile.{service} does not build (last lines of the build log):\n"
            + "\n".join(log[-40:])
        )
    print(f"ok: built {tag} from Dockerfile.{service} in {time.monotonic() - started:.0f}s")


def check_image_config(tag: str) -> None:
    """What the built image declares: its own non-root USER, a HEALTHCHECK, no baked-in secret."""
    config = json.loads(podman("image", "inspect", "--format", "{{json .Config}}", tag).stdout)
    expect(config.get("User") == f"{UID}:{UID}", f"{tag}: USER is {config.get('User')!r}")
    healthcheck = podman("image", "inspect", "--format", "{{json .HealthCheck}}", tag).stdout
    expect(json.loads(healthcheck or "null") is not None, f"{tag}: no HEALTHCHECK in the image")
    secrets_in_env = [e.split("=")[0] for e in config.get("Env") or [] if "SECRET" in e.upper()]
    expect(not secrets_in_env, f"{tag}: secret in the image's environment: {secrets_in_env}")


def image_size_mb(tag: str) -> float:
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout) / 1e6


@dataclass
class Container:
    """A container started by this check, with its published loopback ports."""

    name: str
    ports: dict[int, int] = field(default_factory=dict)

    def url(self, container_port: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[container_port]}{path}"

    def running(self) -> bool:
        state = podman("inspect", "--format", "{{.State.Running}}", self.name, check=False)
        return state.stdout.strip() == "true"

    def logs(self, lines: int = 60) -> str:
        result = podman("logs", "--tail", str(lines), self.name, check=False)
        return (result.stdout + result.stderr).strip()


@dataclass
class Run:
    """Everything one check run creates, removed again at the end."""

    suffix: str = field(default_factory=lambda: secrets.token_hex(3))
    containers: list[Container] = field(default_factory=list)
    network: str = ""

    def start(
        self, service: str, tag: str, env: dict[str, str], ports: Sequence[int], alias: str
    ) -> Container:
        """Run `tag` like the cluster: UID 10001, read-only root, tmpfs for the writable dirs."""
        container = Container(
            f"stockwatch-check-{service}-{self.suffix}", {port: free_port() for port in ports}
        )
        # The restricted Pod Security profile of the Deployments, in podman's words. podman has
        # no systemd timer here for HEALTHCHECK; check_healthcheck runs it once instead.
        args = ["run", "--detach", f"--name={container.name}", *ULIMITS, f"--user={UID}:{UID}"]
        args += ["--read-only", "--read-only-tmpfs=false", "--cap-drop=ALL"]
        args += ["--security-opt=no-new-privileges", "--health-interval=disable"]
        args += [f"--network={self.network}", f"--network-alias={alias}"]
        for path in WRITABLE:
            args += ["--tmpfs", f"{path}:rw,nosuid,nodev"]
        for port, host_port in container.ports.items():
            args += ["--publish", f"127.0.0.1:{host_port}:{port}"]
        for key, value in env.items():
            args += ["--env", f"{key}={value}"]
        podman(*args, tag)
        self.containers.append(container)
        return container

    def clean_up(self) -> None:
        for container in self.containers:
            podman("rm", "--force", "--time", "5", container.name, check=False)
        if self.network:
            podman("network", "rm", "--force", self.network, check=False)


@contextmanager
def check_run() -> Iterator[Run]:
    run = Run()
    run.network = f"stockwatch-check-{run.suffix}"
    podman("network", "create", run.network)
    try:
        yield run
    except CheckFailed:
        for container in run.containers:
            print(f"\n--- logs of {container.name} ---\n{container.logs()}", file=sys.stderr)
        raise
    finally:
        run.clean_up()


def http_get(url: str) -> tuple[int, str]:
    try:
        # Only http://127.0.0.1 URLs built by this script reach here.
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def wait_until_ready(container: Container, url: str) -> None:
    """Poll `url` until it answers 200; fail early when the container exits."""
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if not container.running():
            raise CheckFailed(f"{container.name} exited before {url} answered")
        try:
            status, body = http_get(url)
            if status == 200:
                return
            last = f"HTTP {status}: {body[:200]}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = str(error)
        time.sleep(0.5)
    raise CheckFailed(f"{url} not ready after {READY_DEADLINE_SECONDS:.0f}s ({last})")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def get_json(url: str) -> dict:
    status, body = http_get(url)
    expect(status == 200, f"GET {url} answered {status}: {body[:300]}")
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise CheckFailed(f"GET {url} answered no JSON ({error}): {body[:300]}") from error


def check_non_root(container: Container) -> None:
    users = podman("top", container.name, "user", "args").stdout.strip().splitlines()[1:]
    expect(bool(users), f"{container.name}: no processes")
    for line in users:
        user = line.split()[0]
        expect(user == UID, f"{container.name}: process runs as user {user}, not {UID}: {line}")


def check_healthcheck(container: Container) -> None:
    """The image's own HEALTHCHECK command passes (run once; no systemd timer needed)."""
    result = podman("healthcheck", "run", container.name, check=False)
    expect(
        result.returncode == 0,
        f"{container.name}: HEALTHCHECK failed: {(result.stdout + result.stderr).strip()}",
    )


def check_no_writes(container: Container) -> None:
    """Nothing but the tmpfs mount points changed in the container's root filesystem."""
    changes = json.loads(podman("diff", "--format", "json", container.name).stdout or "{}")
    paths = {path for kind in changes.values() for path in kind}
    allowed = PODMAN_MOUNT_POINTS | {p for p in paths if p.startswith(WRITABLE)}
    unexpected = sorted(paths - allowed)
    expect(not unexpected, f"{container.name} changed its image filesystem: {unexpected}")


def check_metrics(container: Container, app_port: int, metric: str) -> None:
    status, body = http_get(container.url(9000, "/metrics"))
    expect(
        status == 200 and metric in body,
        f"{container.name}: /metrics on port 9000 answered {status} without {metric}",
    )
    if app_port:
        status, _ = http_get(container.url(app_port, "/metrics"))
        expect(status == 404, f"{container.name}: /metrics on the app port answered {status}")


def check_django_service(container: Container, app_port: int) -> None:
    wait_until_ready(container, container.url(app_port, "/readyz"))
    health = get_json(container.url(app_port, "/healthz"))
    expect(health.get("status") == "ok", f"{container.name}: /healthz said {health}")
    check_metrics(container, app_port, "stockwatch_build_info")
    check_non_root(container)
    check_healthcheck(container)


def check_yahoo_stack_imports(container: Container) -> None:
    """The cluster runs PRICE_PROVIDER=auto, which CI cannot exercise (no Yahoo): at least the
    yfinance stack and its native libraries must load in the image, read-only and non-root."""
    code = "import curl_cffi.requests, numpy, pandas, yfinance; print(yfinance.__version__)"
    result = podman("exec", container.name, "python", "-c", code, check=False)
    expect(
        result.returncode == 0,
        f"{container.name}: the yfinance stack does not import: {result.stderr.strip()[-600:]}",
    )


def check_stack(tags: dict[str, str]) -> None:
    with check_run() as run:
        say("running backend as in the cluster: UID 10001, read-only root, tmpfs writable dirs")
        backend_env = cluster_env("backend")
        # CI must not depend on Yahoo: the simulated provider answers the same API.
        backend_env["PRICE_PROVIDER"] = "simulated"
        backend = run.start("backend", tags["backend"], backend_env, (8000, 9000), "backend")
        check_django_service(backend, 8000)
        check_yahoo_stack_imports(backend)
        quotes = get_json(backend.url(8000, "/api/v1/quotes"))["quotes"]
        watchlist = backend_env["WATCHLIST"].split(",")
        expect(
            [q["symbol"] for q in quotes] == watchlist,
            f"backend quotes {[q['symbol'] for q in quotes]} != WATCHLIST {watchlist}",
        )
        print(f"ok: backend ready, {len(quotes)} quotes, metrics :9000, UID {UID}, yfinance loads")

        say("running webui against the backend container (BACKEND_URL from the ConfigMap)")
        webui = run.start("webui", tags["webui"], cluster_env("webui"), (8080, 9000), "webui")
        check_django_service(webui, 8080)
        status, page = http_get(webui.url(8080, "/"))
        expect(status == 200, f"webui / answered {status}")
        missing = [s for s in watchlist if not re.search(rf">\s*{re.escape(s)}\s*<", page)]
        expect(not missing, f"webui watchlist does not show {missing}")
        expect(
            "banner-degraded" not in page and "Prices are unavailable" not in page,
            "webui renders the watchlist as degraded: it cannot reach the backend container",
        )
        static = re.search(r'(?:href|src)="(/static/[^"]+)"', page)
        expect(static is not None, "webui page links no /static/ file")
        status, _ = http_get(webui.url(8080, static.group(1)))
        expect(status == 200, f"webui static file {static.group(1)} answered {status}")
        print(f"ok: webui renders {len(watchlist)} symbols from the backend, static files served")

        say("running loadgen against both")
        # The ConfigMap names the webui Service (port 80); here no Service fronts port 8080.
        loadgen_env = {**cluster_env("loadgen"), "LOADGEN_WEBUI_URL": "http://webui:8080"}
        loadgen = run.start("loadgen", tags["loadgen"], loadgen_env, (9000,), "loadgen")
        wait_until_ready(loadgen, loadgen.url(9000, "/metrics"))
        for target in ("backend", "webui"):
            wait_for_metric(
                loadgen, "stockwatch_loadgen_requests_total", target=target, outcome="ok"
            )
        check_non_root(loadgen)
        print("ok: loadgen reaches backend and webui")

        for container in run.containers:
            check_no_writes(container)
        print("ok: no container wrote outside /tmp and /run/metrics")


def sample_value(exposition: str, metric: str, labels: dict[str, str]) -> float:
    """The value of the first sample of `metric` carrying all `labels`, 0 when there is none."""
    for line in exposition.splitlines():
        name, _, rest = line.partition("{")
        if name == metric and all(f'{k}="{v}"' in rest for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def wait_for_metric(
    container: Container, metric: str, deadline_seconds: float = 30, **labels: str
) -> None:
    """Poll the metrics port until `metric{labels}` is above zero."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        _, body = http_get(container.url(9000, "/metrics"))
        if sample_value(body, metric, labels) > 0:
            return
        time.sleep(0.5)
    raise CheckFailed(f"{container.name}: {metric}{labels} stayed at 0 for {deadline_seconds:.0f}s")


def preflight() -> None:
    for tool, hint in (
        ("podman", "apt-get install podman buildah uidmap"),
        ("runc", "apt-get install runc (crun fails on this kernel)"),
    ):
        if shutil.which(tool) is None:
            raise CheckFailed(f"'{tool}' is not installed: {hint}")
    if not Path(CA_BUNDLE).is_file():
        raise CheckFailed(f"{CA_BUNDLE} is missing: apt-get install ca-certificates")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tag", default="dev", help="image tag (default: dev)")
    parser.add_argument("--build-only", action="store_true", help="build and size-check only")
    parser.add_argument(
        "--context",
        type=Path,
        default=REPO,
        help="build context holding the Dockerfiles (default: the repository)",
    )
    args = parser.parse_args(argv)
    tags = {service: f"localhost/stockwatch/{service}:{args.tag}" for service in SERVICES}
    started = time.monotonic()
    try:
        preflight()
        say("making sure the base image is there (a Debian stand-in when it is not)")
        subprocess.run(["bash", str(BASE_SCRIPT)], check=True)
        say(f"building {', '.join(tags.values())} (podman, --pull=never, runc)")
        # Side by side: each build mostly waits for PyPI; the first failure is reported.
        with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
            builds = [pool.submit(build, s, tags[s], args.context.resolve()) for s in SERVICES]
            for finished in builds:
                finished.result()
        for tag in tags.values():
            check_image_config(tag)
        sizes = {service: image_size_mb(tag) for service, tag in tags.items()}
        for service, size in sizes.items():
            print(f"size: {tags[service]} {size:.0f} MB (budget {SIZE_BUDGET_MB[service]} MB)")
        over = [s for s, size in sizes.items() if size > SIZE_BUDGET_MB[s]]
        expect(not over, f"images over their size budget: {over}")
        if not args.build_only:
            check_stack(tags)
    except (CheckFailed, subprocess.CalledProcessError) as error:
        print(f"\nFAILED: image check: {error}", file=sys.stderr)
        return 1
    done = "built" if args.build_only else "built and ran as in the cluster"
    print(f"ok: images {done} ({time.monotonic() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
