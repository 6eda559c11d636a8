"""Issue 14, item 2: View > Engine says what the diffusion engine is missing before switching;
a switch that fails leaves the previous engine running and says what to put where."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.diffusion.loading import PARTS


@pytest.fixture
def models(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "models"
    root.mkdir()
    monkeypatch.setenv("MOEE_MODELS", str(root))
    return root


def test_menu_disables_diffusion_and_names_what_goes_where(window, models, errors):
    window.engine_menu.aboutToShow.emit()
    action = window.engine_actions["diffusion"]
    assert not action.isEnabled() and "missing" in action.text()
    assert str(models / "sd15" / "unet") in action.toolTip() and "put" in action.toolTip()
    assert window.engine_actions["rig"].isEnabled() and window.engine_actions["rig"].isChecked()
    window.switch_engine("diffusion")  # e.g. a shortcut or a stale menu
    title, text = errors[-1]
    assert title == "Cannot use the diffusion engine"
    assert text.count(". ") == 0 and text.endswith(".") and str(models) in text  # one sentence
    required = [p for p in PARTS if p.required]
    assert all(str(models / p.rel) in errors.details[-1] for p in required)
    assert window.session.engine_name == "rig"
    assert window.status_labels["engine"].text() == "engine: rig"


def test_a_failed_switch_returns_to_the_previous_engine(window, models, errors, qtbot):
    for part in PARTS:  # every folder "there", none loadable: the load itself fails
        (models / part.rel).mkdir(parents=True, exist_ok=True)
        (models / part.rel / "config.json").write_text("{}")
    (models / "sd15" / "scheduler" / "scheduler_config.json").write_text("{}")
    rig = window.session.engine
    window.engine_menu.aboutToShow.emit()
    assert window.engine_actions["diffusion"].isEnabled()
    window.engine_actions["diffusion"].trigger()
    qtbot.waitUntil(lambda: bool(errors), timeout=120000)
    assert errors[-1][0] == "Cannot use the diffusion engine" and "rig" in errors[-1][1]
    assert window.session.engine is rig and window.session.engine_name == "rig"
    assert window.session.portrait is not None
    assert window.status_labels["engine"].text() == "engine: rig"
    assert window.engine_actions["rig"].isChecked()
    assert window.settings.value("engine") != "diffusion"
    before = window.preview.frames_shown
    window.solo(0)  # the preview keeps working on the rig
    qtbot.waitUntil(lambda: window.preview.frames_shown > before, timeout=10000)
