"""The webui's own Prometheus series (names and labels per docs/architecture.md)."""

from prometheus_client import Counter, Histogram

from servicekit.latency import LATENCY_BUCKETS

PAGES = ("watchlist", "symbol")  # the live fragment counts as the watchlist
ENDPOINTS = ("quotes", "history")
ERROR_REASONS = ("timeout", "connection", "http_5xx", "bad_payload")

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
UPSTREAM_SHED = Counter(
    "stockwatch_webui_upstream_shed_total",
    "Backend calls refused locally because the concurrency limit was reached.",
    ["endpoint"],
)
DEGRADED_PAGES = Counter(
    "stockwatch_webui_degraded_pages_total",
    "Pages rendered without fresh backend data (last-good data or an error state).",
    ["page"],
)
PAGE_BUDGET_OVERRUNS = Counter(
    "stockwatch_webui_page_budget_overruns_total",
    "Pages with a backend call cut by the page budget: the page stopped waiting, or the call's "
    "socket timeout clipped to the budget fired.",
    ["page"],
)


def create_every_series() -> None:
    """Create each known label value, so every series is exported (as 0) from the start: a panel
    whose true value is zero must show 0, not "No data". Serving processes call this at start."""
    for endpoint in ENDPOINTS:
        UPSTREAM_REQUEST_SECONDS.labels(endpoint=endpoint)
        UPSTREAM_SHED.labels(endpoint=endpoint)
    for reason in ERROR_REASONS:
        UPSTREAM_ERRORS.labels(reason=reason)
    for page in PAGES:
        DEGRADED_PAGES.labels(page=page)
        PAGE_BUDGET_OVERRUNS.labels(page=page)
