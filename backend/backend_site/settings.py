"""Backend settings: the one module that reads the environment (through servicekit.env)."""

from __future__ import annotations

from quotes.validation import SYMBOL_PATTERN

from servicekit.env import ConfigError, django_basics, env_float, env_int, env_list, env_str
from servicekit.latency import LATENCY_BUCKETS
from servicekit.logs import django_logging

DEBUG, SECRET_KEY, ALLOWED_HOSTS, LOG_LEVEL = django_basics()

# --- stockwatch backend ---------------------------------------------------------------------
PROVIDERS = ("auto", "yfinance", "simulated")
WATCHLIST = [
    s.upper() for s in env_list("WATCHLIST", ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "TSLA"])
]
if not WATCHLIST or not all(SYMBOL_PATTERN.fullmatch(symbol) for symbol in WATCHLIST):
    raise ConfigError(f"WATCHLIST={','.join(WATCHLIST)!r} must list one or more ticker symbols")
PRICE_PROVIDER = env_str("PRICE_PROVIDER", "simulated").lower()
if PRICE_PROVIDER not in PROVIDERS:
    raise ConfigError(f"PRICE_PROVIDER={PRICE_PROVIDER!r} must be one of {', '.join(PROVIDERS)}")
QUOTE_TTL_SECONDS = env_float("QUOTE_TTL_SECONDS", 30.0, minimum=0)
HISTORY_TTL_SECONDS = env_float("HISTORY_TTL_SECONDS", 300.0, minimum=0)
SIMULATION_SEED = env_int("SIMULATION_SEED", 42)
MAX_SYMBOLS_PER_REQUEST = env_int("MAX_SYMBOLS_PER_REQUEST", 20, minimum=1)
UPSTREAM_TIMEOUT_SECONDS = env_float("UPSTREAM_TIMEOUT_SECONDS", 5.0, minimum=0.1)
FAULT_DELAY_MS = env_int("FAULT_DELAY_MS", 0, minimum=0)
FAULT_ERROR_RATE = env_float("FAULT_ERROR_RATE", 0.0, minimum=0.0, maximum=1.0)

# --- Django -----------------------------------------------------------------------------------
INSTALLED_APPS = ["django_prometheus", "quotes"]
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # CommonMiddleware is what checks the Host header against ALLOWED_HOSTS.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
ROOT_URLCONF = "backend_site.urls"
WSGI_APPLICATION = "backend_site.wsgi.application"
DATABASES: dict = {}  # stateless: quotes live in a per-process cache, not a database
TEMPLATES: list = []
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
APPEND_SLASH = False

# Secure-by-default headers. TLS terminates at the Gateway and in-cluster callers (webui,
# Prometheus) speak plain HTTP to the Service, so HTTPS redirects and HSTS belong to the
# Gateway, not to this process (see SILENCED_SYSTEM_CHECKS).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # CSRF protects cookie-authenticated state changes; this API sets no cookies, has no
    # sessions and no auth, and answers every non-GET with a JSON 405.
    "security.W003",
    "security.W004",  # SECURE_HSTS_SECONDS: HSTS is set where TLS terminates (the Gateway)
    "security.W008",  # SECURE_SSL_REDIRECT: in-cluster HTTP callers must not be redirected
]

LOGGING = django_logging(LOG_LEVEL)
PROMETHEUS_LATENCY_BUCKETS = LATENCY_BUCKETS
