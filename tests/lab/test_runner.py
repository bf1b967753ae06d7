"""The runner end to end: a real Prometheus scrapes a loopback exporter whose health follows the
chaos objects in the fake Kubernetes API; Grafana is the loopback fake."""

from __future__ import annotations

import dataclasses
import io
import math
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import yaml
from chaoslab import journal
from chaoslab.analysis import grid
from chaoslab.cli import main
from chaoslab.grafana import GrafanaClient
from chaoslab.hypotheses import Hypothesis, HypothesisFile, ImpactMetric, LabSettings
from chaoslab.kube import Cluster
from chaoslab.prometheus import PrometheusClient
from chaoslab.report import write_report
from chaoslab.results import ABORTED, BASELINE_FAILED, FAILED, PASSED
from chaoslab.runner import LabRunner
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily

from tests.lab.fake_grafana import PASSWORD, USER, fake_grafana
from tests.lab.fake_kube import FakeKubernetes, fake_kubernetes, recorded
from tests.lab.synthetic import pod_kill
from tests.support.prometheus import prometheus_server
from tests.support.servers import free_port

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "lab" / "runner"
QUERY = "max(lab_probe_latency_seconds)"
LATENCY = Hypothesis("latency", "probe latency <= 500 ms", QUERY, "<=", 0.5, "seconds")
SETTINGS = LabSettings(
    step_seconds=1, baseline_seconds=3, recovery_seconds=5, stable_seconds=2, min_coverage=0.5
)
SPEC = HypothesisFile(
    SETTINGS, (LATENCY,), (ImpactMetric("latency", "Probe latency", QUERY, "max", "seconds"),)
)
EXPERIMENT = dataclasses.replace(pod_kill().experiment, duration_seconds=2.0)


class ChaosFollowingProbe:
    """Exports a latency that is bad exactly while a chaos object the lab created exists."""

    def __init__(self) -> None:
        self.kube: FakeKubernetes | None = None

    def collect(self):
        broken = self.kube is not None and self.kube.created_once and bool(self.kube.chaos)
        yield GaugeMetricFamily("lab_probe_latency_seconds", "probe", value=2.0 if broken else 0.1)


