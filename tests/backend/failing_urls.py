"""A URLconf with one view that raises, to exercise the JSON handler500 in tests."""

from django.urls import path


def boom(request):
    raise RuntimeError("unexpected")


urlpatterns = [path("boom", boom)]

handler500 = "servicekit.health.handler500"
