"""`{% watchlist_row row %}`: one watchlist row, rendered once for the same quote and line.

A row is a pure function of its quote (a quote changes at most once per backend quote TTL), yet
every page and every live refresh drew all of them again: most of a page's template work."""

from __future__ import annotations

import functools

from django import template
from django.template import loader
from django.utils.safestring import SafeString, mark_safe

from dashboard.pages import Row

register = template.Library()

# A few watchlists' worth of rows: the current quotes and the ones they replace.
ROWS_KEPT = 256


@register.simple_tag
def watchlist_row(row: Row) -> SafeString:
    return _rendered(row)


@functools.lru_cache(maxsize=ROWS_KEPT)
def _rendered(row: Row) -> SafeString:
    # The row template escapes what it shows; the result is safe HTML.
    return mark_safe(loader.get_template("dashboard/_watchlist_row.html").render({"row": row}))  # noqa: S308
