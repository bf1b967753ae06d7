"""Django project of the stockwatch web dashboard."""

VERSION = "0.1.0"
