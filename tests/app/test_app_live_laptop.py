"""The live window as a demo booth sees it: `main.py live --window` (app/live_window.py alone,
without the main window's modules), the picture's orientation, the window on a laptop screen."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.laptop_screen import on_laptop

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: `main.py live --window` imports app/live_window.py and not
# app/preview.py, so nothing the app's other modules configure may be relied on here.
ORIENTATION = r"""
import numpy as np
from PySide6.QtWidgets import QApplication
import app.live_window as lw
assert "app.preview" not in __import__("sys").modules
from core.audio.io import load_audio
from core.engines import create_engine
from core.live.session import LiveSession
from core.live.sources import FileSource
from core.samples import sample_portrait
from app.ui_constants import SAMPLE_VOICE
qt = QApplication([])
engine = create_engine("rig")
narrow = np.ascontiguousarray(sample_portrait()[:, 96:416])  # 512 tall, 320 wide
track = load_audio(str(SAMPLE_VOICE), 16000).slice(0.0, 2.0)
session = LiveSession(engine, engine.prepare(narrow), FileSource(track), size=256)
shown = []
session.taps.append(lambda frame: shown.append(frame.image.shape))
window = lw.LiveWindow(session)
window.resize(600, 600)
window.show()
window.start()
while window.frames_shown < 3:
    qt.processEvents()
picture = window.view.grab().toImage()
rows = [y for y in range(picture.height())
        if any(picture.pixelColor(x, y).value() > 40 for x in range(0, picture.width(), 4))]
cols = [x for x in range(picture.width())
        if any(picture.pixelColor(x, y).value() > 40 for y in range(0, picture.height(), 4))]
window.stop()
while window.running:
    qt.processEvents()
print(shown[0][0], shown[0][1], rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
"""


def test_the_live_window_shows_the_face_upright_as_main_py_live_opens_it():
    """`main.py live --window` showed the face lying on its side, mirrored (a 512x320 portrait
    as a wide picture): pyqtgraph reads an image as (x, y) unless told otherwise, and only
    app/preview.py told it, which `live --window` never imports. Now the window's image item
    reads rows as rows itself."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", ORIENTATION], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    height, width, shown_height, shown_width = map(int, done.stdout.split()[-4:])
    assert height > width  # the frame is a tall one
    assert shown_height > shown_width  # and so is the picture on screen
    assert abs(shown_width / shown_height - width / height) < 0.05


LIVE_ON_LAPTOP = r"""
from PySide6.QtWidgets import QApplication
import app.live_window as lw
from core.audio.io import load_audio
from core.engines import create_engine
from core.live.session import LiveSession
from core.live.sources import FileSource
from core.samples import sample_portrait
from app.ui_constants import SAMPLE_VOICE
qt = QApplication([])
engine = create_engine("rig")
track = load_audio(str(SAMPLE_VOICE), 16000).slice(0.0, 2.0)
session = LiveSession(engine, engine.prepare(sample_portrait()), FileSource(track), size=256)
window = lw.LiveWindow(session)
window.show()
window.start()
while window.frames_shown < 3:
    qt.processEvents()
screen, size = window.screen().availableGeometry(), window.size()  # inside its frame
status = window.status
fits = size.width() <= screen.width() and size.height() <= screen.height()
print(fits, size.width(), size.height(), screen.width(), screen.height())
shown = status.shown_text() if hasattr(status, "shown_text") else status.text()
print(status.fontMetrics().horizontalAdvance(shown) <= status.contentsRect().width(), shown)
window.stop()
while window.running:
    qt.processEvents()
"""


@pytest.mark.parametrize("width, height, scale", [(1280, 720, 1.0), (1366, 768, 1.5)])
def test_the_live_window_fits_a_laptop_screen(tmp_path, width, height, scale):
    """The live window opened 720x760 whatever the screen: 40 pixels of it, the status line
    with the latency among them, below a 1280x720 laptop's edge; at 150% (911x512 logical
    pixels) its bottom third, and its help line held it 700 wide. Now it takes the screen's
    free area when that is smaller, and the status line elides its help, numbers first."""
    fits, size_line = on_laptop(LIVE_ON_LAPTOP, tmp_path, width, height, scale).splitlines()[-2:]
    assert fits.split()[0] == "True", fits
    whole, shown = size_line.split(" ", 1)
    assert whole == "True"  # not clipped
    assert "ms voice to mouth" in shown, size_line  # the numbers in sight
