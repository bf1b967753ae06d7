"""Read a Prometheus text exposition (/metrics) with prometheus_client's own parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.support.http import get


def samples(exposition: str, name: str, **labels: str) -> list[Sample]:
    """Every sample named `name` (a counter's `_total` name included) whose labels include
    `labels`: each with its `labels` and `value`."""
    return [
        sample
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]


def sample_sum(exposition: str, name: str, **labels: str) -> float:
    """The sum over the matching samples (0 when there is none)."""
    return sum(sample.value for sample in samples(exposition, name, **labels))


def scrape(url: str, timeout: float = 5.0) -> str:
    """The exposition a /metrics URL serves; AssertionError when it does not answer 200."""
    status, body = get(url, timeout)
    assert status == 200, f"{url} answered {status}: {body[:300]}"
    return body
