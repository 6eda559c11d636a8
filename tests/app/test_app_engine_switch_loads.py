"""A portrait or voice opened while View > Engine is still switching, and switches in a row: at
the end the engine last chosen runs the portrait last asked for, prepared by that engine (a
portrait opened mid-switch was prepared by the old engine and the switch then put the one
before back, or left it with the new engine: 'Preview failed'). Real window, real workers; the
new engine's start is held by a gate the test opens."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QThreadPool

from tests.app.conftest import PaintEngine


class Prepared(np.ndarray):
    """A portrait as TaggedEngine prepared it: the picture, with the engine that prepared it."""

    engine = ""


class TaggedEngine(PaintEngine):
    def __init__(self, name: str):
        self.name = name

    def prepare(self, image):
        prepared = np.asarray(image).view(Prepared)
        prepared.engine = self.name
        return prepared


@pytest.fixture
def engines(monkeypatch):
    """engines(name): register a TaggedEngine; returns the gate its start waits for (open
    unless closed=True). Every gate opens at the end, so no worker is left waiting."""
    from core import engines as registry
    gates: list[threading.Event] = []

    def add(name: str, closed: bool = False) -> threading.Event:
        gate = threading.Event()
        gates.append(gate)
        if not closed:
            gate.set()

        def build(**_kw):
            assert gate.wait(60)
            return TaggedEngine(name)

        monkeypatch.setitem(registry._ENGINES, name, build)
        return gate

    yield add
    for gate in gates:
        gate.set()


def _prepared_by(window) -> str:
    prepared = window.session.portrait.prepared
    return prepared.engine if isinstance(prepared, Prepared) else window.session.engine_name


def _settled(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.session.loading(), timeout=60000)
    qtbot.wait(50)  # results queued by the last workers are delivered


def _only_the_switch_runs(qtbot) -> None:
    """Whatever the portrait load started beside the held switch has finished."""
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() <= 1, timeout=60000)
    qtbot.wait(50)


def _assert_final(window, engine: str, portrait) -> None:
    session = window.session
    assert session.engine_name == engine and session.engine.name == engine
    assert session.portrait.path == window.project.portrait_path == portrait
    assert _prepared_by(window) == engine
    assert window.status_labels["engine"].text() == f"engine: {engine}"
    assert all(action.isChecked() == (name == engine)  # tagged engines have no item
               for name, action in window.engine_actions.items())


@pytest.mark.parametrize("lands_first", ["portrait", "switch"])
def test_a_portrait_opened_during_a_switch_is_prepared_by_the_new_engine(
        window, qtbot, engines, portrait_path, errors, lands_first):
    gate = engines("paint", closed=True)
    window.switch_engine("paint")
    window.open_portrait(str(portrait_path))
    if lands_first == "portrait":
        _only_the_switch_runs(qtbot)
    gate.set()
    _settled(window, qtbot)
    _assert_final(window, "paint", str(portrait_path))
    assert window.status_labels["portrait"].text() == portrait_path.name
    assert not errors


def test_back_to_the_engine_in_use_during_a_switch_keeps_it(
        window, qtbot, engines, portrait_path, errors):
    gate = engines("paint", closed=True)
    window.switch_engine("paint")
    window.open_portrait(str(portrait_path))
    window.switch_engine("rig")  # changed one's mind before paint was ready
    gate.set()
    _settled(window, qtbot)
    _assert_final(window, "rig", str(portrait_path))
    assert not isinstance(window.session.portrait.prepared, Prepared) and not errors


def test_two_switches_in_a_row_with_a_portrait_between(
        window, qtbot, engines, portrait_path, errors):
    first = engines("paint", closed=True)
    engines("tint")
    window.switch_engine("paint")
    window.open_portrait(str(portrait_path))
    window.switch_engine("tint")
    first.set()
    _settled(window, qtbot)
    _assert_final(window, "tint", str(portrait_path))
    window.switch_engine("paint")  # and the first one again, now that nothing is pending
    window.open_portrait(str(portrait_path))
    _settled(window, qtbot)
    _assert_final(window, "paint", str(portrait_path))
    assert not errors


def test_a_voice_and_a_portrait_opened_during_a_switch(
        window, qtbot, engines, portrait_path, speech_wav, errors):
    gate = engines("paint", closed=True)
    window.switch_engine("paint")
    window.open_audio(str(speech_wav))
    window.open_portrait(str(portrait_path))
    _only_the_switch_runs(qtbot)
    gate.set()
    _settled(window, qtbot)
    _assert_final(window, "paint", str(portrait_path))
    assert window.session.audio.path == window.project.audio_path == str(speech_wav)
    assert not errors


def test_a_broken_portrait_opened_during_a_switch_leaves_the_one_before(
        window, qtbot, engines, tmp_path, errors):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    gate = engines("paint", closed=True)
    window.switch_engine("paint")
    window.open_portrait(str(broken))
    gate.set()
    _settled(window, qtbot)
    _assert_final(window, "paint", None)  # the sample, prepared by paint
    assert [title for title, _ in errors] == ["Cannot use this portrait"]
    window.open_portrait(str(broken))  # asked for again: it fails again, and says so
    _settled(window, qtbot)
    assert len(errors) == 2 and window.session.portrait.path is None


def test_a_broken_portrait_opened_just_before_a_switch_is_one_portrait_error(
        window, qtbot, engines, tmp_path, errors):
    """The switch prepares the portrait asked for, a broken one still loading: the engine
    built, so it is taken (with the portrait shown) and one dialog names the portrait; it
    was 'Cannot use the paint engine', then the same file failing again with the rig."""
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    engines("paint")
    window.open_portrait(str(broken))
    window.switch_engine("paint")
    _settled(window, qtbot)
    assert [title for title, _ in errors] == ["Cannot use this portrait"]
    _assert_final(window, "paint", None)  # the sample, prepared by paint
    assert window.status_labels["portrait"].text() == "sample portrait"



@pytest.mark.parametrize("opened", ["broken", "good"])
def test_an_engine_that_fails_with_a_portrait_pending_is_one_dialog(
        window, qtbot, monkeypatch, tmp_path, portrait_path, errors, opened):
    """The engine chosen cannot start while the portrait opened just before still loads: that
    portrait comes with the rig, and should it be broken too one dialog says both (it was
    'Cannot use the paint engine', then 'Cannot use this portrait' when the same file was
    tried again with the rig); the rig and the portrait shown stay."""
    from core import engines as registry
    from core.errors import InputError

    def build(**_kw):
        raise InputError("the paint engine's weights are damaged")

    monkeypatch.setitem(registry._ENGINES, "paint", build)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    window.open_portrait(str(broken if opened == "broken" else portrait_path))
    window.switch_engine("paint")
    _settled(window, qtbot)
    assert [title for title, _ in errors] == ["Cannot use the paint engine"]
    message = errors[0][1]
    assert message.startswith("The paint engine could not start, so the rig engine is still "
                              "in use: the paint engine's weights are damaged")
    if opened == "broken":
        assert message.endswith(". The portrait opened just before cannot be used either, so "
                                "the sample portrait is still shown: broken.png is not a "
                                "picture this app can read; use a PNG, JPEG, WebP, BMP or TIFF "
                                "image")
        _assert_final(window, "rig", None)  # the sample, still prepared by the rig
        assert window.status_labels["portrait"].text() == "sample portrait"
    else:
        assert "portrait" not in message
        _assert_final(window, "rig", str(portrait_path))
        assert window.status_labels["portrait"].text() == portrait_path.name
