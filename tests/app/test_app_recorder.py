"""Voice takes (app/recorder.py). This machine has no microphone, so the blocks PortAudio would
hand the recorder's callback are handed to it here: real sample blocks, real files."""
from __future__ import annotations

import numpy as np
import soundfile as sf

from app.recorder import VoiceRecorder
from app.ui_constants import AUDIO_RATE, RECORD_MAX_S


def _speak(recorder: VoiceRecorder, seconds: float, level: float) -> None:
    """What the audio thread does: blocks of 0.1 s at a level of the take's own."""
    block = np.full((AUDIO_RATE // 10, 1), level, np.float32)
    for _ in range(int(round(seconds * 10))):
        recorder._callback(block, len(block), None, None)


def test_takes_in_the_same_second_keep_a_file_each(tmp_path):
    """Three short takes in a row (under a second together): each take was written to
    take-<date>-<time>.wav of its second, over the take before, which a project may use."""
    paths = []
    for level in (0.1, 0.2, 0.3):
        recorder = VoiceRecorder()
        _speak(recorder, 0.3, level)
        paths.append(recorder.stop(tmp_path))
    assert len(set(paths)) == 3 and sorted(tmp_path.iterdir()) == sorted(paths)
    for path, level in zip(paths, (0.1, 0.2, 0.3)):
        data, rate = sf.read(path, dtype="float32")
        assert rate == AUDIO_RATE and np.allclose(data, level, atol=1e-3)


def test_a_take_past_the_limit_says_it_was_cut(tmp_path):
    recorder = VoiceRecorder()
    _speak(recorder, 2.0, 0.2)
    assert not recorder.cut
    _speak(recorder, RECORD_MAX_S, 0.2)
    assert recorder.cut
    data, _ = sf.read(recorder.stop(tmp_path), dtype="float32")
    assert len(data) == RECORD_MAX_S * AUDIO_RATE


class _Stream:
    """Stands in for PortAudio's input stream (no microphone on this machine); the blocks it
    would deliver go to the recorder's real callback."""

    def stop(self):
        pass

    def close(self):
        pass


def test_closing_the_window_while_recording_keeps_the_take(window, tmp_path, monkeypatch,
                                                           answers):
    """The window closed mid-take: the take was dropped unwritten. Now it is stopped and kept as
    Stop keeps it, becomes the voice, and the unsaved-changes question covers it."""
    monkeypatch.setattr("app.recorder.takes_folder", lambda: tmp_path)
    window.recorder._stream = _Stream()
    _speak(window.recorder, 1.0, 0.25)
    window.close()
    takes = list(tmp_path.glob("take-*.wav"))
    assert len(takes) == 1 and window.project.audio_path == str(takes[0])
    data, rate = sf.read(takes[0], dtype="float32")
    assert rate == AUDIO_RATE and len(data) == AUDIO_RATE and np.allclose(data, 0.25, atol=1e-3)
    assert answers["asked"]  # the unsaved project (with its new voice) was asked about


def test_a_take_that_cannot_be_written_is_kept_in_another_folder(window, tmp_path, monkeypatch,
                                                                 errors):
    """The takes folder unwritable (here a file where its parent should be; a full disk alike):
    the take was lost with "Cannot record". Now it is held, the user is asked for another
    folder (a second failure asks again), and the take kept there becomes the voice."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setattr("app.recorder.takes_folder", lambda: blocked / "takes")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    asked = iter([str(blocked / "again"), str(elsewhere)])
    monkeypatch.setattr("app.window_files.ask_take_folder", lambda parent, start: next(asked))
    opened = []
    monkeypatch.setattr(window, "open_audio", opened.append)
    window.recorder._stream = _Stream()
    _speak(window.recorder, 1.0, 0.25)
    window.toggle_recording()  # Stop
    takes = list(elsewhere.glob("take-*.wav"))
    assert len(takes) == 1 and opened == [str(takes[0])]
    data, _ = sf.read(takes[0], dtype="float32")
    assert len(data) == AUDIO_RATE and np.allclose(data, 0.25, atol=1e-3)
    assert [title for title, _ in errors] == ["Cannot keep the take"] * 2
    assert "still held" in errors[0][1]


def test_a_take_that_cannot_be_written_is_dropped_only_when_the_user_says_so(
        window, tmp_path, monkeypatch, errors):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setattr("app.recorder.takes_folder", lambda: blocked / "takes")
    monkeypatch.setattr("app.window_files.ask_take_folder", lambda parent, start: "")
    window.recorder._stream = _Stream()
    _speak(window.recorder, 1.0, 0.25)
    assert window.stop_take() is None and len(errors) == 1
