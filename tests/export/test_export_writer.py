"""VideoWriter and export_video: real ffmpeg encodes, real espeak speech, a synthetic engine."""
from __future__ import annotations

import os

import numpy as np
import pytest

from core.audio.io import load_audio
from core.engine import CancelToken, RenderJob
from core.errors import Cancelled, ExportError
from core.video.export import VideoWriter, check_output_path, export_video
from core.video.yuv import to_i420
from tests.export.helpers import StripeEngine, audio_seconds, decoded_frames, probe

FPS = 25


def _frames(n: int, w: int, h: int):
    for i in range(n):
        img = np.zeros((h, w, 3), np.uint8)
        img[..., 0] = (i * 9) % 256
        img[: h // 2, :, 1] = 200
        yield img


@pytest.fixture(scope="module")
def speech(speech_wav):
    return load_audio(speech_wav)


def _job(audio, size=160, duration=2.0, start=0.0, fps=FPS):
    return RenderJob(portrait=None, audio=audio, fps=fps, size=size, start=start, duration=duration)


def test_writer_makes_h264_aac_with_exact_length(tmp_path, speech):
    out = tmp_path / "take.mp4"
    with VideoWriter(out, FPS, 160, 120, speech, audio_start=0.5) as w:
        for img in _frames(50, 160, 120):
            w.write(img)
    info = probe(out)
    assert info["video"] == "h264" and info["audio"] == "aac", info["text"]
    assert info["size"] == (160, 120)
    assert abs(info["duration"] - 2.0) <= 1 / FPS
    assert abs(audio_seconds(out) - 2.0) <= 1 / FPS
    assert len(decoded_frames(out)) == 50
    assert os.listdir(tmp_path) == ["take.mp4"]


def test_audio_shorter_than_video_is_padded_not_cutting_video(tmp_path, speech):
    out = tmp_path / "tail.mov"
    start = speech.duration - 0.5  # only half a second of audio left for a 1 s video
    with VideoWriter(out, FPS, 128, 96, speech, audio_start=start) as w:
        for img in _frames(25, 128, 96):
            w.write(img)
    assert len(decoded_frames(out)) == 25
    assert abs(probe(out)["duration"] - 1.0) <= 1 / FPS


@pytest.mark.parametrize("w,h", [(161, 121), (100, 75), (97, 64)])
def test_odd_sizes_are_cropped_to_even(tmp_path, w, h):
    out = tmp_path / "odd.mkv"
    with VideoWriter(out, FPS, w, h, None) as writer:
        for img in _frames(10, w, h):
            writer.write(img)
    frames = decoded_frames(out)
    assert len(frames) == 10
    assert frames[0].shape == (h - h % 2, w - w % 2, 3)
    assert probe(out)["audio"] is None


def test_colours_survive_the_round_trip(tmp_path):
    out = tmp_path / "colour.mp4"
    img = np.zeros((64, 64, 3), np.uint8)
    img[:32] = (200, 30, 30)
    img[32:] = (30, 160, 220)
    with VideoWriter(out, FPS, 64, 64, None) as w:
        for _ in range(3):
            w.write(img)
    got = decoded_frames(out)[0].astype(int)
    assert np.abs(got[8:24, 8:56] - (200, 30, 30)).max() <= 6
    assert np.abs(got[40:56, 8:56] - (30, 160, 220)).max() <= 6


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_exception_mid_write_leaves_no_file(tmp_path, speech, exc):
    out = tmp_path / "broken.mp4"
    with pytest.raises(exc):
        with VideoWriter(out, FPS, 160, 120, speech) as w:
            for i, img in enumerate(_frames(40, 160, 120)):
                w.write(img)
                if i == 10:
                    raise exc()
    assert os.listdir(tmp_path) == []


def test_failed_export_keeps_old_file_and_success_replaces_it(tmp_path):
    out = tmp_path / "take.mp4"
    with VideoWriter(out, FPS, 64, 64, None) as w:
        for img in _frames(5, 64, 64):
            w.write(img)
    old = out.read_bytes()
    with pytest.raises(RuntimeError):
        with VideoWriter(out, FPS, 64, 64, None) as w:
            for img in _frames(30, 64, 64):
                w.write(img)
            raise RuntimeError("boom")
    assert out.read_bytes() == old
    with VideoWriter(out, FPS, 96, 64, None) as w:
        for img in _frames(12, 96, 64):
            w.write(img)
    assert out.read_bytes() != old
    assert len(decoded_frames(out)) == 12
    assert os.listdir(tmp_path) == ["take.mp4"]


def test_an_encoder_orphaned_by_a_signal_finds_nowhere_to_write(tmp_path):
    """The temp files live in a hidden folder that the clean-up removes: an ffmpeg started just
    before a Ctrl-C (not yet ours to kill) that opens its output later can't make a loose
    .partial file again (a batch stopped by Ctrl-C kept one)."""
    out = tmp_path / "take.mp4"
    with pytest.raises(RuntimeError):
        with VideoWriter(out, FPS, 64, 64, None) as w:
            late = w._temp
            assert late.parent != tmp_path and late.parent.name.endswith(".partial.mp4")
            raise RuntimeError("Ctrl-C")
    with pytest.raises(FileNotFoundError):
        open(late, "wb")
    assert os.listdir(tmp_path) == []


def test_a_link_is_written_through_and_a_file_keeps_its_mode(tmp_path):
    """core/atomic.py's promise for every writer: a symlinked output is written at its target
    (the link stays a link) and a file written over keeps its permission bits."""
    real = tmp_path / "store" / "take.mp4"
    real.parent.mkdir()
    real.write_bytes(b"old")
    os.chmod(real, 0o664)
    link = tmp_path / "take.mp4"
    link.symlink_to(real)
    with VideoWriter(link, FPS, 64, 64, None) as w:
        for img in _frames(5, 64, 64):
            w.write(img)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert len(decoded_frames(real)) == 5
    assert os.stat(real).st_mode & 0o777 == 0o664
    assert sorted(os.listdir(real.parent)) == ["take.mp4"]  # no temp file left beside it


def test_encoder_dying_mid_stream_is_an_export_error(tmp_path):
    out = tmp_path / "dead.mp4"
    with pytest.raises(ExportError, match="disk full"):
        with VideoWriter(out, FPS, 320, 240, None) as w:
            for i, img in enumerate(_frames(200, 320, 240)):
                if i == 5:
                    w._enc.proc.kill()
                    w._enc.proc.wait()
                w.write(img)
    assert os.listdir(tmp_path) == []


def test_bad_frames_and_empty_videos_are_errors_without_files(tmp_path):
    with pytest.raises(ExportError, match="64x64"):
        with VideoWriter(tmp_path / "a.mp4", FPS, 64, 64, None) as w:
            w.write(np.zeros((64, 64, 3), np.uint8))
            w.write(np.zeros((32, 64, 3), np.uint8))
    with pytest.raises(ExportError, match="no frames"):
        with VideoWriter(tmp_path / "b.mp4", FPS, 64, 64, None):
            pass
    assert os.listdir(tmp_path) == []


def test_bad_paths_fail_before_any_work(tmp_path, speech):
    engine = StripeEngine()
    cases = {
        tmp_path / "missing" / "take.mp4": "does not exist",
        tmp_path / "take.avi": r"\.mp4",
        tmp_path: "folder",
    }
    for path, msg in cases.items():
        with pytest.raises(ExportError, match=msg):
            export_video(engine, _job(speech), path)
    assert engine.calls == 0


def test_unwritable_folder_fails_up_front(tmp_path):
    if os.geteuid() == 0:  # root writes through mode bits: use a folder the kernel refuses
        folder = "/sys"
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
    with pytest.raises(ExportError, match="cannot write"):
        check_output_path(os.path.join(folder, "take.mp4"))
    with pytest.raises(ExportError, match="cannot write"):
        VideoWriter(os.path.join(folder, "take.mp4"), FPS, 64, 64, None)


def test_export_video_streams_the_engine(tmp_path, speech):
    seen = []
    out = tmp_path / "clip.mp4"
    res = export_video(StripeEngine(), _job(speech, size=160, start=1.0, duration=1.2), out,
                       progress=lambda d, t: seen.append((d, t)))
    assert res.path == out and res.frames == 30 and res.fps == FPS
    assert res.seconds == pytest.approx(1.2) and (res.width, res.height) == (160, 120)
    assert seen[-1] == (30, 30)
    info = probe(out)
    assert info["video"] == "h264" and info["audio"] == "aac"
    assert abs(info["duration"] - 1.2) <= 1 / FPS
    assert len(decoded_frames(out)) == 30


def test_silent_job_has_no_audio_stream(tmp_path):
    out = tmp_path / "silent.mp4"
    res = export_video(StripeEngine(), _job(None, duration=0.8), out)
    assert res.frames == 20 and probe(out)["audio"] is None


def test_cancel_mid_export_leaves_no_file(tmp_path, speech):
    token = CancelToken()

    def progress(done, total):
        if done == 8:
            token.cancel()

    with pytest.raises(Cancelled):
        export_video(StripeEngine(), _job(speech), tmp_path / "c.mp4", progress=progress,
                     cancel=token)
    assert os.listdir(tmp_path) == []


def test_cancel_after_the_last_frame_still_leaves_no_file(tmp_path):
    token = CancelToken()

    def progress(done, total):
        if done == total:
            token.cancel()

    with pytest.raises(Cancelled):
        export_video(StripeEngine(), _job(None, duration=0.4), tmp_path / "c.mp4",
                     progress=progress, cancel=token)
    assert os.listdir(tmp_path) == []


def test_full_disk_is_reported_and_cleaned_up(tmp_path, monkeypatch):
    """RLIMIT_FSIZE on ffmpeg makes its writes fail like a full disk (EFBIG)."""
    import resource
    import signal

    import core.video.ffmpeg as ff

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    monkeypatch.setattr(ff, "_own_group", lambda: {"start_new_session": True, "preexec_fn": limit})
    rng = np.random.default_rng(0)
    with pytest.raises(ExportError, match="disk is full"):
        with VideoWriter(tmp_path / "big.mp4", FPS, 320, 240, None) as w:
            for _ in range(100):
                w.write(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("written", [50, 45, 55])
def test_one_pass_audio_is_exact_even_when_the_count_differs(tmp_path, speech, written):
    """With the frame count known (50), the encoding pass muxes the sound itself; a different
    count arriving falls back to the second pass, so the length is still exact."""
    out = tmp_path / "one.mp4"
    with VideoWriter(out, FPS, 160, 120, speech, audio_start=0.5, frames=50) as w:
        for img in _frames(written, 160, 120):
            w.write(img, copy=False)
    assert len(decoded_frames(out)) == written
    assert abs(probe(out)["duration"] - written / FPS) <= 1 / FPS
    assert abs(audio_seconds(out) - written / FPS) <= 1 / FPS
    assert os.listdir(tmp_path) == ["one.mp4"]


def test_frames_reused_by_the_caller_are_copied_by_default(tmp_path):
    """The pipe is fed from a queue, so a buffer the caller refills must be copied on write."""
    out = tmp_path / "reuse.mp4"
    img = np.zeros((48, 64, 3), np.uint8)
    with VideoWriter(out, FPS, 64, 48, None) as w:
        for i in range(20):
            img[:] = i * 12
            w.write(img)
    means = [float(f.mean()) for f in decoded_frames(out)]
    assert np.allclose(means, [i * 12 for i in range(20)], atol=3)


def test_frames_queued_without_a_wakeup_still_reach_the_encoder(tmp_path):
    """A Ctrl-C inside Queue.put can skip the notify after a frame is queued; with the queue
    then full, a feeder waiting for that notify and a producer waiting for room would hang
    (seen once in a loaded full-suite run). The feeder polls, so the frames go through."""
    import threading
    import time

    out = tmp_path / "lost.mp4"
    w = VideoWriter(out, FPS, 64, 48, None).__enter__()
    w.write(np.zeros((48, 64, 3), np.uint8))
    queued = w._enc._queue
    while queued.qsize():
        time.sleep(0.01)
    time.sleep(0.5)  # the feeder has written frame 0 and waits for the next
    with queued.mutex:  # what an interrupted put() leaves: items in, nobody notified
        for i in range(queued.maxsize):
            queued.queue.append((to_i420(np.full((48, 64, 3), 40 * i, np.uint8)), None))
    w.frames += queued.maxsize
    closer = threading.Thread(target=w.close, daemon=True)
    closer.start()
    closer.join(timeout=60)
    assert not closer.is_alive()
    assert len(decoded_frames(out)) == 1 + queued.maxsize


def test_a_queue_lock_left_held_by_ctrl_c_does_not_stop_the_clean_up(tmp_path):
    """A Ctrl-C inside Queue.put() can leave the queue's lock held for good: threading.
    Condition's __enter__ is Python code, so the KeyboardInterrupt can come after the lock is
    taken and before the with block that would release it. The clean-up that the Ctrl-C runs
    must not need that lock (seen: `main.py render` never exiting after Ctrl-C, its main thread
    in kill() -> Queue.put(None), blocked on the lock whatever the put's timeout)."""
    import threading

    out = tmp_path / "locked.mp4"
    w = VideoWriter(out, FPS, 64, 48, None).__enter__()
    for i in range(3):
        w.write(np.full((48, 64, 3), 40 * i, np.uint8))
    enc = w._enc
    enc._queue.mutex.acquire()  # what the interrupted put() leaves: held, by nobody
    closer = threading.Thread(target=w.abort, daemon=True)
    closer.start()
    closer.join(timeout=20)
    assert not closer.is_alive(), "abort() hung on the queue's lock"
    assert enc.proc.poll() is not None  # ffmpeg is gone
    assert os.listdir(tmp_path) == [] and not out.exists()


def _raise_interrupt(*a, **kw):
    raise KeyboardInterrupt


def test_ctrl_c_as_close_begins_leaves_no_temp_files(tmp_path, monkeypatch):
    """A Ctrl-C between the with block's end and close()'s own clean-up: __exit__ cleans up."""
    out = tmp_path / "x.mp4"
    with pytest.raises(KeyboardInterrupt):
        with VideoWriter(out, FPS, 64, 48, None) as w:
            w.write(np.zeros((48, 64, 3), np.uint8))
            monkeypatch.setattr(w, "close", _raise_interrupt)
    assert os.listdir(tmp_path) == []


def test_a_second_ctrl_c_while_stopping_the_encoder_still_deletes_the_temp_files(tmp_path):
    out = tmp_path / "x.mp4"
    w = VideoWriter(out, FPS, 64, 48, None).__enter__()
    w.write(np.zeros((48, 64, 3), np.uint8))
    enc, real_kill = w._enc, w._enc.kill
    enc.kill = _raise_interrupt
    with pytest.raises(KeyboardInterrupt):
        w.abort()
    real_kill()
    assert os.listdir(tmp_path) == []
