"""API v1 routes, mounted under /api/v1/."""

from django.urls import path

from quotes import views

urlpatterns = [
    path("symbols", views.symbols, name="symbols"),
    path("quotes", views.quote_list, name="quotes"),
    path("quotes/<str:symbol>", views.quote_detail, name="quote"),
    path("quotes/<str:symbol>/history", views.history, name="history"),
    path("openapi.json", views.openapi, name="openapi"),
]
