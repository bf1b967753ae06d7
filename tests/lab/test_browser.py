"""Web dashboard screenshots: what happens without Chromium or without a configured URL."""

from __future__ import annotations

import pytest
from chaoslab.browser import ScreenshotError, screenshot
from chaoslab.results import ExperimentResult
from chaoslab.runner import LabRunner

from tests.lab.builders import SPEC
from tests.lab.synthetic import pod_kill


def test_a_missing_chromium_is_named_with_the_knob_to_set(tmp_path):
    with pytest.raises(ScreenshotError, match="CHAOSLAB_CHROMIUM"):
        screenshot("no-such-chromium", "http://127.0.0.1:30080/", tmp_path / "webui.png")


def test_a_missing_chromium_becomes_a_note_in_the_report_not_an_error(tmp_path):
    runner = LabRunner(SPEC, None, None, chromium="no-such-chromium",
                       webui_url="http://127.0.0.1:30080/")  # fmt: skip
    result = ExperimentResult(pod_kill().experiment)
    runner.capture_webui(result, tmp_path, "during")
    assert result.webui_screenshots == []
    assert result.notes == [
        "No web dashboard screenshot during the fault: no Chromium at 'no-such-chromium' "
        "(install it or set CHAOSLAB_CHROMIUM)."
    ]


def test_without_a_webui_url_nothing_is_captured(tmp_path):
    runner = LabRunner(SPEC, None, None, chromium="no-such-chromium")
    result = ExperimentResult(pod_kill().experiment)
    runner.capture_webui(result, tmp_path, "after")
    assert (result.webui_screenshots, result.notes) == ([], [])
