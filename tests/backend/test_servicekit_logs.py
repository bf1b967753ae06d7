"""servicekit.logs: one JSON object per log record."""

import io
import json
import logging
import logging.config
import sys

import pytest

from servicekit.logs import JsonFormatter, django_logging


def _record(**extra) -> logging.LogRecord:
    logger = logging.getLogger("sk.test")
    return logger.makeRecord(
        "sk.test", logging.WARNING, __file__, 1, "hello %s", ("world",), None, extra=extra
    )


def test_json_formatter_emits_time_level_logger_and_message():
    entry = json.loads(JsonFormatter().format(_record()))
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "sk.test"
    assert entry["message"] == "hello world"
    assert entry["time"].endswith("Z")


def test_json_formatter_includes_extras():
    entry = json.loads(JsonFormatter().format(_record(symbol="AAPL", attempt=2)))
    assert entry["symbol"] == "AAPL"
    assert entry["attempt"] == 2


def test_json_formatter_encodes_unserialisable_extras_as_text():
    entry = json.loads(JsonFormatter().format(_record(thing=object())))
    assert entry["thing"].startswith("<object object")


def test_json_formatter_includes_exception_info():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("sk.test").makeRecord(
            "sk.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exc_info"]


@pytest.fixture
def restore_logging():
    """dictConfig changes process-wide state; put the root and django loggers back afterwards."""
    loggers = [logging.getLogger(), logging.getLogger("django")]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate) for lg in loggers]
    yield
    for logger, level, handlers, propagate in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate


def test_django_logging_writes_json_lines_at_the_given_level(monkeypatch, restore_logging):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    logging.config.dictConfig(django_logging("warning"))
    logging.getLogger("sk.test.config").info("hidden")
    logging.getLogger("sk.test.config").warning("shown")
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["shown"]
