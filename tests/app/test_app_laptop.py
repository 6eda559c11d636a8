"""Issue 14, item 3: the window fits a 1280x720 laptop screen and never widens by itself."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

LAPTOP = (1280, 720)


def _settle(qtbot) -> None:
    QApplication.processEvents()
    qtbot.wait(50)


def test_minimum_size_fits_a_laptop_and_docks_keep_apart(window, qtbot):
    hint = window.minimumSizeHint()
    assert hint.width() <= LAPTOP[0] and hint.height() <= LAPTOP[1], hint
    window.resize(*LAPTOP)
    _settle(qtbot)
    assert (window.width(), window.height()) == LAPTOP
    inside = window.rect()
    palette, audio = window.palette_dock.geometry(), window.audio_dock.geometry()
    assert inside.contains(palette) and inside.contains(audio)
    assert not palette.intersects(audio)  # the audio strip does not cover the palette
    assert palette.width() >= window.palette.minimumSizeHint().width()
    assert window.palette.au_grid.columns >= 1


def test_growing_status_text_never_widens_the_window(window, qtbot):
    window.resize(*LAPTOP)
    _settle(qtbot)
    before = window.minimumSizeHint().width()
    info = window.audio_strip.keybar.info
    info.setText("key at 1.23 s selected: the palette edits it · " * 12)
    window._status("portrait", "portrait missing: " + "a_very_long_file_name_" * 10 + ".png")
    _settle(qtbot)
    assert window.width() == LAPTOP[0] and window.minimumSizeHint().width() == before
    assert info.shown_text().endswith("…") and info.text().startswith(info.shown_text()[:-1])
    label = window.status_labels["portrait"]
    assert label.toolTip() == label.text()  # the whole name is one hover away
