"""Grafana HTTP API for the lab: chaos-window annotations and dashboard screenshots.

The calls follow the pinned release's legacy HTTP API (grafana.com docs, "Annotations HTTP API",
checked 2026-12-07; Grafana 13 keeps /api/annotations beside the new /apis routes). Where the lab's
Grafana 7.5.5 stand-in differs, the method says so (read in github.com/openshift/grafana's source).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlencode

import requests

from chaoslab.browser import ScreenshotError, blank_reason, capture_page, png_size


class GrafanaError(RuntimeError):
    """Grafana refused or could not be reached; the lab reports it and carries on."""


class NoRenderer(GrafanaError):
    """The render API gave no real picture: no renderer deployed, or its placeholder came back."""


# Is every panel of the dashboard on the page drawn? For Grafana 7.5 (the lab) and current
# releases alike: both lay panels out with react-grid-layout (`.react-grid-item`); a row header
# draws nothing; a panel is still drawing while it shows a loading indicator, and drawn once its
# canvas (graph, time series) has ink or, for panels without one, its content has text. A panel
# drawn with "No data" is drawn, and reported as empty. Seen live on 7.5 only.
PANELS_DRAWN_JS = """() => {
  const items = [...document.querySelectorAll('.react-grid-item')]
    .filter(item => !item.querySelector('.dashboard-row, [data-testid*="dashboard-row"]'));
  if (!items.length) return {pending: ['the dashboard grid'], empty: [], drawn: 0};
  const inked = canvas => {
    if (!canvas.width || !canvas.height) return false;
    try {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < data.length; i += 4 * 7) if (data[i]) return true;
      return false;
    } catch (e) { return true; }  // a WebGL canvas cannot be read back: it exists, so it drew
  };
  const result = {pending: [], empty: [], drawn: 0};
  items.forEach((item, index) => {
    const header = item.querySelector('.panel-title-text, [data-testid*="Panel header"] h2, h2');
    const title = ((header && header.textContent) || `panel ${index + 1}`).trim();
    const loading = item.querySelector(
      '.panel-loading, [aria-label="Panel loading bar"], [data-testid*="loading"]');
    const content = item.querySelector(
      '.panel-content, [data-testid="data-testid panel content"]') || item;
    const text = content.innerText || '';
    if (loading) result.pending.push(`${title} (loading)`);
    else if (/No data/i.test(text)) result.empty.push(title);  // 7.5's graph keeps its canvas
    else if ([...content.querySelectorAll('canvas')].some(inked)) result.drawn += 1;
    else if (!content.querySelector('canvas') && text.trim()) result.drawn += 1;
    else result.pending.push(`${title} (not drawn)`);
  });
  return result;
}"""


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _dashboard_query(start: float, end: float, **extra: int) -> str:
    """The dashboard over [start, end] (unix seconds), in kiosk mode: no Grafana menus."""
    return urlencode({"orgId": 1, "from": _ms(start), "to": _ms(end), **extra, "kiosk": 1})


def annotation_tags(dashboard: Mapping) -> list[str]:
    """The tags the dashboard's Grafana tag query shows (empty when it has none): under `target`
    as current releases write it, or at the top level as Grafana 7.5 reads it."""
    for query in (dashboard.get("annotations") or {}).get("list") or []:
        source = query.get("datasource")
        grafana = source == "-- Grafana --" or (isinstance(source, Mapping)
                                                  and source.get("type") == "grafana")  # fmt: skip
        filters = query.get("target") if isinstance(query.get("target"), Mapping) else query
        if grafana and filters.get("type", query.get("type")) == "tags" and filters.get("tags"):
            return [str(tag) for tag in filters["tags"]]
    return []


class GrafanaClient:
    """One Grafana (base URL includes the sub-path, e.g. http://localhost/grafana) and dashboard;
    `dashboard_tags` are the tags its annotation query shows (see annotation_tags), which every
    annotation made here carries; `draw_seconds` bounds a browser capture's wait for the panels."""

    def __init__(
        self,
        base_url: str,
        dashboard_uid: str,
        user: str,
        password: str,
        timeout: float = 10.0,
        dashboard_tags: Sequence[str] = (),
        draw_seconds: float = 90.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.dashboard_uid = dashboard_uid
        self.auth = (user, password) if user else None
        self.timeout = timeout
        self.dashboard_tags = tuple(dashboard_tags)
        self.draw_seconds = draw_seconds

    def _call(
        self, method: str, path: str, timeout: float | None = None, **kwargs: object
    ) -> requests.Response:
        try:
            response = requests.request(method, f"{self.base_url}{path}", auth=self.auth,
                                        timeout=timeout or self.timeout, **kwargs)  # fmt: skip
        except requests.RequestException as error:
            raise GrafanaError(f"Grafana at {self.base_url} is unreachable: {error}") from error
        if response.status_code >= 400:
            raise GrafanaError(
                f"{method} {path} answered {response.status_code}: {response.text[:200]}"
            )
        return response

    def _json(self, method: str, path: str, **kwargs: object) -> object:
        try:
            return self._call(method, path, **kwargs).json()
        except ValueError:
            raise GrafanaError(f"{method} {self.base_url}{path} did not answer JSON") from None

    def version(self) -> str:
        """Grafana's version from /api/health; GrafanaError when it does not answer."""
        return str(self._json("GET", "/api/health").get("version", "unknown"))

    def annotate(
        self, start: float, text: str, tags: Sequence[str], end: float | None = None
    ) -> int:
        """Add an annotation at `start` (unix seconds), a region when `end` is given, tagged with
        the dashboard's tags and `tags`; return its id.

        The body names the dashboard by `dashboardUID`. Grafana 7.5 knows only `dashboardId` and
        ignores the uid, so there the annotation belongs to the whole organisation; either way
        the dashboard shows it through its tag query, which is why `tags` must hold its tags.
        """
        tags = list(dict.fromkeys([*self.dashboard_tags, *tags]))
        body = {"dashboardUID": self.dashboard_uid, "time": _ms(start), "tags": tags, "text": text}
        if end is not None:
            body["timeEnd"] = _ms(end)
        return int(self._json("POST", "/api/annotations", json=body)["id"])

    def update_annotation(
        self, annotation_id: int, end: float | None = None, text: str = ""
    ) -> None:
        """Move a region's end to `end` and/or replace its text (PATCH keeps what it is not
        given; on 7.5 too, where a PATCH with `timeEnd` turns a point into a region)."""
        body: dict[str, object] = {"text": text} if text else {}
        if end is not None:
            body["timeEnd"] = _ms(end)
        self._call("PATCH", f"/api/annotations/{annotation_id}", json=body)

    def delete_annotation(self, annotation_id: int) -> None:
        self._call("DELETE", f"/api/annotations/{annotation_id}")

    def annotations(
        self, start: float, end: float, tags: Sequence[str], match_any: bool = True
    ) -> list[dict]:
        """The annotations over [start, end] with `tags`: what a dashboard's tag query asks."""
        query = {
            "from": _ms(start),
            "to": _ms(end),
            "tags": list(tags),
            "matchAny": str(match_any).lower(),
            "type": "annotation",
            "limit": 100,
        }
        return list(self._json("GET", f"/api/annotations?{urlencode(query, doseq=True)}"))

    def dashboard(self) -> dict:
        """The dashboard's JSON as Grafana serves it (7.5: as the lab's entrypoint rewrote it)."""
        return dict(self._json("GET", f"/api/dashboards/uid/{self.dashboard_uid}")["dashboard"])

    def renderer_available(self) -> bool:
        """Whether Grafana has an image renderer: `rendererAvailable` of its frontend settings
        (7.5 and current releases both publish it)."""
        return bool(self._json("GET", "/api/frontend/settings").get("rendererAvailable"))

    def dashboard_url(self, start: float, end: float) -> str:
        return f"{self.base_url}/d/{self.dashboard_uid}?{_dashboard_query(start, end)}"

    def render(self, start: float, end: float, target: Path, width: int = 1600) -> None:
        """Save the whole dashboard as PNG through the render API; NoRenderer when there is none.

        Without a renderer Grafana does not refuse: /render answers 200 image/png with its small
        "rendering plugin not installed" picture (7.5.5 and current source alike). So a picture
        counts only when Grafana says it has a renderer and the PNG is as wide as asked.
        """
        if not self.renderer_available():
            raise NoRenderer("Grafana has no image renderer (rendererAvailable is false)")
        query = _dashboard_query(start, end, width=width, height=-1)
        response = self._call("GET", f"/render/d/{self.dashboard_uid}?{query}", timeout=120)
        if not response.headers.get("content-type", "").startswith("image/png"):
            raise NoRenderer(f"/render answered {response.headers.get('content-type')}, not PNG")
        try:
            got = png_size(response.content)
        except ScreenshotError as error:
            raise NoRenderer(f"/render answered {error}") from None
        if got[0] != width:
            raise NoRenderer(f"/render answered a {got[0]}x{got[1]} picture for a {width} px "
                             f"wide dashboard: a placeholder, not a render")  # fmt: skip
        reason = blank_reason(response.content)
        if reason:
            raise NoRenderer(f"/render answered a picture that shows nothing ({reason})")
        target.write_bytes(response.content)

    def browser_screenshot(self, start: float, end: float, target: Path, chromium: str) -> str:
        """The dashboard in kiosk mode in a headless Chromium, once every panel has drawn, in a
        window as tall as the whole dashboard; what it shows, or GrafanaError."""
        try:
            capture = capture_page(chromium, self.dashboard_url(start, end), target,
                                   PANELS_DRAWN_JS, deadline=self.draw_seconds,
                                   credentials=self.auth)  # fmt: skip
        except ScreenshotError as error:
            raise GrafanaError(str(error)) from error
        empty = capture.state.empty
        without = f"; drawn without data: {', '.join(empty)}" if empty else ""
        return (f"headless Chromium, {capture.width}x{capture.height} px, every panel drawn after "
                f"{capture.waited:.0f}s ({capture.state.drawn} with data{without})")  # fmt: skip

    def capture(self, start: float, end: float, target: Path, chromium: str) -> str:
        """The dashboard over [start, end] as PNG at `target`: from the image renderer when there
        is a real one, else from the browser. Returns how it was made; GrafanaError if neither."""
        try:
            self.render(start, end, target)
            return "Grafana's image renderer"
        except NoRenderer as error:
            why = str(error)
        except GrafanaError as error:
            why = f"the render API failed ({error})"
        try:
            return f"{self.browser_screenshot(start, end, target, chromium)}; not rendered: {why}"
        except GrafanaError as error:
            raise GrafanaError(f"{why}, and the browser capture failed: {error}") from error
