"""Routes of the backend; anything else is a JSON 404."""

from django.urls import include, path
from quotes.views import readyz

from servicekit.health import healthz
from servicekit.metrics import metrics_view

urlpatterns = [
    path("api/v1/", include("quotes.urls")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]

handler400 = "servicekit.health.handler400"
handler403 = "servicekit.health.handler403"
handler404 = "servicekit.health.handler404"
handler500 = "servicekit.health.handler500"
