"""Previewing a moment late in a long voice (the playhead at 500 s of 10 minutes) renders from
the speech around that moment, not from the whole voice's features first (core/rig/speech_track.py):
the preview's job is the whole take's, as the window's is (Session.job, request_preview)."""
from __future__ import annotations

from app.frame_renderer import FrameRenderer
from app.session import LoadedAudio, LoadedPortrait, Session
from core.audio.io import load_audio
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from tests.speech.long_voice import counting_analyses, long_take


def test_a_late_preview_analyses_only_the_audio_around_it(qtbot, portrait, speech_wav,
                                                           monkeypatch):
    engine = RigEngine()
    session = Session("rig", engine)
    session.portrait = LoadedPortrait(None, portrait, engine.prepare(portrait))
    session.audio = LoadedAudio("long.wav", long_take(load_audio(speech_wav), 600.0))
    job = session.job(EmotionMix.from_preset("happy"), size=64)
    index = min(job.frame_count() - 1, int(round(500.0 * job.fps)))  # as request_preview
    counts = counting_analyses(monkeypatch)
    renderer = FrameRenderer()
    shown, failed = [], []
    renderer.rendered.connect(lambda frame, asked, rid: shown.append(frame))
    renderer.failed.connect(failed.append)
    renderer.request(engine, job, index)
    qtbot.waitUntil(lambda: bool(shown or failed), timeout=20000)
    renderer.stop()
    assert not failed and shown[0].index == index and shown[0].info["activity"] >= 0
    # 20 s of speech drive and its 10 s warm-up (~3,000 analysis frames), not 60,000
    assert 0 < sum(counts) < 32 * 100, sum(counts)
