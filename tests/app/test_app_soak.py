"""A demo booth leaves the app running all day (benchmarks/bench_soak.py soaks it): what each
visit leaves behind must not pile up, and no action may hold the GUI thread past a stall's bound.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from app.export_dialog import ExportDialog


def _deferred_deletes() -> None:
    """What the running event loop does with deleteLater()'s objects (the test drives
    processEvents only, which may leave them)."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_closed_export_dialogs_do_not_pile_up(window, qtbot):
    """Each File > Export made a dialog (42 QObjects, the take's keys) that stayed a child of the
    window after it closed: +1 dialog per visit, for as long as the app ran."""
    for _ in range(4):
        window.open_export()
        dialog = window.export_dialog
        qtbot.waitUntil(dialog.isVisible, timeout=5000)
        dialog.cancel_button.click()  # "Close"
        qtbot.waitUntil(lambda d=dialog: not d.isVisible(), timeout=5000)
        _deferred_deletes()
    assert len(window.findChildren(ExportDialog)) <= 1


def _generations_collected(action) -> list[int]:
    """The generations the cycle collector ran over while `action()` ran."""
    import gc
    seen: list[int] = []

    def note(phase, info):
        if phase == "start":
            seen.append(info["generation"])
    gc.callbacks.append(note)
    try:
        action()
    finally:
        gc.callbacks.remove(note)
    return seen


def test_a_live_window_ending_runs_no_full_collection_under_the_main_window(window, qtbot):
    """The live window's end ran a full collection on the GUI thread (gc.collect(): 250-370 ms
    with torch loaded, the longest stall of a booth visit) though the main window's collector
    goes on collecting there: only the last one to stop collects once more."""
    from core.audio.io import load_audio
    from core.live.sources import FileSource
    from app.ui_constants import SAMPLE_VOICE

    voice = load_audio(str(SAMPLE_VOICE), 16000).slice(0.0, 0.6)
    window.live.make_source = lambda: FileSource(voice)
    window.toggle_live(True)
    qtbot.waitUntil(lambda: window.live.window is not None and window.live.window.running,
                    timeout=30000)
    live = window.live.window
    full = _generations_collected(
        lambda: qtbot.waitUntil(lambda: not window.live.active, timeout=30000))
    assert not live.gc_guard.active and window.gc_guard.active
    assert 2 not in full
