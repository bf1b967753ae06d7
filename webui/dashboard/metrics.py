"""The webui's own Prometheus series (names and labels per docs/architecture.md)."""

from prometheus_client import Counter, Histogram

from servicekit.metrics import LATENCY_BUCKETS

UPSTREAM_REQUEST_SECONDS = Histogram(
    "stockwatch_webui_upstream_request_seconds",
    "Duration of one HTTP attempt from the webui to the backend.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
UPSTREAM_ERRORS = Counter(
    "stockwatch_webui_upstream_errors_total",
    "Failed HTTP attempts from the webui to the backend, by reason.",
    ["reason"],
)
DEGRADED_PAGES = Counter(
    "stockwatch_webui_degraded_pages_total",
    "Pages rendered without fresh backend data (last-good data or an error state).",
    ["page"],
)
