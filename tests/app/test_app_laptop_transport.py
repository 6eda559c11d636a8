"""The preview's transport (play, scrub slider, time, loop, frame rate) on laptop screens: the
main window as it opens on the screen, in a fresh interpreter at the screen's scaling."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QApplication

from app.ui_constants import SCRUB_MIN_WIDTH
from tests.app.laptop_screen import on_laptop

MAIN_WINDOW_ON_LAPTOP = r"""
import json, sys, tempfile, time
from pathlib import Path
from PySide6.QtWidgets import QApplication
from app.main_window import MainWindow
from app.settings import AppSettings
qt = QApplication([])
w = MainWindow(settings=AppSettings(str(Path(tempfile.mkdtemp()) / "settings.ini")))
w.show()
end = time.monotonic() + 60
while time.monotonic() < end and w.preview.image.image is None:
    qt.processEvents()
    time.sleep(0.01)
for _ in range(20):
    qt.processEvents()
    time.sleep(0.01)
p = w.preview

def box(x):
    r = x.rect().translated(x.mapTo(w, x.rect().topLeft()))
    return [r.x(), r.y(), r.width(), r.height(), x.sizeHint().width()]

print(json.dumps({"window": [w.width(), w.height()], "frame": p.image.image is not None,
                  "palette": w.palette_dock.width(),
                  **{n: box(getattr(p, n)) for n in ("play", "scrub", "time_label", "loop",
                                                     "fps_label")}}))
w.project.dirty = False
w.close()
"""

# (screen width, height, QT_SCALE_FACTOR): logical 853x480, 960x540, 1366x768, 1280x720
SCREENS = [(1280, 720, 1.5), (1920, 1080, 2.0), (1366, 768, 1.0), (2560, 1440, 2.0)]


@pytest.mark.parametrize("width, height, scale", SCREENS)
def test_the_scrub_slider_keeps_a_usable_width_on_laptop_screens(tmp_path, width, height,
                                                                  scale):
    """At 1280x720 with 150% scaling (853x480 logical px) the scrub slider got 33 px of the
    window's 853, at 1920x1080 at 200% (960x540) 77: the palette dock took 417 and 480, and
    the transport row's other controls (play, time, loop, frame rate) 400 of the rest. The
    slider now takes a row of its own with the play button when one row would leave it under
    SCRUB_MIN_WIDTH (388 and 441 px), and the palette at most half a narrow window; on 1366x768
    and 1280x720 (logical) screens the row stays one, as wide as before (483 and 397 px)."""
    shown = json.loads(on_laptop(MAIN_WINDOW_ON_LAPTOP, tmp_path, width, height,
                                 scale).splitlines()[-1])
    window_w, window_h = shown["window"]
    assert (window_w, window_h) == (round(width / scale), round(height / scale)), shown
    assert shown["frame"]
    x, y, scrub_w, _h, _hint = shown["scrub"]
    assert scrub_w >= SCRUB_MIN_WIDTH, shown
    assert scrub_w >= 0.4 * window_w or window_w >= 1280, shown  # a laptop's: 40 % at least
    for name in ("play", "scrub", "time_label", "loop", "fps_label"):
        x, y, w, h, hint = shown[name]
        assert 0 <= x and x + w <= window_w and 0 <= y and y + h <= window_h, (name, shown)
        if name != "scrub":
            assert w >= hint, (name, shown)  # whole, not squeezed
    two_rows = shown["time_label"][1] >= shown["scrub"][1] + shown["scrub"][3]
    assert two_rows == (window_w < 1280), shown


def _settle(qtbot) -> None:
    QApplication.processEvents()
    qtbot.wait(50)


def _below(widget, other) -> bool:
    return widget.y() >= other.y() + other.height()


def test_the_transport_takes_two_rows_when_narrow_and_one_when_wide(window, qtbot):
    """The same window resized: two rows at 853x480 (logical), one again at 1366x768, with the
    scrub slider as wide there as before (483 px); the busy mark beside the frame rate goes to
    the second row with the rest."""
    preview = window.preview
    window.resize(853, 480)
    _settle(qtbot)
    assert window.width() == 853
    assert preview.scrub.width() >= max(SCRUB_MIN_WIDTH, 0.4 * 853), preview.scrub.width()
    assert preview.transport.rows == 2 and _below(preview.time_label, preview.play)
    preview.set_busy("Loading engine parts…")
    _settle(qtbot)
    assert window.width() == 853 and _below(preview.busy, preview.play)
    assert preview.scrub.width() >= SCRUB_MIN_WIDTH
    preview.set_busy("")
    window.resize(1366, 768)
    _settle(qtbot)
    assert preview.transport.rows == 1 and not _below(preview.time_label, preview.play)
    assert preview.scrub.width() >= 480, preview.scrub.width()
