"""Django project of the stockwatch backend (settings, URLs, WSGI entry point)."""

__version__ = "1.0.0"
