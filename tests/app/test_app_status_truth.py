"""What the window says after a failure is true: a project whose portrait does not read leaves
no "loading portrait…" behind; a failed export shows no "frames · s left" of a stopped run;
times read as a clock would."""
from __future__ import annotations

import json

import numpy as np

import pytest

from core.errors import ExportError


def test_unreadable_project_portrait_is_not_loading_for_ever(window, tmp_path, qtbot, errors):
    bad = tmp_path / "face.png"
    bad.write_bytes(b"not a png")
    project = tmp_path / "p.moee.json"
    project.write_text(json.dumps({"format": "moee-palette-project", "version": 1,
                                   "portrait": {"path": str(bad)}}))
    assert window.open_project(str(project))
    qtbot.waitUntil(lambda: bool(errors) and not window.session.loading(), timeout=20000)
    assert errors[-1][0] == "Cannot use this portrait" and window.session.portrait is None
    assert window.status_labels["portrait"].text() == "no portrait"


class _FailsAfter:
    """The window's engine, failing mid-take the way a full disk would."""

    def __init__(self, inner, after: int):
        self.inner, self.after = inner, after

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def frames(self, job, progress=None, cancel=None):
        for i, frame in enumerate(self.inner.frames(job, progress, cancel)):
            if i == self.after:
                raise ExportError("cannot write the video: the disk is full")
            yield frame


def test_failed_export_says_so(window, tmp_path, qtbot, errors):
    pytest.importorskip("core.video.export")
    window.open_export()
    dialog = window.export_dialog
    dialog.path.setText(str(tmp_path / "clip.mp4"))
    dialog.size.setCurrentIndex(dialog.size.findData(256))
    dialog.end.setValue(window.session.duration)
    dialog.session.engine = _FailsAfter(window.session.engine, 8)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert errors == [("Export failed", "cannot write the video: the disk is full")]
    assert dialog.eta.text() == "Export failed; nothing was written."
    assert dialog.progress.value() == 0 and not (tmp_path / "clip.mp4").exists()


def test_a_voice_just_under_a_minute_reads_one_minute(window, qtbot, tmp_path):
    """A 59.996 s voice showed '0:60.00' as its length (seconds rounded after the minutes were
    taken); scrubbing to 119.996 s of a longer one would read '1:60.00'."""
    import soundfile as sf
    voice = tmp_path / "minute.wav"
    sf.write(voice, np.zeros(int(59.996 * 16000), np.float32), 16000)
    with qtbot.waitSignal(window.session.audioReady, timeout=20000):
        window.open_audio(str(voice))
    assert window.preview.time_label.text() == "0:00.00 / 1:00.00"
    window.seek(59.996)
    assert window.preview.time_label.text() == "1:00.00 / 1:00.00"
    window.seek(12.3449)
    assert window.preview.time_label.text() == "0:12.34 / 1:00.00"


def test_playing_shows_the_frame_rate_not_a_stale_control_latency(window, qtbot):
    """While the take played, the preview's readout read "25.0 fps · frame 10 ms": the frame
    rate of playback beside the control-to-frame time of the last edit made while paused, never
    measured again while playing (palette edits then reach the picture through the clip
    worker's ring). Playing, it shows the frame rate alone; paused again, the latency."""
    window.seek(1.0)
    qtbot.waitUntil(lambda: bool(window.latencies_ms), timeout=10000)
    label = window.preview.fps_label
    qtbot.waitUntil(lambda: "frame" in label.text(), timeout=2000)
    window.playback_toggle()
    qtbot.waitUntil(lambda: "fps" in label.text() and "–" not in label.text(), timeout=10000)
    assert "frame" not in label.text() and " ms" not in label.text(), label.text()
    window.playback_toggle()
    window.seek(2.0)
    qtbot.waitUntil(lambda: "frame" in label.text(), timeout=10000)
