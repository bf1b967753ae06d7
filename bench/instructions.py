"""Instructions per request, counted by valgrind's callgrind: a figure that repeats run to run.

Each service's Django app runs in one process under callgrind, driven by the test client through
a fixed request mix (bench/request_mix.py): a warm-up, then REQUESTS requests of each path, with
a callgrind dump before each batch. A batch's dump holds the instructions of (warm-up + its
requests) minus (warm-up alone); divided by REQUESTS, that is the figure. The webui asks a
backend under gunicorn on loopback (its instructions are the backend's, not counted here).
Everything runs RUNS times in a row, and the runs are compared: they should agree to well under
1 %. Method and figures: bench/README.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from bench.request_mix import MARK
from bench.verdict import print_checks, write_figures
from servicekit.env import env_int
from tests.support.servers import REPO, gunicorn_service, service_env

OUT = REPO / "artifacts" / "bench" / "instructions.json"
WARMUP = env_int("INSTRUCTION_WARMUP", 20, minimum=1)
REQUESTS = env_int("INSTRUCTION_REQUESTS", 50, minimum=1)
RUNS = env_int("INSTRUCTION_RUNS", 2, minimum=1)
# An hour, and one worker (one cache): every answer of a run is the same bytes, whatever the
# run's length under callgrind. What is counted is the steady state between two expiries of the
# backend's caches.
STEADY_BACKEND = {
    "PRICE_PROVIDER": "simulated",
    "QUOTE_TTL_SECONDS": "3600",
    "HISTORY_TTL_SECONDS": "3600",
}
# The watchlist's status strip says how old its data is, "12 s" or "1 min", and is rendered again
# when that text changes. Under callgrind a page takes some 50 times longer, so while the text
# changes every second a batch renders it again ten times more often than a served page would.
# The webui is counted once the data is a minute old, when the text holds for a minute.
DATA_AGE_SETTLED = 62.0

WEBUI_PAGE, WEBUI_FLOOR = "webui /", "webui /healthz"
QUOTES, SPARKLINES, DJANGO = "backend /api/v1/quotes", "quotes?sparkline=1d", "backend /healthz"
# service -> {figure name: path}, asked in this order in one process per service.
MIX = {
    "backend": {
        QUOTES: "/api/v1/quotes",
        SPARKLINES: "/api/v1/quotes?sparkline=1d",
        DJANGO: "/healthz",
    },
    "webui": {WEBUI_PAGE: "/", WEBUI_FLOOR: "/healthz"},
}
# Gated. Two runs differ by less than this on every figure, or the method is broken.
MAX_RUN_SPREAD = 0.01
# Gated: the watchlist page against the webui's own floor (/healthz: same middleware, same
# process), 3.34 when this was written (4.9 before the page's table and frame were kept).
TARGET_PAGE_RATIO = 4.0
# Shown, not gated: quotes against the minimal Django view. The 1.10 is for CPU under
# gunicorn, whose share of a request (the same for both) is not in these counts, so the same
# gap weighs more here (bench/README.md).


@dataclass
class Count:
    name: str
    per_request: list[float]  # instructions per request, one per run

    @property
    def spread(self) -> float:
        """(max - min) / min over the runs."""
        return (max(self.per_request) - min(self.per_request)) / min(self.per_request)


def counted(service: str, env: dict[str, str], paths: Sequence[str], workdir: Path) -> list[float]:
    """Instructions per request of each path, from one callgrind run of the request mix."""
    out = workdir / f"{service}.callgrind"
    argv = [
        "valgrind",
        "--tool=callgrind",
        f"--dump-before={MARK}",
        f"--callgrind-out-file={out}",
        sys.executable,
        "-m",
        "bench.request_mix",
        str(WARMUP),
        str(REQUESTS),
        *paths,
    ]
    # A fixed hash seed: the same dict and set layouts, the same instructions, run after run.
    env = {**env, "PYTHONHASHSEED": "0", "PYTHONPATH": f"{REPO / service}{os.pathsep}{REPO}"}
    done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"the {service} request mix failed under callgrind:\n{done.stderr[-3000:]}"
        )
    # Dump 1 is start-up and warm-up; dumps 2.. are the batches, in order; the file without a
    # number is the way out after the last batch.
    dumps = sorted(workdir.glob(f"{out.name}.*"), key=lambda p: int(p.suffix[1:]))
    if len(dumps) != len(paths) + 1:
        raise RuntimeError(
            f"expected {len(paths) + 1} callgrind dumps of the {service} mix, found {len(dumps)}: "
            f"something else called {MARK}() (bench/request_mix.py)"
        )
    return [_total(dump) / REQUESTS for dump in dumps[1:]]


def _total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals line in {dump}")


def measure(workdir: Path) -> list[Count]:
    counts = {name: Count(name, []) for paths in MIX.values() for name in paths}
    backend_env = {**STEADY_BACKEND, "GUNICORN_WORKERS": "1"}
    with gunicorn_service("backend", workdir / "backend", backend_env) as backend:
        requests.get(
            f"{backend.base_url}/api/v1/quotes?sparkline=1d", timeout=30
        ).raise_for_status()
        settled = time.monotonic() + DATA_AGE_SETTLED
        envs = {
            "webui": _webui_env(workdir, backend.base_url),
            "backend": service_env("backend", workdir / "backend-mix", STEADY_BACKEND),
        }
        for run in range(RUNS):
            for service, paths in MIX.items():
                rundir = workdir / f"run{run}"
                rundir.mkdir(exist_ok=True)
                if service == "webui":
                    time.sleep(max(0.0, settled - time.monotonic()))
                figures = counted(service, envs[service], list(paths.values()), rundir)
                for name, figure in zip(paths, figures, strict=True):
                    counts[name].per_request.append(figure)
    return list(counts.values())


def _webui_env(workdir: Path, backend_url: str) -> dict[str, str]:
    env = service_env("webui", workdir / "webui-mix", {"BACKEND_URL": backend_url})
    env["STATIC_ROOT"] = str(workdir / "webui-static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPO / "webui",
        env=env,
        check=True,
    )
    return env


def report(counts: list[Count]) -> list[tuple[str, bool]]:
    """Print the figures; return the checks (text, passed)."""
    by_name = {c.name: c for c in counts}
    print(f"\nInstructions per request (millions), {REQUESTS} requests after {WARMUP} of warm-up, "
          f"{RUNS} runs")  # fmt: skip
    runs = "  ".join(f"{'run ' + str(i + 1):>8}" for i in range(RUNS))
    print(f"{'':26} {runs}  {'spread':>7}")
    for c in counts:
        figures = "  ".join(f"{n / 1e6:8.3f}" for n in c.per_request)
        print(f"{c.name:26} {figures}  {c.spread:7.3%}")

    def ratio(a: str, b: str) -> float:
        return min(by_name[a].per_request) / min(by_name[b].per_request)

    quotes_ratio, page_ratio = ratio(QUOTES, DJANGO), ratio(WEBUI_PAGE, WEBUI_FLOOR)
    print(f"\nratios: quotes / backend /healthz {quotes_ratio:.2f}, "
          f"quotes?sparkline=1d / backend /healthz {ratio(SPARKLINES, DJANGO):.2f}, "
          f"webui / / webui /healthz {page_ratio:.2f}, "
          f"webui / / backend /healthz {ratio(WEBUI_PAGE, DJANGO):.2f}")  # fmt: skip
    worst = max(counts, key=lambda c: c.spread)
    return [
        (
            f"runs agree: largest spread {worst.spread:.3%} ({worst.name}; target < "
            f"{MAX_RUN_SPREAD:.0%})",
            RUNS > 1 and worst.spread < MAX_RUN_SPREAD,
        ),
        (
            f"webui watchlist page / webui /healthz {page_ratio:.2f} in instructions (target <= "
            f"{TARGET_PAGE_RATIO})",
            page_ratio <= TARGET_PAGE_RATIO,
        ),
    ]


def main() -> int:
    if shutil.which("valgrind") is None:
        print(
            "error: valgrind is not installed; it counts the instructions "
            "(Debian: apt-get install valgrind)",
            file=sys.stderr,
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="stockwatch-instructions-") as tmp:
        counts = measure(Path(tmp))
    passed = print_checks(report(counts))
    write_figures(
        OUT, {"warmup": WARMUP, "requests": REQUESTS, "counts": [asdict(c) for c in counts]}
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
