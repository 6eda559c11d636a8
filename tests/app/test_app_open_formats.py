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


def test_a_voice_opened_before_the_sample_voice_is_ready_stays(qtbot, settings, errors, answers,
                                                              speech_wav):
    """A window starts loading the sample voice; a voice opened at once (dropped, or named on
    the command line: `moee-palette face.png voice.wav`) replaces that load, and the project
    names it only once it is ready. A change of the project's media meanwhile (the portrait
    becoming ready did it, one time in three) loaded the project's voice, the sample, again,
    and the sample voice played."""
    from app.main_window import MainWindow
    from tests.app.conftest import make_engine

    w = MainWindow(settings=settings, engine=make_engine())
    qtbot.addWidget(w)
    w.show()
    w.open_path(str(speech_wav))
    w.set_frame(False)  # the project's media changed, the voice still loading
    qtbot.waitUntil(lambda: bool(errors) or (
        not w.session.loading() and w.session.audio is not None
        and w.session.audio.path == str(speech_wav)), timeout=60000)
    qtbot.wait(200)
    assert errors == [] and w.session.audio.path == str(speech_wav)
    assert w.project.audio_path == str(speech_wav)
    w.close()
