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


def test_a_busy_mark_beside_the_frame_rate_never_widens_the_preview(qtbot):
    """The busy mark ("⏳ Loading engine parts…", shown beside the frame rate while the engine
    warms up after the first frame) asked for its whole width: the preview's narrowest grew
    from 412 to 568 px, and a window at its narrowest with it (to 974 px, and it stayed so, on a
    1280x720 laptop at 150%: 853 px wide). It now elides into the room there is (at least an
    ellipsis, 430 px), the whole text in its tooltip."""
    import numpy as np

    from app.preview import Preview
    preview = Preview()
    qtbot.addWidget(preview)
    preview.show()
    preview.show_frame(np.zeros((64, 64, 3), np.uint8))
    _settle(qtbot)
    narrowest = preview.minimumSizeHint().width()
    preview.set_busy("Loading engine parts…")
    _settle(qtbot)
    busy = preview.busy
    assert busy.isVisible() and preview.minimumSizeHint().width() < narrowest + 30  # an "…"
    assert "Loading engine parts…" in busy.toolTip()
    preview.resize(900, 400)  # with room, the whole text
    _settle(qtbot)
    assert busy.shown_text() == busy.text()
    preview.set_busy("")
    assert not busy.isVisible()
