"""Routes of the webui; anything else is the friendly 404 page."""

from dashboard import views
from django.urls import path

from servicekit.health import healthz
from servicekit.metrics import metrics_view

urlpatterns = [
    path("", views.watchlist, name="watchlist"),
    path("live/watchlist", views.watchlist_live, name="watchlist-live"),
    path("symbol/<str:symbol>", views.symbol, name="symbol"),
    path("healthz", healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]

handler404 = "dashboard.views.not_found"
handler500 = "dashboard.views.server_error"
