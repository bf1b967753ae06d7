"""Grafana annotations, render API and browser screenshot, against a loopback fake Grafana."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chaoslab.grafana import GrafanaClient, GrafanaError

from tests.lab.fake_grafana import PASSWORD, PNG, USER, fake_grafana

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "lab"


def grafana_client(base_url: str, password: str = PASSWORD) -> GrafanaClient:
    return GrafanaClient(base_url, "stockwatch", USER, password)


def test_an_annotation_is_posted_on_the_dashboard_in_milliseconds_with_tags():
    with fake_grafana() as grafana:
        annotation_id = grafana_client(grafana.base_url).annotate(
            1767607320.5, "chaos: PodChaos", ["chaoslab", "pod-kill"]
        )
    assert grafana.annotations[annotation_id] == {
        "dashboardUID": "stockwatch",
        "time": 1767607320500,
        "tags": ["chaoslab", "pod-kill"],
        "text": "chaos: PodChaos",
    }


def test_ending_a_region_patches_its_end_time():
    with fake_grafana() as grafana:
        client = grafana_client(grafana.base_url)
        annotation_id = client.annotate(1767607320, "chaos", ["chaoslab"])
        client.end_region(annotation_id, 1767607350)
    assert grafana.annotations[annotation_id]["timeEnd"] == 1767607350000


def test_a_wrong_password_is_an_error_that_names_the_status():
    with fake_grafana() as grafana, pytest.raises(GrafanaError, match="401"):
        grafana_client(grafana.base_url, password="wrong").annotate(0, "x", [])


def test_render_saves_the_png_when_an_image_renderer_is_deployed(tmp_path: Path):
    target = tmp_path / "dashboard.png"
    with fake_grafana(renderer=True) as grafana:
        assert grafana_client(grafana.base_url).render(1767607200, 1767607530, target)
    assert target.read_bytes() == PNG
    assert (
        "/render/d/stockwatch?orgId=1&from=1767607200000&to=1767607530000" in grafana.requests[0][1]
    )


def test_render_reports_false_without_an_image_renderer(tmp_path: Path):
    target = tmp_path / "dashboard.png"
    with fake_grafana(renderer=False) as grafana:
        assert not grafana_client(grafana.base_url).render(0, 1, target)
    assert not target.exists()


@pytest.mark.slow
def test_browser_screenshot_captures_the_dashboard_in_kiosk_mode():
    if shutil.which("chromium") is None:
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    target = ARTIFACTS / "grafana-browser-screenshot.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    with fake_grafana() as grafana:
        grafana_client(grafana.base_url).browser_screenshot(
            1767607200, 1767607530, target, "chromium"
        )
    assert target.read_bytes().startswith(b"\x89PNG")
    assert any(path.startswith("/grafana/d/stockwatch?") and "kiosk=1" in path
               for _, path in grafana.requests)  # fmt: skip


def test_browser_screenshot_without_chromium_is_a_clear_error(tmp_path: Path):
    with fake_grafana() as grafana, pytest.raises(GrafanaError, match="no Chromium"):
        grafana_client(grafana.base_url).browser_screenshot(
            0, 1, tmp_path / "x.png", "no-such-browser"
        )
