"""The backend's own Prometheus metrics (request metrics come from django-prometheus)."""

from prometheus_client import Counter, Gauge, Histogram

# Simulated answers take microseconds, Yahoo hundreds of milliseconds: cover both.
FETCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

UPSTREAM_FETCH_SECONDS = Histogram(
    "stockwatch_upstream_fetch_seconds",
    "Time one provider call took (successful or not).",
    ["provider", "operation"],
    buckets=FETCH_BUCKETS,
)
UPSTREAM_ERRORS = Counter(
    "stockwatch_upstream_errors",
    "Provider calls that failed, by reason.",
    ["provider", "reason"],
)
CACHE_REQUESTS = Counter(
    "stockwatch_cache_requests",
    "Cache lookups: hit (fresh), miss (fetched upstream) or stale (last good value served).",
    ["cache", "result"],
)
QUOTE_PRICE = Gauge(
    "stockwatch_quote_price",
    "Last fetched price of each watchlist symbol.",
    ["symbol", "source"],
    multiprocess_mode="mostrecent",
)
