"""Files the loaders read, dropped on the window or picked from Recent (File > open_path): a voice
in Opus (WhatsApp's voice notes), Ogg/Opus under .oga (Telegram's), AAC or a video's sound, and
a GIF's first frame, as `render --audio/--portrait` takes them. The window refused each as
"not a portrait image, a voice recording or a MoEE project"."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PIL import Image

from tests.conftest import make_speech


def _ffmpeg(*args) -> None:
    import imageio_ffmpeg
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *map(str, args)],
                   check=True)


@pytest.mark.parametrize("name, codec", [("note.opus", "libopus"), ("note.oga", "libopus"),
                                         ("note.aac", "aac"), ("take.mp4", "aac"),
                                         ("take.webm", "libopus")])
def test_a_voice_the_loader_reads_opens_when_dropped(window, qtbot, errors, tmp_path, name,
                                                     codec):
    wav = make_speech(tmp_path / "hello.wav", "Hello.", rate=220)
    path = tmp_path / name
    video = ["-f", "lavfi", "-i", "color=c=gray:s=64x64:d=1"] if name.startswith("take") else []
    _ffmpeg(*video, "-i", wav, "-c:a", codec, "-shortest", path)
    window.open_path(str(path))
    qtbot.waitUntil(lambda: bool(errors) or (window.session.audio is not None
                                             and window.session.audio.path == str(path)),
                    timeout=20000)
    assert not errors


def test_a_gif_opens_as_a_portrait(window, qtbot, errors, tmp_path, portrait):
    path = tmp_path / "face.gif"
    frames = [Image.fromarray(portrait), Image.fromarray(np.full_like(portrait, 128))]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    window.open_path(str(path))
    qtbot.waitUntil(lambda: bool(errors) or (window.session.portrait is not None
                                             and window.session.portrait.path == str(path)),
                    timeout=20000)
    assert not errors
