"""A named pipe (or any other non-file) given where a file is read is refused at once.

open() on a FIFO that nothing writes to waits forever: `render --portrait pipe.png`, a
`--keys` file and an app project hung, and a manifest or clip list that is a pipe was reported
"not found". Each reader now says what the path is."""
from __future__ import annotations

import os
import threading

import pytest

from core.errors import InputError

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def _readers():
    from core.batch.manifest import read_manifest
    from core.face.image_io import load_image
    from core.keyframes import load_keys
    from core.project import load_project
    from core.training.metadata import read_metadata
    from core.training.video import read_video

    return [("the picture", load_image, "face.png"), ("the keyframe file", load_keys, "k.json"),
            ("the project file", load_project, "p.moee"), ("the manifest", read_manifest, "m.csv"),
            ("the metadata file", read_metadata, "meta.csv"), ("the video", read_video, "a.mp4")]


@pytest.mark.parametrize("what,read,name", _readers(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path, what, read, name):
    pipe = tmp_path / name
    os.mkfifo(pipe)
    caught: list[BaseException] = []

    def call():
        try:
            read(pipe)
        except BaseException as e:  # noqa: BLE001 - handed to the test's thread
            caught.append(e)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(20)
    if t.is_alive():  # free the reader blocked in open(): a writer end, opened and closed
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"reading {what} from a named pipe waited for a writer")
    assert len(caught) == 1 and isinstance(caught[0], InputError), caught
    msg = str(caught[0])
    assert msg.startswith(f"{what} {name} is not a regular file"), msg
    assert "pipe" in msg


def test_a_device_is_refused_as_a_picture():
    from core.face.image_io import load_image

    with pytest.raises(InputError, match="not a regular file"):
        load_image("/dev/zero")  # reads without end
