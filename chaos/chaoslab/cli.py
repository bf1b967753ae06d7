"""Command line: `python -m chaoslab run NAME...`, `lab` (every experiment), `list`, `index`,
`report RUN_DIR` (render report.md again from the run's journal), `compare A B` (two runs)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kubernetes.client.exceptions import ApiException

from chaoslab import config as lab_config
from chaoslab import journal
from chaoslab.compare import compare
from chaoslab.experiments import ExperimentError, available, resolve
from chaoslab.grafana import GrafanaClient, GrafanaError
from chaoslab.hypotheses import HypothesisError, HypothesisFile, load_hypotheses
from chaoslab.kube import Cluster, ClusterError, api_client_from_kubeconfig
from chaoslab.prometheus import PrometheusClient, PrometheusError, port_forward
from chaoslab.report import rerender, write_index, write_report
from chaoslab.results import PASSED, ExperimentResult
from chaoslab.runner import LabRunner, PreflightError, sigterm_as_interrupt

# --baseline/--recovery/--stable SECONDS override settings.<knob>_seconds of hypotheses.yaml.
OVERRIDABLE = ("baseline", "recovery", "stable")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="chaoslab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the experiments in chaos/experiments")
    commands.add_parser("index", help="rewrite index.md of the reports folder")
    report = commands.add_parser("report", help="render report.md again from a run's journal")
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    both = commands.add_parser("compare", help="two runs side by side (markdown), B against A")
    both.add_argument("runs", nargs=2, type=Path, metavar="RUN_DIR")
    both.add_argument("-o", "--output", type=Path, help="write to this file, not stdout")
    run = commands.add_parser("run", help="run the named experiments, one after another")
    run.add_argument("names", nargs="+", metavar="NAME")
    lab = commands.add_parser("lab", help="run every experiment, one after another")
    for command in (run, lab):
        command.add_argument("--reports-dir", type=Path, help="where run folders go")
        for knob in OVERRIDABLE:
            hint = f"override settings.{knob}_seconds of hypotheses.yaml"
            command.add_argument(f"--{knob}", type=int, metavar="SECONDS", help=hint)
    return parser.parse_args(argv)


def _with_overrides(spec: HypothesisFile, args: argparse.Namespace) -> HypothesisFile:
    overrides = {
        f"{knob}_seconds": getattr(args, knob)
        for knob in OVERRIDABLE
        if getattr(args, knob) is not None
    }
    return dataclasses.replace(spec, settings=dataclasses.replace(spec.settings, **overrides))


@contextmanager
def prometheus_url(configured: str, context: str | None) -> Iterator[str]:
    """The configured URL, or a `kubectl port-forward` to Service monitoring/prometheus."""
    if configured != lab_config.PORT_FORWARD:
        yield configured
        return
    with port_forward("monitoring", "prometheus", 9090, context) as port:
        yield f"http://127.0.0.1:{port}/prometheus"


def grafana_state(grafana: GrafanaClient | None) -> str:
    """Whether the report can count on Grafana: annotations and dashboard pictures."""
    if grafana is None:
        return "not configured (CHAOSLAB_GRAFANA_URL is empty)"
    try:
        return f"{grafana.base_url}, version {grafana.version()}"
    except GrafanaError as error:
        return f"absent or unreachable ({error})"


def _cooldown(seconds: float) -> None:
    print(f"[lab] cooldown  {seconds:.0f}s so the next baseline starts fresh", flush=True)
    time.sleep(seconds)


def run_lab(args: argparse.Namespace, cfg: lab_config.LabConfig) -> int:
    spec = _with_overrides(load_hypotheses(cfg.hypotheses), args)
    names = args.names if args.command == "run" else available(cfg.experiments_dir)
    experiments = resolve(cfg.experiments_dir, names)
    cluster = Cluster(
        api_client_from_kubeconfig(cfg.kubeconfig, cfg.kube_context),
        cfg.namespace,
        cfg.target_selector,
    )
    grafana = (
        GrafanaClient(
            cfg.grafana_url,
            cfg.grafana_dashboard,
            cfg.grafana_user,
            cfg.grafana_password,
            dashboard_tags=cfg.grafana_tags,
            draw_seconds=cfg.grafana_draw_seconds,
        )
        if cfg.grafana_url
        else None
    )
    reports_dir = args.reports_dir or cfg.reports_dir
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = reports_dir / f"{stamp}-{'lab' if args.command == 'lab' else '-'.join(names)}"
    results: list[ExperimentResult] = []
    with prometheus_url(cfg.prometheus_url, cfg.kube_context) as url:
        runner = LabRunner(spec, cluster, PrometheusClient(url), grafana, cfg.chromium,
                           cfg.inject_timeout, cfg.poll_seconds,
                           webui_url=cfg.webui_url)  # fmt: skip
        runner.preflight(experiments, cfg.deployments)
        context = {
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            **({"environment": cfg.environment_note} if cfg.environment_note else {}),
            **cluster.environment(cfg.deployments),
            "Grafana": grafana_state(grafana),
            "web dashboard": cfg.webui_url or "not configured (CHAOSLAB_WEBUI_URL), no screenshots",
            "namespace": cfg.namespace,
            "targets": f"pods with `{cfg.target_selector}`",
            "Prometheus": url,
            "hypotheses": str(cfg.hypotheses.name),
        }
        try:
            with sigterm_as_interrupt():
                for index, experiment in enumerate(experiments):
                    if index:
                        _cooldown(spec.settings.baseline_seconds)
                    results.append(runner.run(experiment, run_dir))
                    if results[-1].interrupted:
                        raise KeyboardInterrupt
        finally:
            if results:
                path = write_report(run_dir, results, spec, context)
                write_index(reports_dir)
                print(f"report: {path}")
    return 0 if all(r.status == PASSED for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        cfg = lab_config.from_env()
        if args.command == "list":
            print("\n".join(available(cfg.experiments_dir)))
            return 0
        if args.command == "index":
            print(write_index(cfg.reports_dir))
            return 0
        if args.command == "report":
            print(rerender(args.run_dir))
            return 0
        if args.command == "compare":
            text = compare(*(journal.load(run) for run in args.runs))
            if args.output is None:
                sys.stdout.write(text)
            else:
                args.output.write_text(text)
                print(args.output)
            return 0
        return run_lab(args, cfg)
    except (ValueError, ExperimentError, HypothesisError, ClusterError, PrometheusError,
            PreflightError, journal.JournalError) as error:  # fmt: skip
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ApiException as error:
        print(f"error: the Kubernetes API answered {error.status} {error.reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: any injected chaos object was deleted", file=sys.stderr)
        return 130
