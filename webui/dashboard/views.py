"""HTTP views: thin wrappers that render what `pages` assembles."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache

from dashboard import formatting, pages
from dashboard.backend import BackendRejected
from dashboard.metrics import DEGRADED_PAGES, PAGE_BUDGET_OVERRUNS


def _render_page(
    request: HttpRequest,
    template: str,
    name: str,
    page: pages.WatchlistPage | pages.SymbolPage,
    **context,
) -> HttpResponse:
    """Render a page assembled by `pages`, counting it when it lacks fresh backend data."""
    if page.degraded or page.unavailable:
        DEGRADED_PAGES.labels(page=name).inc()
    if page.overran:
        PAGE_BUDGET_OVERRUNS.labels(page=name).inc()
    data_age = formatting.age(page.data_since, datetime.now(UTC))
    # With nothing to show, say so in the status code too (never a 500 for a backend outage).
    return render(
        request,
        template,
        {"page": page, "data_age": data_age, **context},
        status=503 if page.unavailable else 200,
    )


def _render_watchlist(request: HttpRequest, template: str) -> HttpResponse:
    page = pages.watchlist_page(pages.client(), pages.deadline())
    return _render_page(request, template, "watchlist", page)


@never_cache
def watchlist(request: HttpRequest) -> HttpResponse:
    return _render_watchlist(request, "dashboard/watchlist.html")


@never_cache
def watchlist_live(request: HttpRequest) -> HttpResponse:
    """The parts of `/` that change, for the page's script to swap in without a reload."""
    return _render_watchlist(request, "dashboard/watchlist_live.html")


@never_cache
def symbol(request: HttpRequest, symbol: str) -> HttpResponse:
    canonical = symbol.upper()
    if not pages.SYMBOL.fullmatch(canonical):
        raise Http404("not a ticker symbol")
    period = request.GET.get("period", "1d")
    if period not in pages.PERIODS:
        period = "1d"
    if canonical != symbol:
        return redirect(f"{reverse('symbol', args=[canonical])}?period={period}")
    try:
        page = pages.symbol_page(pages.client(), canonical, period, pages.deadline())
    except BackendRejected as rejection:
        raise Http404(rejection.message) from rejection
    return _render_page(
        request, "dashboard/symbol.html", "symbol", page, periods=list(pages.PERIODS)
    )


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when pages can render: the static manifest is there. The backend is reported, not
    required: serving last-good data while the backend is down is this service's job."""
    last = pages.client().last_call
    # In DEBUG, WhiteNoise serves straight from the app folders; no manifest is needed.
    collected = settings.DEBUG or staticfiles_storage.exists("staticfiles.json")
    checks = {
        "static_files": "ok" if collected else "missing",
        "backend": last.state if last else "unknown",
    }
    body = {"status": "ready" if collected else "not_ready", "checks": checks}
    return JsonResponse(body, status=200 if collected else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler404: a friendly page with a way back."""
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: a static page, no stack trace, no context that could fail again."""
    return HttpResponseServerError(loader.render_to_string("500.html"))
