"""Grafana HTTP API for the lab: chaos-window annotations and dashboard screenshots."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlencode

import requests


class GrafanaError(RuntimeError):
    """Grafana refused or could not be reached; the lab reports it and carries on."""


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _dashboard_query(start: float, end: float, **extra: int) -> str:
    """The dashboard over [start, end] (unix seconds), in kiosk mode: no Grafana menus."""
    return urlencode({"orgId": 1, "from": _ms(start), "to": _ms(end), **extra, "kiosk": 1})


class GrafanaClient:
    """One Grafana (base URL includes the sub-path, e.g. http://localhost/grafana) and dashboard."""

    def __init__(
        self, base_url: str, dashboard_uid: str, user: str, password: str, timeout: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.dashboard_uid = dashboard_uid
        self.auth = (user, password) if user else None
        self.timeout = timeout

    def _call(self, method: str, path: str, **kwargs: object) -> requests.Response:
        try:
            response = requests.request(
                method, f"{self.base_url}{path}", auth=self.auth, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as error:
            raise GrafanaError(f"Grafana at {self.base_url} is unreachable: {error}") from error
        if response.status_code >= 400:
            raise GrafanaError(
                f"{method} {path} answered {response.status_code}: {response.text[:200]}"
            )
        return response

    def version(self) -> str:
        """Grafana's version from /api/health; GrafanaError when it does not answer."""
        response = self._call("GET", "/api/health")
        try:
            return str(response.json().get("version", "unknown"))
        except ValueError:
            raise GrafanaError(f"{self.base_url}/api/health did not answer JSON") from None

    def annotate(self, at: float, text: str, tags: list[str]) -> int:
        """Add an annotation on the dashboard at `at` (unix seconds); return its id."""
        body = {"dashboardUID": self.dashboard_uid, "time": _ms(at), "tags": tags, "text": text}
        return int(self._call("POST", "/api/annotations", json=body).json()["id"])

    def end_region(self, annotation_id: int, until: float) -> None:
        """Turn a point annotation into a region ending at `until`."""
        self._call("PATCH", f"/api/annotations/{annotation_id}", json={"timeEnd": _ms(until)})

    def dashboard_url(self, start: float, end: float) -> str:
        return f"{self.base_url}/d/{self.dashboard_uid}?{_dashboard_query(start, end)}"

    def render(self, start: float, end: float, target: Path, width: int = 1600) -> bool:
        """Save a PNG from the render API; False when no image renderer is deployed."""
        query = _dashboard_query(start, end, width=width, height=-1)
        try:
            response = self._call("GET", f"/render/d/{self.dashboard_uid}?{query}")
        except GrafanaError:
            return False
        if not response.headers.get("content-type", "").startswith("image/png"):
            return False
        target.write_bytes(response.content)
        return True

    def browser_screenshot(self, start: float, end: float, target: Path, chromium: str) -> None:
        """Screenshot the dashboard in kiosk mode with a headless Chromium."""
        from playwright.sync_api import Error, sync_playwright  # only this path needs a browser

        executable = shutil.which(chromium)
        if executable is None:
            raise GrafanaError(f"no Chromium at '{chromium}' (set CHAOSLAB_CHROMIUM)")
        credentials = {"username": self.auth[0], "password": self.auth[1]} if self.auth else None
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable)
                try:
                    page = browser.new_page(
                        viewport={"width": 1600, "height": 1000}, http_credentials=credentials
                    )
                    page.goto(self.dashboard_url(start, end), wait_until="networkidle")
                    page.screenshot(path=str(target), full_page=True)
                finally:
                    browser.close()
        except Error as error:
            raise GrafanaError(f"browser screenshot failed: {error}") from error
