"""Moved to tests/support/polling.py (the one poller); kept for test_grafana.py until it imports
from there."""

from tests.support.polling import NotYet, Sampler, wait_for

__all__ = ["NotYet", "Sampler", "wait_for"]
