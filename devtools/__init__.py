"""Helpers for the repository's own generators (not shipped in any image)."""
