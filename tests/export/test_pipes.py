"""Frame pipes: widened to hold a whole frame where the kernel allows, unchanged elsewhere."""
from __future__ import annotations

import os
import sys

import pytest

from core.video import pipes


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
def test_a_pipe_is_widened_to_hold_a_frame():
    import fcntl

    r, w = os.pipe()
    try:
        before = fcntl.fcntl(r, fcntl.F_GETPIPE_SZ)
        assert pipes.widen(w)
        after = fcntl.fcntl(r, fcntl.F_GETPIPE_SZ)
        assert after >= pipes.PIPE_BYTES > before
        data = bytes(range(256)) * 3072  # a 512 px I420 frame's size, written without a reader
        assert os.write(w, data) == len(data)
        assert os.read(r, len(data)) == data
    finally:
        os.close(r)
        os.close(w)


def test_what_is_not_a_pipe_is_left_alone(tmp_path):
    with open(tmp_path / "f", "wb") as f:
        assert pipes.widen(f.fileno()) is False
        f.write(b"still a file")
    assert (tmp_path / "f").read_bytes() == b"still a file"
