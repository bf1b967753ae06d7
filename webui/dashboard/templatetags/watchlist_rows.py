"""`{% watchlist_table page %}` and `{% watchlist_row row %}`: the watchlist's table and each of
its rows, rendered once for the same data.

Both are pure functions of what the backend answered (a quote changes at most once per backend
quote TTL), yet every page and every live refresh drew them again: most of a page's template
work. What changes per request (the status strip, the data age) stays outside them."""

from __future__ import annotations

import dataclasses
import functools

from django import template
from django.conf import settings
from django.template import loader
from django.utils.safestring import SafeString, mark_safe

from dashboard.pages import Row, WatchlistPage

register = template.Library()

# A few watchlists' worth of rows: the current quotes and the ones they replace.
ROWS_KEPT = 256
# The current table and the one it replaces, in its fresh, degraded and unavailable states.
TABLES_KEPT = 8


@register.simple_tag
def watchlist_table(page: WatchlistPage) -> SafeString:
    # The refresh period is a setting: part of the key, so that a changed setting shows.
    return _rendered_table(_as_shown(page), settings.REFRESH_SECONDS)


@register.simple_tag
def watchlist_row(row: Row) -> SafeString:
    return _rendered_row(row)


def _as_shown(page: WatchlistPage) -> WatchlistPage:
    """The page as the table shows it: when its data was fetched only in the degraded banner (a
    fresh page's fetch time changes with every call), whether it overran its budget not at all."""
    return dataclasses.replace(
        page, fetched_at=page.fetched_at if page.degraded else None, overran=False
    )


@functools.lru_cache(maxsize=TABLES_KEPT)
def _rendered_table(page: WatchlistPage, refresh_seconds: int) -> SafeString:
    context = {"page": page, "refresh_seconds": refresh_seconds}
    # The template escapes what it shows; the result is safe HTML.
    return mark_safe(loader.get_template("dashboard/_watchlist.html").render(context))  # noqa: S308


@functools.lru_cache(maxsize=ROWS_KEPT)
def _rendered_row(row: Row) -> SafeString:
    return mark_safe(loader.get_template("dashboard/_watchlist_row.html").render({"row": row}))  # noqa: S308
