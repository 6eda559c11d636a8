"""Key markers under the mouse, as a user meets them: hover thickens a marker, a click selects
its key (and moves the playhead there), a drag moves it (within the take), a click between
markers deselects; the selected marker is thick and its label says ▶. Real window, real mouse
events on the strip, pixels read back from it."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from app.key_lane import key_color
from app.ui_constants import KEY_SELECTED_WIDTH, KEY_WIDTH
from core.mix import EmotionMix

MIXES = [EmotionMix.from_preset(e) for e in ("happy", "sad", "angry")]
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def strip(window, qtbot):
    window.project.set_keyframes([{"time": t, "mix": m.as_dict()}
                                  for t, m in zip((0.5, 1.5, 2.5), MIXES)])
    window.seek(3.0)
    strip = window.audio_strip
    strip.view.resize(1000, 160)
    qtbot.wait(50)
    return strip


def _at(strip, t: float, y: float = 0.25) -> QPoint:
    """The strip's pixel at time t, height y (-1..1) on the waveform."""
    scene = strip.wave.vb.mapViewToScene(QPointF(t, y))
    return strip.view.mapFromScene(scene)


def _width(strip, t: float, color: str) -> int:
    """How many pixels wide the marker at t is drawn in `color` (a row away from labels)."""
    image = strip.view.viewport().grab().toImage()
    at, want = _at(strip, t), QColor(color).rgb()
    return sum(image.pixel(x, at.y()) == want for x in range(at.x() - 8, at.x() + 9))


def _move(qtbot, strip, t: float) -> None:
    qtbot.wait(40)  # pyqtgraph's scene ignores moves closer together than its rate limit
    qtbot.mouseMove(strip.view.viewport(), _at(strip, t))


def _times(window) -> list[float]:
    return [round(t, 2) for t in window.keys.track.times()]


def test_a_click_selects_a_key_and_one_between_keys_deselects(window, strip, qtbot):
    port = strip.view.viewport()
    _move(qtbot, strip, 1.5)
    qtbot.mouseClick(port, LEFT, pos=_at(strip, 1.5))
    assert window.keys.selected == 1 and window.playback.t == pytest.approx(1.5)
    assert _width(strip, 1.5, key_color(MIXES[1])) >= KEY_SELECTED_WIDTH
    assert window.palette.mix == window.keys.track.keys[1].mix
    _move(qtbot, strip, 2.0)
    qtbot.mouseClick(port, LEFT, pos=_at(strip, 2.0))
    assert window.keys.selected is None and window.playback.t == pytest.approx(2.0, abs=0.02)
    assert _width(strip, 1.5, key_color(MIXES[1])) == KEY_WIDTH


def test_hover_thickens_a_marker(window, strip, qtbot):
    color = key_color(MIXES[2])
    assert _width(strip, 2.5, color) == KEY_WIDTH
    _move(qtbot, strip, 2.5)
    assert _width(strip, 2.5, color) >= KEY_SELECTED_WIDTH
    _move(qtbot, strip, 2.0)
    assert _width(strip, 2.5, color) == KEY_WIDTH


def _drag(qtbot, strip, t0: float, t1: float) -> None:
    port = strip.view.viewport()
    _move(qtbot, strip, t0)
    qtbot.mousePress(port, LEFT, pos=_at(strip, t0))
    for f in (0.25, 0.5, 0.75, 1.0):
        _move(qtbot, strip, t0 + f * (t1 - t0))
    qtbot.mouseRelease(port, LEFT, pos=_at(strip, t1))


def test_a_drag_moves_a_key_within_the_take(window, strip, qtbot):
    _drag(qtbot, strip, 0.5, 1.0)
    assert _times(window) == pytest.approx([1.0, 1.5, 2.5], abs=0.02)
    assert window.keys.selected == 0 and window.keys.track.keys[0].mix == MIXES[0]
    assert _width(strip, window.keys.track.keys[0].time, key_color(MIXES[0])) >= \
        KEY_SELECTED_WIDTH
    end = window.session.duration
    _drag(qtbot, strip, 2.5, end + 1.0)  # past the end: held at the end of the take
    assert window.keys.track.times()[-1] == pytest.approx(end, abs=1e-6)
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert _times(window) == [0.5, 1.5, 2.5]
    assert _width(strip, 0.5, key_color(MIXES[0])) == KEY_WIDTH
