"""The diffusion engine off a GPU (minutes a frame) in the app: the switch to it said nothing of
its speed, the preview kept the rig's last picture as if frozen while a frame was computed, and
an export of hours started with no word. A real DiffusionEngine with tiny random parts (64 px,
2 steps) is built once and handed to the switch where it builds an engine."""
from __future__ import annotations

import threading
import time

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
    qtbot.waitUntil(lambda: window.preview.working_text == "" and window.renderer.idle,
                    timeout=30000)
    assert window.statusBar().currentMessage() == line  # also once the loading is over
    _switch(window, qtbot, "rig")
    assert window.status_labels["engine"].text() == "engine: rig"
    assert window.statusBar().currentMessage() == ""  # no word of the other engine's speed
    assert not errors, errors


def test_a_slow_frame_says_where_it_is_and_a_newer_request_stops_it(window, tiny, qtbot,
                                                                     errors):
    _switch(window, qtbot, "diffusion", tiny)
    qtbot.waitUntil(lambda: window.renderer.idle, timeout=30000)
    rendered: list[int] = []
    window.renderer.rendered.connect(lambda _f, _t, rid: rendered.append(rid))
    window.seek(2.0)  # frame 50: the 24 clips up to it, minutes
    far = window.preview_rid
    qtbot.waitUntil(lambda: window.preview.working_text.startswith("rendering the preview: "),
                    timeout=10000)
    assert window.preview.working_text.endswith("/51 frames up to the playhead")
    assert window.preview.busy.isVisible() and window.preview.working_text in \
        window.preview.busy.text()
    qtbot.waitUntil(lambda: not window.preview.working_text.startswith(
        "rendering the preview: 0/"), timeout=15000)  # its first step ended: 1/51
    shown = window.preview.frames_shown
    window.seek(0.0)  # the newest wins: frame 0, one clip
    qtbot.waitUntil(lambda: window.preview_rid in rendered, timeout=20000)
    assert rendered == [window.preview_rid] and far not in rendered
    assert window.preview.frames_shown > shown
    assert window.preview.working_text == "" and not window.preview.busy.isVisible()
    assert not errors, errors


def test_switching_back_stops_a_slow_frame(window, tiny, qtbot, errors):
    _switch(window, qtbot, "diffusion", tiny)
    qtbot.waitUntil(lambda: window.renderer.idle, timeout=30000)
    window.seek(4.0)  # frame 100: the 49 clips up to it
    qtbot.waitUntil(lambda: not window.renderer.idle, timeout=10000)
    time.sleep(0.5)  # into its first clip
    t0 = time.monotonic()
    _switch(window, qtbot, "rig")
    assert getattr(window.preview, "working_text", "") == ""
    qtbot.waitUntil(lambda: window.renderer.idle, timeout=20000)  # not the 101 frames' minutes
    assert time.monotonic() - t0 < 10, time.monotonic() - t0  # one step and the rig's start
    shown = window.preview.frames_shown
    window.solo(1)
    qtbot.waitUntil(lambda: window.preview.frames_shown > shown, timeout=10000)
    assert not errors, errors


def test_export_dialog_tells_the_takes_least_time_and_a_clock_eta(window, tiny, qtbot,
                                                                   errors):
    _switch(window, qtbot, "diffusion", tiny)
    window.open_export()
    dialog = window.export_dialog
    note = dialog.estimate.text()
    assert dialog.estimate.isVisible() and note.startswith("no CUDA GPU: the diffusion engine")
    assert "or more for this take" in note and dialog.export_button.toolTip() == note
    clips = int(note.split("for this take (")[1].split(" clip")[0])
    dialog.end.setValue(dialog.start.value() + 1.0)  # a shorter take: fewer clips
    assert int(dialog.estimate.text().split("for this take (")[1].split(" clip")[0]) < clips
    dialog.close()
    _switch(window, qtbot, "rig")
    window.open_export()
    assert window.export_dialog.estimate.text() == "" and \
        not window.export_dialog.estimate.isVisible()  # the rig: nothing to warn of
    window.export_dialog.close()
    assert not errors, errors


def test_export_eta_reads_seconds_a_frame_and_a_clock(window, qtbot):
    """At 40 s a frame the dialog said "about 9960 s left", timed from the start (set-up
    included); now "40 s/frame · about 2:46:00 left" from the first frame's report on."""
    from core.pace import Pace

    window.open_export()
    dialog = window.export_dialog
    pace = Pace()
    now = time.monotonic()
    pace.note(0, now - 80.0)  # the first report: frame 0, 80 s ago; 2 frames since
    dialog.state = {"done": 2, "total": 251, "pace": pace}
    dialog._show_progress()
    assert dialog.eta.text() == "2/251 frames · 40 s/frame · about 2:46:00 left"
    dialog.close()


def test_playing_says_the_picture_follows_as_frames_come(window, tiny, qtbot, errors):
    """Playing on the diffusion engine off a GPU, the voice ran on under a still picture."""
    _switch(window, qtbot, "diffusion", tiny)
    window.playback_toggle()
    assert window.playback.playing
    assert window.preview.working_text == f"playing as fast as frames come ({tiny.speed_line()})"
    assert window.preview.busy.isVisible()
    window.playback_toggle()
    assert not window.playback.playing and not window.preview.working_text.startswith("playing")
    qtbot.waitUntil(lambda: window.renderer.idle, timeout=30000)
    assert not errors, errors
