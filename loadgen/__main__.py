"""`python -m loadgen`: serve metrics on METRICS_BIND and generate load until SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from prometheus_client import CollectorRegistry, ProcessCollector, start_http_server

from loadgen.config import ConfigError, load_config
from loadgen.generator import LoadGenerator
from loadgen.metrics import LoadgenMetrics
from servicekit.logs import JsonFormatter

log = logging.getLogger("loadgen")


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def main() -> int:
    """Run until SIGTERM or SIGINT; 0 on a clean stop, 2 on bad configuration."""
    _configure_logging()
    try:
        config = load_config()
    except ConfigError as error:
        log.error("invalid configuration: %s", error)
        return 2
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    metrics = LoadgenMetrics(registry, [target.name for target in config.targets])
    server, _ = start_http_server(config.metrics_port, config.metrics_host, registry)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info(
        "generating load",
        extra={
            "targets": {target.name: target.url for target in config.targets},
            "rate_per_target": config.rate,
            "max_in_flight": config.max_in_flight,
            "metrics": f"{config.metrics_host}:{config.metrics_port}",
        },
    )
    LoadGenerator(config.targets, config.rate, config.timeout, config.max_in_flight, metrics).run(
        stop
    )
    server.shutdown()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
