"""servicekit.gunicorn_conf: binds, sizing and the multiprocess metrics directory lifecycle."""

import json
import logging
from types import SimpleNamespace

import pytest

from servicekit import gunicorn_conf
from servicekit.env import ConfigError


@pytest.fixture
def server():
    """Stands in for gunicorn's Arbiter: the hooks only use its logger."""
    return SimpleNamespace(log=logging.getLogger("sk.test.arbiter"))


def test_binds_default_to_app_bind_and_metrics_port_9000(monkeypatch):
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.delenv("METRICS_BIND", raising=False)
    assert gunicorn_conf.binds("0.0.0.0:8000") == ["0.0.0.0:8000", "0.0.0.0:9000"]


def test_binds_follow_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:18000")
    monkeypatch.setenv("METRICS_BIND", "127.0.0.1:19000")
    assert gunicorn_conf.binds("0.0.0.0:8000") == ["127.0.0.1:18000", "127.0.0.1:19000"]


def test_binds_refuse_a_shared_port(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    monkeypatch.delenv("METRICS_BIND", raising=False)
    with pytest.raises(ConfigError, match="share a port"):
        gunicorn_conf.binds("0.0.0.0:8000")


def test_bind_port_understands_ipv6_addresses():
    assert gunicorn_conf.bind_port("[::]:9000") == 9000


def test_worker_sizing_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    assert (gunicorn_conf.workers(), gunicorn_conf.threads(), gunicorn_conf.timeout()) == (3, 8, 45)


def test_zero_workers_is_a_config_error(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "0")
    with pytest.raises(ConfigError, match="GUNICORN_WORKERS"):
        gunicorn_conf.workers()


def test_on_starting_empties_the_multiprocess_directory(monkeypatch, tmp_path, server):
    (tmp_path / "counter_123.db").write_bytes(b"old")
    (tmp_path / "leftover").mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gunicorn_conf.on_starting(server)
    assert tmp_path.is_dir()
    assert list(tmp_path.iterdir()) == []


def test_on_starting_creates_a_missing_directory(monkeypatch, tmp_path, server):
    target = tmp_path / "metrics" / "nested"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(target))
    gunicorn_conf.on_starting(server)
    assert target.is_dir()


def test_on_starting_fails_clearly_without_the_directory_variable(monkeypatch, server):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR is required"):
        gunicorn_conf.on_starting(server)


def test_child_exit_removes_the_dead_workers_live_gauge_files(monkeypatch, tmp_path, server):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    live = tmp_path / "gauge_livesum_4242.db"
    other = tmp_path / "gauge_livesum_4343.db"
    counter = tmp_path / "counter_4242.db"
    for path in (live, other, counter):
        path.write_bytes(b"")
    gunicorn_conf.child_exit(server, SimpleNamespace(pid=4242))
    assert not live.exists()
    assert other.exists()
    assert counter.exists()  # counters of dead workers keep counting: they are monotonic


def test_access_log_format_renders_json():
    atoms = {key: "x" for key in "thmUqHbap"} | {"s": 200, "M": 3}
    entry = json.loads(gunicorn_conf.ACCESS_LOG_FORMAT % atoms)
    assert entry["status"] == 200
    assert entry["duration_ms"] == 3
