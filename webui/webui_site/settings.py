"""Webui settings: the one module that reads the environment (through servicekit.env)."""

from __future__ import annotations

from pathlib import Path

from servicekit.env import django_basics, env_float, env_int, env_str
from servicekit.latency import LATENCY_BUCKETS
from servicekit.logs import django_logging

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG, SECRET_KEY, ALLOWED_HOSTS, LOG_LEVEL = django_basics()

# --- stockwatch webui -----------------------------------------------------------------------
BACKEND_URL = env_str("BACKEND_URL", "http://127.0.0.1:8000").rstrip("/")
# A headless Service listing the backend's ready pods: when set, each backend call goes to the
# pod that answers fastest (dashboard/balancing.py), not to the one the Service picks at random.
BACKEND_PODS_HOST = env_str("BACKEND_PODS_HOST", "")
BACKEND_CONNECT_TIMEOUT = env_float("BACKEND_CONNECT_TIMEOUT", 0.5, minimum=0.01)
BACKEND_READ_TIMEOUT = env_float("BACKEND_READ_TIMEOUT", 2.0, minimum=0.01)
# A page answers within PAGE_BUDGET_SECONDS with whatever the backend delivered by then, the
# rest from last-good data; every backend call's timeouts are clipped to what is left of it.
PAGE_BUDGET_SECONDS = env_float("PAGE_BUDGET_SECONDS", 1.0, minimum=0.05)
# Backend calls in flight per worker process; one more is shed at once instead of queueing.
BACKEND_MAX_IN_FLIGHT = env_int("BACKEND_MAX_IN_FLIGHT", 8, minimum=1)
# How long the symbol page reuses a history it fetched (histories change slowly).
HISTORY_CACHE_SECONDS = env_float("HISTORY_CACHE_SECONDS", 60.0, minimum=0)
REFRESH_SECONDS = env_int("REFRESH_SECONDS", 10, minimum=1)
GRAFANA_URL = env_str("GRAFANA_URL", "/grafana/")
PROMETHEUS_URL = env_str("PROMETHEUS_URL", "/prometheus/")

# --- Django -----------------------------------------------------------------------------------
INSTALLED_APPS = ["django.contrib.staticfiles", "django_prometheus", "dashboard"]
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
ROOT_URLCONF = "webui_site.urls"
WSGI_APPLICATION = "webui_site.wsgi.application"
DATABASES: dict = {}  # stateless: everything shown comes from the backend API
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["dashboard.context_processors.status_strip"]},
    }
]
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
APPEND_SLASH = False

# Static files are collected at image build time and served by WhiteNoise (no CDN, no nginx);
# hashed names let browsers cache them forever.
STATIC_URL = "static/"
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STORAGES = {
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Secure-by-default headers. TLS terminates at the Gateway (see SILENCED_SYSTEM_CHECKS).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SILENCED_SYSTEM_CHECKS = [
    "security.W004",  # SECURE_HSTS_SECONDS: HSTS is set where TLS terminates (the Gateway)
    "security.W008",  # SECURE_SSL_REDIRECT: the kind Gateway serves plain http://localhost
]

LOGGING = django_logging(LOG_LEVEL)
PROMETHEUS_LATENCY_BUCKETS = LATENCY_BUCKETS
