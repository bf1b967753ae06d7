"""The status strip says what happened to the last backend call (issue 20, item 9): a backend
that answered too slowly for the page budget is "too slow", not "unreachable"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from dashboard.backend import BackendClient, CallRecord
from dashboard.budget import Deadline
from django.test import Client

from tests.webui.conftest import BACKEND, break_backend


@pytest.fixture
def slow_client(slow_server) -> Iterator[BackendClient]:
    """A client of a real loopback server that accepts at once and answers only after 3 s."""
    client = BackendClient(slow_server, connect_timeout=0.5, read_timeout=2.0, sleep=lambda _: None)
    yield client
    client.close()


def call_within(client: BackendClient, budget: float) -> CallRecord:
    client.quote("AAPL", Deadline.after(budget)).result()
    client.close()  # the attempt has ended and recorded itself
    assert client.last_call is not None
    return client.last_call


def test_an_answer_later_than_the_page_budget_is_slow_not_unreachable(slow_client):
    record = call_within(slow_client, budget=0.3)
    assert (record.state, record.budget) == ("slow", True)
    assert record.label == "too slow for the page budget"


def test_an_answer_later_than_the_read_timeout_is_slow(slow_server):
    client = BackendClient(slow_server, connect_timeout=0.5, read_timeout=0.3, sleep=lambda _: None)
    record = call_within(client, budget=10.0)
    assert (record.state, record.budget) == ("slow", False)
    assert record.label == "too slow (read timeout)"


def test_a_refused_connection_is_unreachable(backend):
    break_backend(backend, requests.ConnectionError("refused"))
    client = BackendClient(BACKEND, connect_timeout=0.5, read_timeout=2.0, sleep=lambda _: None)
    record = call_within(client, budget=10.0)
    assert record.label == "unreachable"


def test_the_strip_on_the_page_says_the_backend_was_too_slow(settings, slow_server):
    settings.BACKEND_URL = slow_server
    settings.PAGE_BUDGET_SECONDS = 0.3
    browser = Client(raise_request_exception=False)
    browser.get("/")  # its calls run out of budget and record themselves
    html = browser.get("/").content.decode()
    assert "backend too slow for the page budget" in html
    assert "backend unreachable" not in html
