"""Run the benchmark: throughput, p50/p95 at max and at half rate, RSS per worker; then the
webui scenario (bench/webui.py).

Both apps run side by side under backend/gunicorn.conf.py with an identical environment
(2 gthread workers x 4 threads, JSON access log, multiprocess metrics). wrk loads them in
alternation for BENCH_ROUNDS rounds and the median round counts, so that load from other
processes on the machine hits both alike.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import webui
from bench.load import SECONDS, Run, paced, wrk
from servicekit.env import env_int
from tests.support.servers import REPO, gunicorn_service

ROUNDS = env_int("BENCH_ROUNDS", 3, minimum=1)
OUT = REPO / "artifacts" / "backend" / "bench.json"

# The measured app first, the baseline last; in between, for reference, the smallest Django view
# behind the same middleware and django-prometheus (shows what the framework alone costs).
APPS = {
    "backend /api/v1/quotes (cached)": ("backend_site.wsgi", "/api/v1/quotes"),
    "backend /healthz (reference)": ("backend_site.wsgi", "/healthz"),
    "bare WSGI hello-world": ("bench.hello_wsgi:application", "/"),
}
TARGET_RATIO, TARGET_P95_MS, TARGET_RSS_MIB = 0.5, 10.0, 80.0


@dataclass
class Result:
    name: str
    max_rate: Run
    half_rate: Run
    worker_rss_mib: list[float]


def worker_rss_mib(master_pid: int) -> list[float]:
    """Resident memory of each child of the gunicorn master, from /proc."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue  # the process ended while we looked
        if int(fields.get("PPid", "0").strip()) == master_pid:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


@contextmanager
def serve(wsgi: str, path: str, workdir: Path) -> Iterator[tuple[str, int]]:
    """Run `wsgi` under backend/gunicorn.conf.py; yield its warmed-up URL and master pid."""
    env = {"PRICE_PROVIDER": "simulated"}
    with gunicorn_service("backend", workdir, env, wsgi=wsgi) as server:
        url = server.base_url + path
        for _ in range(20):  # every worker loads its app and fills its cache
            urllib.request.urlopen(url, timeout=10).read()  # noqa: S310 - loopback URL we built
        wrk(url, 2)
        yield url, server.process.pid


def measure_all(workdir: Path) -> list[Result]:
    """Both apps up at once, measured in alternation so that both see the same machine."""
    with ExitStack() as stack:
        servers = {
            name: stack.enter_context(serve(wsgi, path, workdir / str(i)))
            for i, (name, (wsgi, path)) in enumerate(APPS.items())
        }
        runs: dict[str, list[Run]] = {name: [] for name in servers}
        for _ in range(ROUNDS):
            for name, (url, _) in servers.items():
                runs[name].append(wrk(url, SECONDS))
        results = []
        for name, (url, master) in servers.items():
            median = sorted(runs[name], key=lambda run: run.rps)[len(runs[name]) // 2]
            results.append(Result(name, median, paced(url, median.rps / 2), worker_rss_mib(master)))
        return results


def report(results: list[Result]) -> bool:
    print(f"\n{'':34} {'req/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for result in results:
        for label, run in (("max rate", result.max_rate), ("half rate", result.half_rate)):
            print(
                f"{result.name[:22]:22} {label:>11} {run.rps:9.0f} {run.p50_ms:7.2f} "
                f"{run.p95_ms:7.2f} {run.p99_ms:7.2f} {run.errors:6d}"
            )
        rss = ", ".join(f"{mib:.1f}" for mib in result.worker_rss_mib)
        print(f"{'':22} {'worker RSS':>11} {rss} MiB")
    backend, reference, bare = results
    ratio = backend.max_rate.rps / bare.max_rate.rps
    print(f"\nreference: minimal Django view / bare WSGI = "
          f"{reference.max_rate.rps / bare.max_rate.rps:.2f}")  # fmt: skip
    checks = [
        (f"throughput ratio {ratio:.2f} (target >= {TARGET_RATIO})", ratio >= TARGET_RATIO),
        (
            f"backend p95 at half rate {backend.half_rate.p95_ms:.2f} ms "
            f"(target <= {TARGET_P95_MS} ms)",
            backend.half_rate.p95_ms <= TARGET_P95_MS,
        ),
        (
            f"backend RSS per worker max {max(backend.worker_rss_mib):.1f} MiB "
            f"(target <= {TARGET_RSS_MIB} MiB)",
            max(backend.worker_rss_mib) <= TARGET_RSS_MIB,
        ),
        ("no errors", all(r.max_rate.errors + r.half_rate.errors == 0 for r in results)),
    ]
    print()
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps({"results": [asdict(r) for r in results], "ratio": ratio}, indent=2) + "\n"
    )
    print(f"\nwritten: {OUT.relative_to(REPO)}")
    return all(ok for _, ok in checks)


def main() -> int:
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="stockwatch-bench-") as tmp:
        results = measure_all(Path(tmp))
    backend_ok = report(results)
    webui_ok = webui.run_and_report()
    return 0 if backend_ok and webui_ok else 1


if __name__ == "__main__":
    sys.exit(main())
