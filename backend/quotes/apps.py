"""Django app config of quotes: publishes the build info once the app is loaded."""

from django.apps import AppConfig

from servicekit.metrics import register_build_info


class QuotesConfig(AppConfig):
    name = "quotes"

    def ready(self) -> None:
        from backend_site import __version__

        register_build_info("backend", __version__)
