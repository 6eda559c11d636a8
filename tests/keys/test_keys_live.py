"""Live mode on a recorded file standing in for the microphone: the loop runs at real-time pace,
lips follow the speech, the palette switches emotion, latency is measured and reported."""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from core.audio.io import load_audio
from core.errors import InputError
from core.live.emotion_controls import LivePalette
from core.live.session import LatestFrame, LiveSession, RollingStats
from core.live.sources import FileSource, MicrophoneSource, RingBuffer
from core.live.tuning import LIVE
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def rig(portrait):
    try:
        from core.engines import create_engine
        import core.rig.engine  # noqa: F401
    except ImportError as e:
        pytest.skip(f"rig engine not importable yet: {e}")
    engine = create_engine("rig")
    return engine, engine.prepare(portrait)


def test_ring_buffer_wraps_and_counts_overruns():
    ring = RingBuffer(10)
    ring.write(np.arange(6, dtype=np.float32), arrival=1.0)
    x, start, arr = ring.read()
    assert start == 0 and list(x) == list(range(6)) and arr == [(6, 1.0)]
    ring.write(np.arange(6, 18, dtype=np.float32), arrival=2.0)
    x, start, _ = ring.read()
    assert ring.overruns == 2 and start == 8 and list(x) == list(range(8, 18))


def test_rolling_stats_have_fixed_memory():
    s = RollingStats(window=100)
    for v in range(1000):
        s.add(float(v))
    assert s.values.shape == (100,) and s.max == 999 and s.summary()["median"] == 949.5


def test_palette_keys_and_glide():
    p = LivePalette()
    assert p.key("3") and not p.key("x")
    g = p.step(0.04)
    assert 0 < g[2] < 0.3  # glides toward angry, no cut
    for _ in range(50):
        g = p.step(0.04)
    assert g[2] > 0.99 and p.describe() == "angry"
    p.key("0")
    for _ in range(50):
        g = p.step(0.04)
    assert g.sum() < 0.01 and p.describe() == "neutral"


