"""Quotes app: validation, price providers, the quote cache and the JSON API views."""
