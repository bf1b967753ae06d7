"""Shared kit of the stockwatch Django services: env config, JSON logs, gunicorn, metrics."""