def test_missing_microphone_is_one_clear_error():
    with pytest.raises(InputError, match="microphone"):
        MicrophoneSource().start()
    r = subprocess.run([sys.executable, "main.py", "live", "--seconds", "1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "microphone" in r.stderr


class InstantRenderer:
    """Stands in for the renderer to test the loop alone (the real engine is tested below)."""

    def render_pose(self, portrait, pose, size, activity=0.0):
        pose.final_aus = dict(pose.aus)
        return np.zeros((8, 8, 3), np.uint8)


def test_loop_covers_the_input_without_rendering(speech_wav):
    track = load_audio(speech_wav).slice(0.0, 2.0)
    stats = LiveSession(InstantRenderer(), None, FileSource(track)).run()
    assert stats.frames + stats.skipped >= 48 and stats.frames > 0
    assert stats.latency_ms.summary()["median"] >= 0.75 * stats.algorithmic_ms  # never early


def test_a_recorded_interrupt_stops_the_loop(speech_wav):
    """A signal's KeyboardInterrupt can be lost inside a finalizer ("Exception ignored"); the
    command's recorded interrupt (its CancelToken) stops the loop at its next turn, where a
    --loop run had gone on for ever (a SIGTERM in CI: the test's 60 s ran out)."""
    from core.cli import Interrupts, Terminated

    cancel = Interrupts()
    cancel.signal = Terminated(15)
    session = LiveSession(InstantRenderer(), None, FileSource(load_audio(speech_wav), loop=True))
    with pytest.raises(Terminated):
        session.run(cancel=cancel)
    assert session.stats.frames == 0


@pytest.mark.slow
def test_loop_timing_without_rendering(speech_wav):
    track = load_audio(speech_wav).slice(0.0, 2.0)
    session = LiveSession(InstantRenderer(), None, FileSource(track))
    stats = session.run()
    lat = stats.latency_ms.summary()
    assert stats.frames + stats.skipped >= 48 and stats.skipped <= 3
    # voice to mouth = the tracker's look-ahead, give or take a block and the scheduler
    assert stats.algorithmic_ms - 30 < lat["median"] < stats.algorithmic_ms + 40


def _run_happy_take(rig, speech_wav, speed: float = 1.0):
    engine, portrait = rig
    track = load_audio(speech_wav).slice(0.0, 4.0)
    mailbox = LatestFrame()
    frames = []

    def on_frame(frame):
        mailbox.put(frame)
        frames.append((frame.index, frame.aus.get(26, 0.0), frame.gates.copy()))

    palette = LivePalette()
    palette.solo(1)  # happy
    session = LiveSession(engine, portrait, FileSource(track, speed=speed), palette=palette,
                          on_frame=on_frame)
    stats = session.run()
    print(stats.report())
    return track, stats, frames, mailbox


def test_live_file_follows_speech_and_palette(rig, speech_wav):
    # pulled as fast as the loop reads (speed 0): the same frames however busy the machine is
    track, stats, frames, mailbox = _run_happy_take(rig, speech_wav, speed=0)
    # the final flush may finish a few frames at once and show only the newest
    assert stats.frames >= int(track.duration * LIVE["fps"]) - 4
    # every frame whose time lies inside the audio, shown or skipped, and none past its end
    assert stats.frames + stats.skipped == math.ceil(stats.audio_s * LIVE["fps"] - 1e-6)
    jaw = np.array([a for _, a, _ in frames])
    assert jaw.max() > 0.3 and (jaw < 0.05).any()  # lips open on speech, close in pauses
    assert frames[-1][2][0] > 0.9  # happy by the end
    assert mailbox.take() is not None and mailbox.take() is None


def test_live_seconds_ends_with_the_frames_of_those_seconds(rig, speech_wav):
    # --seconds stopped with the tracker's look-ahead (two frames) still held: 1 s gave 24
    engine, portrait = rig
    track = load_audio(speech_wav, LIVE["sample_rate"])
    session = LiveSession(engine, portrait, FileSource(track, speed=0), size=128)
    stats = session.run(seconds=1.0)
    assert 1.0 <= stats.audio_s < 1.2
    assert stats.frames + stats.skipped == math.ceil(stats.audio_s * LIVE["fps"] - 1e-6)


@pytest.mark.slow
def test_live_file_at_real_time_pace(rig, speech_wav):
    track, stats, _, _ = _run_happy_take(rig, speech_wav)
    n = int(track.duration * LIVE["fps"])
    assert stats.frames + stats.skipped >= n - 2
    # the loop keeps up with real time: on an idle 2-core machine ~2 % of frames are skipped;
    # other processes on the box (parallel test workers) can push it toward 15 %
    assert stats.skipped <= 0.25 * n
    lat = stats.latency_ms.summary()
    # counted from each sample's own arrival: never under the tracker's look-ahead
    assert stats.algorithmic_ms <= lat["median"] < LIVE["latency_budget_ms"]


def test_cli_live_on_a_file(rig, speech_wav, capsys):
    from core.cli import run_cli

    assert run_cli(["live", "--input", str(speech_wav), "--seconds", "2", "--emotion", "sad"]) == 0
    out = capsys.readouterr().out
    assert "voice-to-mouth latency median" in out and "frames" in out


def test_cli_live_frames_a_far_face(rig, speech_wav, far_face_path, capsys):
    """A demo booth's photo with the face small in it: live says so in numbers, and with
    --frame face it shows a square around the face instead (no note)."""
    from core.cli import run_cli

    for frame, small in (("picture", True), ("face", False)):
        assert run_cli(["live", "--portrait", str(far_face_path), "--frame", frame, "--input",
                        str(speech_wav), "--seconds", "0.5"]) == 0
        err = capsys.readouterr().err
        assert ("note: the face is small in the video (11 px between the pupils at 384 px"
                in err) == small, err


def test_cli_live_says_when_its_input_is_cut_short(rig, speech_wav, tmp_path, capsys):
    """A WAV cut off at 3000 bytes (its header still announces 2.64 s): live played 0.07 s and
    reported '1 frames ... over 0.1 s of audio' without a word, where render notes it."""
    from core.cli import run_cli

    cut = tmp_path / "cut.wav"
    cut.write_bytes(speech_wav.read_bytes()[:3000])
    assert run_cli(["live", "--input", str(cut)]) == 0
    assert "note: cut.wav looks cut short: its header announces" in capsys.readouterr().err


def test_cli_live_runs_with_stderr_closed(speech_wav):
    """`main.py live --input F 2>&-`: os.dup(2) in the face detector's log quieting raised
    EBADF and the run exited 1 without a frame (and, stderr closed, without a word)."""
    import os

    proc = subprocess.run([sys.executable, "main.py", "live", "--input", str(speech_wav),
                           "--seconds", "0.3"], cwd=ROOT, stdout=subprocess.PIPE, timeout=120,
                          text=True, preexec_fn=lambda: os.close(2))
    assert proc.returncode == 0 and "voice-to-mouth latency" in proc.stdout, proc.stdout


def test_live_killed_ends_128_plus_the_signal(capsys):
    """SIGTERM (a supervisor stopping the booth) unwound like Ctrl+C and ended 0, as if stopped
    by hand; it prints its stats and ends 128 + 15. Ctrl+C still ends a live run with 0."""
    from types import SimpleNamespace

    from core.cli import Terminated
    from core.cli.live import _run
    from core.live.session import LiveStats

    class Stopped:
        stats = LiveStats()

        def __init__(self, exc):
            self.exc = exc

        def run(self, seconds, cancel=None):
            raise self.exc

    args = SimpleNamespace(input="take.wav", size=64, fps=25, seconds=None)
    assert _run(Stopped(Terminated(15)), args, False) == 128 + 15
    assert _run(Stopped(KeyboardInterrupt()), args, False) == 0
    assert capsys.readouterr().out.count("frames") == 2  # the stats, both times


@pytest.mark.slow
def test_cli_live_killed_says_so_in_its_status(speech_wav):
    """The same through a real process and real signals."""
    import signal
    import time

    for sig, code in ((signal.SIGTERM, 128 + 15), (signal.SIGINT, 0)):
        proc = subprocess.Popen([sys.executable, "main.py", "live", "--input", str(speech_wav),
                                 "--loop", "--size", "64"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        start = time.monotonic()
        line = proc.stderr.readline()  # "live: file ... Ctrl+C to stop": the loop is running
        while "Ctrl+C" not in line and time.monotonic() - start < 60:
            line = proc.stderr.readline()
        time.sleep(0.5)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == code, (sig, proc.returncode, err)
        assert "voice-to-mouth latency" in out, out


def test_latency_counts_from_the_sample_not_from_its_blocks_end(rig, speech_wav):
    """A frame's voice-to-mouth latency was counted from the arrival of the 10 ms block that
    held its sample, and a block is stamped when it ends: every frame came out a block sooner
    than it was, the median (75 ms) under the tracker's own 80 ms look-ahead, which no frame
    can beat. Counted from the sample's own arrival, no rendered frame's median is below it."""
    engine, portrait = rig
    track = load_audio(speech_wav, LIVE["sample_rate"]).slice(0.0, 2.0)
    session = LiveSession(engine, portrait, FileSource(track), size=128)
    stats = session.run()
    assert stats.frames >= 25
    assert stats.latency_ms.summary()["median"] >= stats.algorithmic_ms, stats.report()
