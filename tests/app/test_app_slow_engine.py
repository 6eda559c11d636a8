"""The diffusion engine off a GPU (minutes a frame) in the app: the switch to it said nothing of
its speed, the preview kept the rig's last picture as if frozen while a frame was computed, and
an export of hours started with no word. A real DiffusionEngine with tiny random parts (64 px,
2 steps) is built once and handed to the switch where it builds an engine."""
from __future__ import annotations

import threading

import pytest

pytest.importorskip("diffusers")


@pytest.fixture(scope="module")
def tiny_engine():
    from core.diffusion.engine import DiffusionEngine

    return DiffusionEngine.tiny()


@pytest.fixture
def tiny(tiny_engine, monkeypatch):
    """The switch to "diffusion" builds the tiny engine (the rig as ever), with its measure
    taken again, and the thread it was taken on recorded."""
    import app.session
    from core.engines import create_engine

    monkeypatch.setattr(app.session, "create_engine",
                        lambda name: tiny_engine if name == "diffusion" else create_engine(name))
    monkeypatch.setattr("app.engine_switch.engine_problem", lambda name: None)
    tiny_engine._pass_s = None
    measured_on = []
    measure = type(tiny_engine)._one_frame_pass

    def recorded(self):
        measured_on.append(threading.current_thread())
        return measure(self)
    monkeypatch.setattr(type(tiny_engine), "_one_frame_pass", recorded)
    tiny_engine.measured_on = measured_on
    return tiny_engine


def _switch(window, qtbot, name: str, engine=None) -> None:
    window.switch_engine(name)
    qtbot.waitUntil(lambda: window.session.engine_name == name and (
        engine is None or window.session.engine is engine), timeout=30000)


def test_the_switch_says_how_slow_measured_off_the_gui_thread(window, tiny, qtbot, errors):
    _switch(window, qtbot, "diffusion", tiny)
    assert tiny.measured_on and threading.main_thread() not in tiny.measured_on
    line = tiny.speed_line()
    assert line.startswith("diffusion on CPU: about ") and " per frame" in line
    assert line.endswith("the rig engine previews in real time")
    assert window.status_labels["engine"].text() == f"engine: diffusion ({line})"
    assert window.status_labels["engine"].toolTip() == line
    assert window.statusBar().currentMessage() == line
    qtbot.waitUntil(lambda: window.renderer.idle, timeout=30000)
    _switch(window, qtbot, "rig")
    assert window.status_labels["engine"].text() == "engine: rig"
    assert window.statusBar().currentMessage() == ""  # no word of the other engine's speed
    assert not errors, errors
