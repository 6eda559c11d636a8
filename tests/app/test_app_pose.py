"""Head and gaze controls (app/palette/pose.py): they set the mix, reach the take's track,
ride on keys (K) and undo like the expert sliders. Real widgets, real rig engine."""
from __future__ import annotations

import numpy as np
import pytest

from core.body import IRIS_IPD_PER_DEG


def _box(window, name):
    return window.findChild(type(window.palette.pose.boxes[0]), f"pose_{name}")


def test_pose_controls_set_the_track_with_undo(window, qtbot):
    window.seek(0.0)
    _box(window, "pitch").setValue(8.0)
    _box(window, "gaze_y").setValue(10.0)
    assert window.project.mix.head == (0.0, 8.0, 0.0)
    assert window.project.mix.gaze == (0.0, 10.0)
    job = window._job()
    track = window.session.engine.emotion_track(job, [0, 10])
    assert track.head[:, 1] == pytest.approx([8.0, 8.0])  # a neutral mix adds no posture
    assert track.gaze[:, 1] == pytest.approx([10 * IRIS_IPD_PER_DEG] * 2)

    window.undo_stack.undo()
    assert window.project.mix.gaze == (0.0, 0.0) and _box(window, "gaze_y").value() == 0.0
    assert window.project.mix.head == (0.0, 8.0, 0.0)
    window.palette.pose.reset.click()
    assert window.project.mix.head == (0.0, 0.0, 0.0)
    window.undo_stack.undo()
    assert _box(window, "pitch").value() == 8.0


def test_pose_is_keyable(window, qtbot):
    keys = window.keys
    window.seek(0.0)
    _box(window, "yaw").setValue(-6.0)
    window.findChild(type(window.live_action), "addKeyAction").trigger()  # K
    window.seek(2.0)
    assert keys.selected is None
    _box(window, "yaw").setValue(6.0)
    window.findChild(type(window.live_action), "addKeyAction").trigger()
    assert [k.mix.head[0] for k in keys.track.keys] == [-6.0, 6.0]
    job = window._job()
    fps = job.fps
    track = window.session.engine.emotion_track(job, [0, fps, 2 * fps])
    assert track.head[:, 0] == pytest.approx([-6.0, 0.0, 6.0], abs=1e-6)
    # selecting a key shows its pose; editing it edits the key
    window.audio_strip.keyClicked.emit(0)
    assert _box(window, "yaw").value() == -6.0
    _box(window, "roll").setValue(3.0)
    assert keys.track.keys[0].mix.head == (-6.0, 0.0, 3.0)
    assert np.isclose(window.project.mix.head[2], 0.0)
