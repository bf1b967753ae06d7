"""Production gunicorn config of the backend: the shared settings, with the backend's app port."""

from servicekit import gunicorn_conf

globals().update(gunicorn_conf.server_settings(default_app_bind="0.0.0.0:8000"))
