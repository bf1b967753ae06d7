"""Grafana annotations, the render API and the browser fallback, against a loopback fake Grafana
(tests/lab/fake_grafana.py: no Grafana runs here; the real check is the lab cluster's)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from chaoslab import config
from chaoslab.grafana import GrafanaClient, GrafanaError, NoRenderer, annotation_tags
from PIL import Image

from tests.lab.fake_grafana import LINE, PANEL_HEIGHT, PASSWORD, PLACEHOLDER, USER, fake_grafana

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "lab"
START, END = 1767607200, 1767607530


def grafana_client(base_url: str, password: str = PASSWORD, **options: object) -> GrafanaClient:
    return GrafanaClient(base_url, "stockwatch", USER, password, dashboard_tags=["chaos"],
                         **options)  # fmt: skip


def needs_chromium() -> None:
    if shutil.which("chromium") is None:
        pytest.fail("no Chromium: apt-get install chromium (or set CHAOSLAB_CHROMIUM)")


def test_the_dashboards_annotation_query_gives_the_tags_in_both_shapes():
    # as grafana/dashboard.py writes it (current releases read the filter under `target`) ...
    assert config.dashboard_tags() == ("chaos",)
    # ... and as the lab's entrypoint rewrites it for Grafana 7.5 (filter at the top level)
    seven = {"annotations": {"list": [
        {"builtIn": 1, "datasource": "-- Grafana --", "type": "dashboard"},
        {"datasource": "-- Grafana --", "type": "tags", "tags": ["chaos"], "matchAny": True},
    ]}}  # fmt: skip
    assert annotation_tags(seven) == ["chaos"]


def test_an_annotation_is_a_region_in_milliseconds_with_the_dashboards_tags_first():
    with fake_grafana() as grafana:
        annotation_id = grafana_client(grafana.base_url).annotate(
            1767607320.5, "chaos: pod-kill", ["chaoslab", "pod-kill"], end=1767607350
        )
    assert grafana.annotations[annotation_id] == {
        "dashboardUID": "stockwatch",
        "time": 1767607320500,
        "timeEnd": 1767607350000,
        "tags": ["chaos", "chaoslab", "pod-kill"],
        "text": "chaos: pod-kill",
    }


def test_a_region_gets_its_real_end_and_then_its_verdict():
    with fake_grafana() as grafana:
        client = grafana_client(grafana.base_url)
        annotation_id = client.annotate(1767607320, "chaos: pod-kill", ["chaoslab"], 1767607350)
        client.update_annotation(annotation_id, end=1767607353)
        client.update_annotation(annotation_id, text="chaos: pod-kill - passed")
        [found] = client.annotations(START, END, ["chaos"])
        client.delete_annotation(annotation_id)
    assert (found["timeEnd"], found["text"]) == (1767607353000, "chaos: pod-kill - passed")
    assert grafana.annotations == {}


def test_a_wrong_password_is_an_error_that_names_the_status():
    with fake_grafana() as grafana, pytest.raises(GrafanaError, match="401"):
        grafana_client(grafana.base_url, password="wrong").annotate(0, "x", [])


def test_render_saves_the_png_when_an_image_renderer_is_deployed(tmp_path: Path):
    target = tmp_path / "dashboard.png"
    with fake_grafana(renderer=True) as grafana:
        grafana_client(grafana.base_url).render(START, END, target)
    assert Image.open(target).width == 1600
    assert any(path.startswith(f"/grafana/render/d/stockwatch?orgId=1&from={START}000&to={END}000")
               for _, path in grafana.requests)  # fmt: skip


def test_without_a_renderer_the_placeholder_grafana_answers_is_no_picture(tmp_path: Path):
    target = tmp_path / "dashboard.png"
    with fake_grafana(renderer=False) as grafana, pytest.raises(NoRenderer, match="no image"):
        grafana_client(grafana.base_url).render(START, END, target)
    assert not target.exists()


def test_a_placeholder_from_a_renderer_that_claims_to_be_there_is_no_picture(tmp_path: Path):
    # Told apart by behaviour, not by its bytes: 478 px wide for a 1600 px wide dashboard.
    target = tmp_path / "dashboard.png"
    placeholder = "478x208 picture for a 1600 px wide dashboard"
    with (
        fake_grafana(renderer=True, renders=False) as grafana,
        pytest.raises(NoRenderer, match=placeholder),
    ):
        grafana_client(grafana.base_url).render(START, END, target)
    assert not target.exists() and PLACEHOLDER.startswith(b"\x89PNG")


@pytest.mark.slow
def test_without_a_renderer_the_capture_falls_back_to_the_browser_and_waits_for_the_panels():
    needs_chromium()
    target = ARTIFACTS / "grafana-browser-capture.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    with fake_grafana(renderer=False, panels=6, draw_after_ms=1500) as grafana:
        how = grafana_client(grafana.base_url).capture(START, END, target, "chromium")
    assert how.startswith("headless Chromium, 1600x")
    assert "every panel drawn" in how and "(6 with data)" in how
    assert "not rendered: Grafana has no image renderer" in how
    image = Image.open(io.BytesIO(target.read_bytes())).convert("RGB")
    assert image.height >= 6 * PANEL_HEIGHT  # the whole dashboard, not the first 1000 px
    bottom = image.crop((0, image.height - PANEL_HEIGHT, image.width, image.height))
    assert LINE in {colour for _, colour in bottom.getcolors(1 << 20)}  # the last panel drew
    assert any(path.startswith("/grafana/d/stockwatch?") and "kiosk=1" in path
               for _, path in grafana.requests)  # fmt: skip


def test_browser_capture_without_chromium_is_a_clear_error(tmp_path: Path):
    with fake_grafana() as grafana, pytest.raises(GrafanaError, match="no Chromium"):
        grafana_client(grafana.base_url).capture(0, 1, tmp_path / "x.png", "no-such-browser")
