"""A portrait, voice or engine still loading when another project takes over (File > New, Open)
belongs to the project before: its late result never lands in the new one (fuzz: a portrait
opened just before File > New became the new project's portrait). Real window, real files."""
from __future__ import annotations

import numpy as np
import pytest

from app.ui_constants import SAMPLE_VOICE
from core.project import CHANGE_MEDIA, Project, save_project
from tests.app.conftest import PaintEngine


def _switch(window, how: str, tmp_path) -> None:
    if how == "new":
        window.new_project()
    else:  # a project with the sample portrait and voice, the ones on screen
        path = tmp_path / "other.moee.json"
        save_project(Project(audio_path=str(SAMPLE_VOICE)), path)
        assert window.open_project(str(path))


def _media_seen(window) -> list[tuple]:
    """(portrait, voice) of the project at each media change from now on."""
    seen: list[tuple] = []
    project = window.project
    project.subscribe(lambda what: what == CHANGE_MEDIA and seen.append(
        (project.portrait_path, project.audio_path)))
    return seen


def _settled(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.session.loading(), timeout=60000)
    qtbot.wait(50)  # results queued by the last workers are delivered


@pytest.mark.parametrize("how", ["new", "open"])
def test_a_portrait_loading_at_a_project_switch_is_dropped(window, qtbot, tmp_path,
                                                           portrait_path, errors, how):
    window.open_portrait(str(portrait_path))  # loads in the background ...
    _switch(window, how, tmp_path)  # ... while another project takes over
    seen = _media_seen(window)
    _settled(window, qtbot)
    assert window.project.portrait_path is None and window.session.portrait.path is None
    assert all(p is None for p, _ in seen) and not errors
    assert window.status_labels["portrait"].text() != portrait_path.name


def test_a_voice_loading_at_file_new_is_dropped(window, qtbot, tmp_path, speech_wav, errors):
    window.open_audio(str(speech_wav))
    window.new_project()
    seen = _media_seen(window)
    _settled(window, qtbot)
    assert window.project.audio_path == window.session.audio.path == str(SAMPLE_VOICE)
    assert all(a == str(SAMPLE_VOICE) for _, a in seen) and not errors


def test_a_failing_load_of_the_project_before_says_nothing(window, qtbot, tmp_path, errors):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    window.open_portrait(str(broken))
    window.new_project()
    _settled(window, qtbot)
    assert not errors and window.session.portrait is not None


def test_an_engine_switch_at_file_new_keeps_the_engine_not_the_old_portrait(
        window, qtbot, tmp_path, portrait_path, errors, monkeypatch):
    """The switch prepared the project before's portrait with the new engine: the engine is
    taken, and the new project's portrait is prepared again with it."""
    monkeypatch.setitem(__import__("core.engines").engines._ENGINES, "paint",
                        lambda **kw: PaintEngine())
    window.open_portrait(str(portrait_path))
    qtbot.waitUntil(lambda: window.project.portrait_path == str(portrait_path), timeout=60000)
    _settled(window, qtbot)
    window.switch_engine("paint")
    window.new_project()
    seen = _media_seen(window)
    _settled(window, qtbot)
    assert window.session.engine_name == "paint" and not errors
    assert window.project.portrait_path is None and window.session.portrait.path is None
    assert all(p is None for p, _ in seen)
    assert isinstance(window.session.portrait.prepared, np.ndarray)  # PaintEngine.prepare's
