"""Keys on the audio strip (issue 7): editing through the strip's signals and the key bar, undo,
the project file, keyed rendering and gate curves, auto keys. Real widgets, real rig engine."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import pyqtgraph as pg

from app.key_lane import key_color
from app.ui_constants import GATE_CURVE_RATE
from core.emotions import EMOTION_COLORS
from core.keyframes import KeyTrack
from core.mix import EmotionMix

HAPPY = EmotionMix.from_dict({"happy": 1.0})
SAD = EmotionMix.from_dict({"sad": 1.0})


def _times(window) -> list[float]:
    return [round(t, 3) for t in window.keys.track.times()]


def _markers(window) -> list[float]:
    return sorted(round(t, 3) for t in window.audio_strip.keys.visible_times())


def test_edit_keys_through_the_strip_with_undo(window, qtbot):
    strip, bar, keys = window.audio_strip, window.audio_strip.keybar, window.keys
    window.seek(0.0)
    window.solo(0)  # happy; no key selected: the project's mix
    bar.add.click()
    assert _times(window) == [0.0] and keys.selected == 0 and window.isWindowModified()
    assert window.project.keyframes == keys.track.to_project()
    _at, color, _width, _label = strip.keys.shown(0)
    assert pg.mkColor(color).name() == pg.mkColor(EMOTION_COLORS["happy"]).name()

    window.seek(2.0)  # the playhead leaves the key: deselected
    assert keys.selected is None
    window.solo(1)  # sad, for the next key
    window.findChild(type(window.live_action), "addKeyAction").trigger()  # the K shortcut
    assert _times(window) == [0.0, 2.0] and _markers(window) == [0.0, 2.0]
    assert keys.track.keys[1].mix.dominant() == "sad"

    strip.keyMoved.emit(1, 3.0)  # a drag
    assert _times(window) == [0.0, 3.0] and keys.selected == 1 and window.playback.t == 3.0
    strip.keyClicked.emit(0)
    assert keys.selected == 0 and window.playback.t == 0.0
    assert window.palette.mix == keys.track.keys[0].mix  # the palette shows the key
    window.solo(2)  # palette edit while selected: the key changes, not the project's mix
    assert keys.track.keys[0].mix.dominant() == "angry"
    assert window.project.mix.dominant() == "sad"
    assert key_color(keys.track.keys[0].mix) == EMOTION_COLORS["angry"]
    bar.easing.setCurrentText("linear")
    assert keys.track.keys[0].easing == "linear"

    assert keys.copy()
    window.seek(1.5)
    keys.paste(window.playback.t)
    assert _times(window) == [0.0, 1.5, 3.0] and keys.track.keys[1].mix.dominant() == "angry"
    strip.keyClicked.emit(1)
    bar.delete.click()
    assert _times(window) == [0.0, 3.0] and _markers(window) == [0.0, 3.0]
    strip.backgroundClicked.emit(2.5)
    assert keys.selected is None and not bar.delete.isEnabled()

    stack = window.undo_stack
    stack.undo()  # the delete
    assert _times(window) == [0.0, 1.5, 3.0]
    for _ in range(4):  # paste, easing, key mix, move
        stack.undo()
    assert _times(window) == [0.0, 2.0] and keys.track.keys[0].mix.dominant() == "happy"
    stack.redo()
    assert _times(window) == [0.0, 3.0]
    while stack.canUndo():
        stack.undo()
    assert len(keys.track) == 0 and _markers(window) == []


def test_project_file_keeps_keys(window, tmp_path, answers):
    window.keys.add(0.0, HAPPY)
    window.keys.add(2.0, SAD)
    window.keys.select(1)
    window.keys.set_easing("ease-out")
    saved = KeyTrack.from_json_dict(window.project.keyframes).to_project()
    path = str(tmp_path / "keyed.moee.json")
    assert window._save_to(path)
    window.new_project()
    assert len(window.keys.track) == 0 and _markers(window) == []
    assert window.open_project(path)
    assert window.keys.track.to_project() == saved
    assert _markers(window) == [0.0, 2.0] and not window.isWindowModified()


def test_keys_are_parsed_once_per_open_import_and_none_per_edit(window, tmp_path, monkeypatch):
    """The loader's parse is the key editor's track: opening a project or importing a key file
    reads each key once (it was twice), and an edit, which has its keys in hand, reads none (it
    read the whole list again: seconds per edit on a 100k-key take, benchmarks/bench_keys.py)."""
    from core.keyframes import Key, save_keys

    parsed = []
    real = Key.from_json_dict.__func__
    monkeypatch.setattr(Key, "from_json_dict",
                        classmethod(lambda cls, d, where="key": parsed.append(where)
                                    or real(cls, d, where)))
    window.keys.add(0.0, HAPPY)
    window.keys.add(2.0, SAD)
    window.audio_strip.keyClicked.emit(1)
    window.keys.set_easing("ease-out")
    window.undo_stack.undo()
    window.undo_stack.redo()
    assert [k.easing for k in window.keys.track] == ["ease-in-out", "ease-out"]
    assert parsed == []
    path = str(tmp_path / "keyed.moee.json")
    assert window._save_to(path)
    keys_path = str(tmp_path / "take.json")
    save_keys(window.keys.track, keys_path)
    window.new_project()
    assert window.open_project(path)
    assert len(parsed) == 2 and len(window.keys.track) == 2
    monkeypatch.setattr("app.window_files.QFileDialog.getOpenFileName",
                        lambda *a, **k: (keys_path, ""))
    window.new_project()
    window.import_keys_dialog()
    assert len(parsed) == 4 and window.keys.track.keys[1].easing == "ease-out"


def test_keyed_take_renders_and_draws_the_emotion_over_time(window, qtbot):
    window.keys.add(0.0, HAPPY)
    window.keys.add(2.0, SAD)
    job = window._job()
    assert job.keys is window.keys.track

    frames = []
    window.renderer.rendered.connect(lambda f, *_: frames.append(f))

    def gates_at(t: float) -> np.ndarray:
        window.seek(t)
        index = round(t * job.fps)
        qtbot.waitUntil(lambda: any(f.index == index for f in frames), timeout=10000)
        return np.asarray([f for f in frames if f.index == index][-1].gates)

    early, late = gates_at(0.1), gates_at(2.2)
    assert early.argmax() == 0 and late.argmax() == 1  # happy, then sad
    assert not np.allclose(early, late)

    x, happy = window.audio_strip.gate_curves[0].getData()
    _, sad = window.audio_strip.gate_curves[1].getData()
    # keyed curves, not flat lines (rows of rendered frames hold the rig's onset-ramped gates)
    assert happy[x <= 0.5].max() > 0.8 and happy[x >= 2.0].max() < 0.05
    assert sad[x <= 0.5].min() < 0.2 and sad[x >= 2.0].max() > 0.9
    window.open_export()
    assert window.export_dialog.keys is window.keys.track
    window.export_dialog.reject()


def test_auto_keys_can_be_discarded_or_accepted(window, qtbot):
    bar, keys = window.audio_strip.keybar, window.keys
    bar.auto.click()
    qtbot.waitUntil(lambda: not keys.proposing, timeout=20000)
    proposed = list(keys.proposals)
    assert proposed and bar.accept.isEnabled()
    assert len(window.audio_strip.keys.ghost_times()) == len(proposed)
    bar.discard.click()
    assert not keys.proposals and window.audio_strip.keys.ghost_times() == []
    assert len(keys.track) == 0

    bar.auto.click()
    qtbot.waitUntil(lambda: not keys.proposing, timeout=20000)
    bar.accept.click()
    assert [k.time for k in keys.track] == [k.time for k in proposed]
    assert window.audio_strip.keys.ghost_times() == [] and window.isWindowModified()
    window.undo_stack.undo()
    assert len(keys.track) == 0


def test_auto_keys_heard_in_the_previous_voice_never_arrive(window, qtbot, tmp_path):
    """Auto keys, then another voice before they came back: the keys heard in the sample voice
    (up to 5 s) were offered on a half-second voice. Now the search is dropped with its voice."""
    from tests.conftest import make_speech
    short = str(make_speech(tmp_path / "short.wav", "Yes.", rate=200))
    searches = []
    window.keys.proposalsChanged.connect(
        lambda: window.keys._worker and searches.append(window.keys._worker))
    window.audio_strip.keybar.auto.click()
    with qtbot.waitSignal(window.session.audioReady, timeout=20000):
        window.open_audio(short)
    assert searches
    qtbot.waitUntil(lambda: searches[0].done, timeout=20000)
    qtbot.wait(50)  # its returned signal, had it been sent, is delivered by now
    assert window.keys.proposals == [] and not window.keys.proposing
    assert window.audio_strip.keys.ghost_times() == []
    assert window.audio_strip.keybar.auto.isEnabled()


def test_a_long_takes_gate_curve_is_sampled_thinly_enough_to_redraw_per_edit(window, qtbot,
                                                                          tmp_path):
    """The gate curve is rebuilt on the GUI thread at every palette edit. At 25 samples a
    second, a 20-minute keyed take (30,000) held each edit for 1.6 s here, each step of a
    slider drag. Now it has at most GATE_CURVE_MAX_POINTS samples over the whole take, each
    the g a frame at its time renders."""
    import soundfile as sf
    from app.ui_constants import GATE_CURVE_MAX_POINTS
    voice = tmp_path / "long.wav"
    sf.write(voice, np.zeros(600 * 16000, np.int16), 16000)  # 10 minutes: 15,000 at 25 a second
    with qtbot.waitSignal(window.session.audioReady, timeout=20000):
        window.open_audio(str(voice))
    window.keys.add(60.0, HAPPY)
    window.keys.add(540.0, SAD)
    window.palette.presets.choose("angry")  # an edit: the curve is rebuilt
    x, _ = window.audio_strip.gate_curves[0].getData()
    assert len(x) == GATE_CURVE_MAX_POINTS and x[0] == 0.0 and 599.0 < x[-1] < 600.0
    curve = np.stack([c.getData()[1] for c in window.audio_strip.gate_curves], axis=1)
    mixes = [window.keys.track.mix_at(float(t)) for t in x]
    np.testing.assert_array_equal(curve, window.session.engine.gate_curve(mixes, x))
    assert curve[int(np.searchsorted(x, 30.0)), 0] > 0.8  # happy before its key
    assert curve[-1, 1] > 0.8  # sad after its


def test_markers_follow_key_times_after_switching_voices(window, qtbot, tmp_path):
    """Issue 14, item 6: a short voice clamps the markers; the long one places them again."""
    from app.ui_constants import SAMPLE_VOICE
    from core.mix import EmotionMix
    from tests.conftest import make_speech
    happy, sad = EmotionMix.from_preset("happy"), EmotionMix.from_preset("sad")
    window.project.set_keyframes([{"time": 0.77, "mix": happy.as_dict()},
                                  {"time": 4.18, "mix": sad.as_dict()}])
    lane = window.audio_strip.keys
    assert lane.visible_times() == pytest.approx([0.77, 4.18])
    short = make_speech(tmp_path / "short.wav", text="Hi", rate=450)
    for voice in (short, SAMPLE_VOICE):
        with qtbot.waitSignal(window.session.audioReady, timeout=20000):
            window.open_audio(str(voice))
        if voice == short:
            assert window.session.duration < 0.77
    assert window.session.duration > 4.18
    assert lane.visible_times() == pytest.approx([0.77, 4.18])


def test_gate_curve_is_the_rendered_track_g(window, qtbot):
    """One definition of g: the strip draws, sample for sample, the g of the track a render of
    the take at the curve's rate builds (the rig's ease-in at t = 0 included)."""
    window.keys.add(0.0, HAPPY)
    window.keys.add(2.0, SAD)
    x, _ = window.audio_strip.gate_curves[0].getData()
    curve = np.stack([c.getData()[1] for c in window.audio_strip.gate_curves], axis=1)
    job = replace(window._job(), fps=GATE_CURVE_RATE, start=0.0)
    track = window.session.engine.emotion_track(job, range(len(x)))
    np.testing.assert_array_equal(track.times, x)
    np.testing.assert_array_equal(curve, track.g)
    assert curve[0].sum() < curve[int(np.argmin(abs(x - 1.0)))].sum()  # eased in, not flat
