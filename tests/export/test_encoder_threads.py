"""x264's threads: one on a machine the renderers fill (2 cores or fewer), its own choice above."""
from __future__ import annotations

import pytest

from core.video import ffmpeg
from core.video.ffmpeg import EncodeSpec, encode_command


@pytest.mark.parametrize("cores,one_thread", [(1, True), (2, True), (4, False), (None, True)])
def test_x264_threads_follow_the_core_count(monkeypatch, cores, one_thread):
    monkeypatch.setattr(ffmpeg.os, "cpu_count", lambda: cores)
    cmd = encode_command(EncodeSpec("out.mp4", 25, 64, 64, 18, "veryfast", "mp4"))
    pairs = dict(zip(cmd, cmd[1:]))
    assert pairs["-c:v"] == "libx264" and pairs["-crf"] == "18"
    assert (pairs.get("-threads") == "1") == one_thread
    if one_thread:  # an output option for the video encoder: after -c:v, before the file
        assert cmd.index("-c:v") < cmd.index("-threads") < cmd.index("out.mp4")
