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


SCALED_LAPTOP = (853, 480)  # 1280x720 at QT_SCALE_FACTOR=1.5, in logical pixels


def _inside(window, widget) -> bool:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return window.rect().contains(top_left) and window.rect().contains(
        widget.mapTo(window, widget.rect().bottomRight()))


def test_the_window_fits_a_laptop_at_150_percent_with_every_key_button_whole(window, qtbot):
    """The key bar's one row asked for 601 px, and with the palette the window for 1007, over
    the 853 logical pixels of a 1280x720 laptop at 150% (911 on 1366x768): the palette's values
    and scroll bar lay past the screen's edge. The auto-key buttons now take a second row when
    the first is too narrow for them, and go back when it is wide enough."""
    bar = window.audio_strip.keybar
    window.resize(*SCALED_LAPTOP)
    _settle(qtbot)
    assert window.width() == SCALED_LAPTOP[0], window.minimumSizeHint()
    buttons = (bar.add, bar.delete, bar.easing, bar.auto, bar.accept, bar.discard)
    for button in buttons:
        assert _inside(window, button) and button.width() >= button.sizeHint().width(), button
    assert _inside(window, window.palette_dock)
    bar.show_proposals(12, busy=False)  # "Accept all (12)": longer, still whole
    _settle(qtbot)
    assert window.width() == SCALED_LAPTOP[0] and _inside(window, bar.accept)
    assert bar.accept.width() >= bar.accept.sizeHint().width()
    window.resize(*LAPTOP)
    _settle(qtbot)
    assert bar.accept.y() == bar.add.y()  # one row again where it fits
    for button in buttons:
        assert button.width() >= button.sizeHint().width(), button


def test_a_long_export_path_keeps_the_export_dialog_on_the_screen(window, qtbot):
    """The export dialog's path field grew with the path to 820 px, the dialog to 1020: past a
    1280x720 laptop's right edge from where it opened, wider than the whole screen at 150% (853
    px) or this 800 px test screen, Browse, Export and Cancel beyond it. The field now takes at
    most what the screen leaves, shows the path's end, and the dialog moves back inside."""
    from PySide6.QtWidgets import QPushButton
    screen = window.screen().availableGeometry()
    window.open_export()
    dialog = window.export_dialog
    qtbot.waitUntil(dialog.isVisible)
    name = "portrait_of_the_presenter_with_a_sad_surprise_take_03.mp4"
    dialog.path.setText("/home/someone/Documents/Projects/Conference booth 2026/takes/" + name)
    _settle(qtbot)
    qtbot.waitUntil(lambda: screen.contains(dialog.frameGeometry()), timeout=2000)
    for button in dialog.findChildren(QPushButton):
        if button.isVisible():
            corner = button.mapToGlobal(button.rect().bottomRight())
            assert screen.contains(button.mapToGlobal(button.rect().topLeft())), button.text()
            assert screen.contains(corner), button.text()
    path = dialog.path
    shown = path.fontMetrics().horizontalAdvance(name)
    assert path.cursorPosition() == len(path.text()) and shown < path.width()  # the file name
    assert path.toolTip() == path.text()
    dialog.reject()


def test_the_key_line_elided_on_a_narrow_window_is_whole_in_its_tooltip(window, qtbot):
    """At 150% on a 1280x720 laptop the key bar's line read "key at 1.23 s sel…" or "no keys:
    one em…", and its tooltip held the keys' help only: the rest of the line was nowhere. The
    tooltip now starts with the whole line."""
    from core.mix import EmotionMix
    window.project.set_keyframes([{"time": 1.23, "mix": EmotionMix.from_preset("sad").as_dict()}])
    window.select_key(0)
    window.resize(*SCALED_LAPTOP)
    _settle(qtbot)
    info = window.audio_strip.keybar.info
    assert info.text() == "key at 1.23 s selected: the palette edits it"
    assert info.shown_text().endswith("…")  # elided here
    assert info.toolTip().startswith(info.text()) and "Add key" in info.toolTip()