def wait_for_steady_state(client: PrometheusClient, seconds: int, deadline: float = 30.0) -> None:
    """Poll until Prometheus holds a healthy sample for every second of the last `seconds`
    (after a start, or after an earlier test left the probe broken for a while)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        now = math.floor(time.time())
        samples = client.query_range(QUERY, now - seconds, now, 1)
        healthy = [value for value in samples.values() if LATENCY.holds(value)]
        if len(healthy) == len(grid(now - seconds, now, 1)):
            return
        time.sleep(0.5)
    raise TimeoutError(f"Prometheus did not see {seconds}s of healthy probe data in {deadline}s")


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory):
    """The probe, and a real Prometheus scraping it every second."""
    probe, registry = ChaosFollowingProbe(), CollectorRegistry()
    registry.register(probe)
    port = free_port()
    exporter, _ = start_http_server(port, addr="127.0.0.1", registry=registry)
    target = {"targets": [f"127.0.0.1:{port}"]}
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "probe", "static_configs": [target]}],
    }
    try:
        with prometheus_server(tmp_path_factory.mktemp("prometheus"), config) as server:
            yield probe, PrometheusClient(server.base_url)
    finally:
        exporter.shutdown()


@pytest.fixture
def lab(probe):
    exporter, prometheus = probe
    with fake_kubernetes() as (kube, api), fake_grafana(renderer=True) as grafana:
        kube.pods_once_created = recorded("pods-after-kill.json")
        kube.pods_once_deleted = recorded("pods-replacement-ready.json")
        exporter.kube = kube
        wait_for_steady_state(prometheus, SETTINGS.baseline_seconds)
        out = io.StringIO()
        cluster = Cluster(api, "stock-monitoring", "app.kubernetes.io/name=backend")
        grafana_client = GrafanaClient(grafana.base_url, "stockwatch", USER, PASSWORD,
                                       dashboard_tags=["chaos"])  # fmt: skip
        runner = LabRunner(SPEC, cluster, prometheus, grafana_client, poll_seconds=0.5, out=out)
        yield runner, kube, grafana, out
        exporter.kube = None


def test_a_run_injects_cleans_up_recovers_annotates_and_reports(lab):
    runner, kube, grafana, out = lab
    result = runner.run(EXPERIMENT, ARTIFACTS)
    assert result.status == PASSED, out.getvalue()
    assert [v.verdict for v in result.analysis.verdicts] == ["recovered"]
    assert len(kube.methods("POST", "/podchaos")) == 1
    assert len(kube.methods("DELETE", "/podchaos/pod-kill")) == 1
    assert kube.chaos == {}
    t = result.timeline
    assert 2 <= t.chaos_end - t.chaos_start < 5
    assert t.chaos_start < result.analysis.recovery.recovered_at <= t.end - SETTINGS.stable_seconds
    chaos, recovered = grafana.annotations[1], grafana.annotations[2]
    window_ms = (t.chaos_end - t.chaos_start) * 1000
    assert chaos["timeEnd"] - chaos["time"] == pytest.approx(window_ms, abs=2)
    assert chaos["tags"] == ["chaos", "chaoslab", "pod-kill"]  # the dashboard's query shows it
    assert chaos["text"].startswith("chaos: pod-kill: PodChaos")
    ttr = result.analysis.time_to_recover(t)
    assert chaos["text"].endswith(f" - passed, recovered after {ttr:.0f}s")
    assert recovered["text"].startswith("recovered: pod-kill")
    assert [(m, n) for m, n, _ in result.grafana_screenshots] == [
        ("during", "grafana-during.png"),
        ("after", "grafana-after.png"),
    ]
    assert all(how == "Grafana's image renderer" for _, _, how in result.grafana_screenshots)
    events = [(e.pod, e.kind) for e in result.pod_events]
    # the recorded replacement runs on kind-worker2, the killed pod ran on kind-worker
    assert events[:2] == [("backend-7d9f8c6b5-a1", "gone"), ("backend-7d9f8c6b5-c3", "rescheduled")]
    phases = {line.split()[1] for line in out.getvalue().splitlines()}
    assert {"baseline", "inject", "chaos", "cleanup", "recovery", "done"} <= phases
    report = write_report(ARTIFACTS, [result], SPEC, {"run": "runner end-to-end test"})
    assert "| pod-kill | PodChaos | **passed** |" in report.read_text()
    assert (ARTIFACTS / "pod-kill" / "grafana-after.png").exists()
    assert "![Grafana dashboard after recovery](pod-kill/grafana-after.png)" in report.read_text()


def test_a_replacement_that_never_gets_ready_fails_the_run_though_every_probe_recovered(lab):
    runner, kube, _, out = lab
    kube.pods_once_deleted = None  # the replacement stays not Ready to the end
    result = runner.run(EXPERIMENT, ARTIFACTS)
    assert [v.verdict for v in result.analysis.verdicts] == ["recovered"], out.getvalue()
    seen = result.analysis.readiness
    assert (seen.before, seen.lowest, seen.back) == (2, 1, False)
    assert result.status == FAILED


def test_a_failing_baseline_injects_nothing(lab):
    runner, kube, _, _ = lab
    strict = dataclasses.replace(LATENCY, threshold=0.05)  # the healthy 100 ms already fails it
    no_wait = dataclasses.replace(SETTINGS, baseline_wait_seconds=0)  # it would never hold
    runner.spec = dataclasses.replace(SPEC, settings=no_wait, hypotheses=(strict,))
    result = runner.run(EXPERIMENT, ARTIFACTS)
    assert result.status == BASELINE_FAILED
    assert kube.methods("POST") == []


def sigterm_once_injected(kube: FakeKubernetes, deadline: float = 30.0) -> None:
    """Send this process SIGTERM as soon as the chaos object exists (the chaos window)."""
    end = time.monotonic() + deadline
    while not kube.chaos and time.monotonic() < end:
        time.sleep(0.05)
    if kube.chaos:  # never outside the runner's handler: the default action ends pytest
        os.kill(os.getpid(), signal.SIGTERM)


def test_sigterm_during_the_chaos_window_still_deletes_the_chaos_object(lab):
    runner, kube, _, _ = lab
    long_fault = dataclasses.replace(EXPERIMENT, duration_seconds=60.0)
    threading.Thread(target=sigterm_once_injected, args=(kube,), daemon=True).start()
    started = time.monotonic()
    result = runner.run(long_fault, ARTIFACTS)
    assert result.interrupted
    assert result.status == ABORTED
    assert time.monotonic() - started < 30
    assert len(kube.methods("DELETE", "/podchaos/pod-kill")) == 1
    assert kube.chaos == {}


def test_an_experiment_that_is_never_injected_is_aborted_and_cleaned_up(lab):
    runner, kube, _, _ = lab
    kube.gets_before_injected = 10**6
    runner.inject_timeout = 1.0
    result = runner.run(EXPERIMENT, ARTIFACTS)
    assert result.status == ABORTED
    assert "not injected" in result.error
    assert kube.chaos == {}


@pytest.fixture
def cli_env(lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files and CHAOSLAB_* variables that point `python -m chaoslab` at the loopback fakes."""
    runner, _, grafana, _ = lab
    host = runner.cluster.api.configuration.host
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": host}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
        "users": [{"name": "fake", "user": {"token": "test-only"}}],
    }))  # fmt: skip
    experiments = tmp_path / "experiments"
    experiments.mkdir()
    body = {**EXPERIMENT.body, "spec": {**EXPERIMENT.body["spec"], "duration": "2s"}}
    (experiments / "pod-kill.yaml").write_text(yaml.safe_dump(body))
    hypotheses = tmp_path / "hypotheses.yaml"
    hypotheses.write_text(yaml.safe_dump({
        # A longer recovery window than the in-process tests: the CLI's own start-up on a busy CI
        # machine must not leave too few samples after the fault to judge recovery.
        "settings": dataclasses.asdict(dataclasses.replace(SETTINGS, recovery_seconds=8)),
        "hypotheses": [dataclasses.asdict(LATENCY)],
        "impact": [dataclasses.asdict(m) for m in SPEC.impact],
    }))  # fmt: skip
    for name, value in {
        "KUBECONFIG": str(kubeconfig),
        "CHAOSLAB_PROMETHEUS_URL": runner.prometheus.base_url,
        "CHAOSLAB_GRAFANA_URL": grafana.base_url,
        "CHAOSLAB_GRAFANA_USER": USER,
        "CHAOSLAB_GRAFANA_PASSWORD": PASSWORD,
        "CHAOSLAB_KUBE_CONTEXT": "fake",
        "CHAOSLAB_HYPOTHESES": str(hypotheses),
        "CHAOSLAB_EXPERIMENTS_DIR": str(experiments),
        "CHAOSLAB_REPORTS_DIR": str(tmp_path / "reports"),
        "CHAOSLAB_POLL_SECONDS": "0.5",
        "CHAOSLAB_WEBUI_URL": "http://127.0.0.1:30080/",
        "CHAOSLAB_CHROMIUM": str(fake_chromium(tmp_path)),
        "CHAOSLAB_ENVIRONMENT_NOTE": "fake API server on loopback, no Chaos Mesh",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "reports"


def fake_chromium(folder: Path) -> Path:
    """Stands in for Chromium's CLI (not installed where the tests run): writes a PNG header and
    the URL it was given to the --screenshot path, as `chromium --headless --screenshot` would."""
    script = folder / "chromium"
    script.write_text(
        "#!/bin/sh\n"
        'for arg; do case "$arg" in --screenshot=*) out="${arg#--screenshot=}";; esac; done\n'
        'printf "\\211PNG\\r\\n\\032\\n%s" "$*" > "$out"\n'
    )
    script.chmod(0o755)
    return script


def test_the_command_line_runs_an_experiment_and_writes_the_report_and_index(cli_env, capsys):
    status = main(["run", "pod-kill"])
    [report] = cli_env.glob("*-pod-kill/report.md")
    text = report.read_text()
    assert status == 0, f"{capsys.readouterr()}\n{text}"
    assert "| pod-kill | PodChaos | **passed** |" in text
    assert report.parent.name in (cli_env / "index.md").read_text()
    header = text.split("| experiment |")[0]
    for line in ("- environment: fake API server on loopback, no Chaos Mesh",
                 "- Kubernetes: v1.33.1", "- nodes: 3", "backend: `stockwatch/backend:dev`",
                 "- chaos controller: no chaos-controller-manager Deployment found"):  # fmt: skip
        assert line in header
    for moment, caption in (("during", "during the fault"), ("after", "after recovery")):
        assert f"![web dashboard {caption}](pod-kill/webui-{moment}.png)" in text
        picture = (report.parent / "pod-kill" / f"webui-{moment}.png").read_bytes()
        assert picture.startswith(b"\x89PNG") and b"--headless" in picture
        assert picture.endswith(b"http://127.0.0.1:30080/")
    run = journal.load(report.parent)
    environment = run["environment"]
    assert environment["note"] == "fake API server on loopback, no Chaos Mesh"
    assert environment["context"]["Kubernetes"] == "v1.33.1"
    assert environment["settings"]["CHAOSLAB_GRAFANA_PASSWORD"] == "(redacted)"
    assert environment["settings"]["CHAOSLAB_WEBUI_URL"] == "http://127.0.0.1:30080/"
    (experiment,) = run["experiments"]
    timings = experiment["timings"]
    assert timings["injection"] <= timings["injected"] <= timings["fault_end"]
    assert timings["recovered"] is not None
    taken = [
        (s["source"], s["moment"]) for s in experiment["screenshots"] if s["status"] == "taken"
    ]
    assert ("webui", "during") in taken and ("webui", "after") in taken


def test_the_command_line_stops_at_preflight_and_says_why(cli_env, lab, capsys):
    _, kube, _, _ = lab
    kube.deployments["items"][1]["status"]["readyReplicas"] = 0
    assert main(["run", "pod-kill"]) == 2
    assert "deployment stock-monitoring/webui has 0/2 ready replicas" in capsys.readouterr().err
    assert kube.methods("POST") == []


def test_an_object_that_already_exists_is_left_alone(lab):
    runner, kube, _, _ = lab
    kube.chaos["podchaos/pod-kill"] = EXPERIMENT.body  # e.g. someone's `make chaos-apply`
    result = runner.run(EXPERIMENT, ARTIFACTS)
    assert result.status == ABORTED
    assert "already exists" in result.error
    assert kube.methods("DELETE") == []
