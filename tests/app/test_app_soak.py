"""A demo booth leaves the app running all day (benchmarks/bench_soak.py soaks it): what each
visit leaves behind must not pile up, and no action may hold the GUI thread past a stall's bound.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

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


@contextmanager
def collector_passes():
    """The generations the cycle collector runs over inside the block, in order."""
    seen: list[int] = []

    def note(phase, info):
        if phase == "start":
            seen.append(info["generation"])
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


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
    with collector_passes() as full:
        qtbot.waitUntil(lambda: not window.live.active, timeout=30000)
    assert not live.gc_guard.active and window.gc_guard.active
    assert 2 not in full


class _Loop:
    def __init__(self):
        self.me = self


def _cyclic_garbage(n: int) -> list:
    return [_Loop() for _ in range(n)]


def test_gui_thread_gc_makes_a_full_pass_only_when_the_old_generation_grew(monkeypatch):
    """The GUI timer's collector ran over the whole heap (gc.collect(2): 250-370 ms with torch
    loaded) every 100 young passes, also when next to nothing had grown old, where Python's own
    collector waits until a quarter of the old generation is new: a stall every half hour or so
    of a booth's day. Its ticks are driven by hand here."""
    from app.gui_gc import GuiThreadGC

    young = 2 * gc.get_threshold()[0]  # past the young threshold each tick
    guard = GuiThreadGC(interval_ms=10 ** 6).start()
    try:
        with collector_passes() as seen:
            for _ in range(150):  # garbage that dies young: 150 young passes, 13 middle ones
                _cyclic_garbage(young)
                guard.check()
            assert seen.count(1) >= 10 and 2 not in seen
            # much grows old (through a middle pass): a full pass comes, as Python's would
            old = _cyclic_garbage(len(gc.get_objects(2)) // 3)
            for _ in range(150):
                _cyclic_garbage(young)
                guard.check()
            del old
            assert 2 in seen
        # a second collector (a live window's) starting under it does not list the heap again
        listed: list[int] = []
        monkeypatch.setattr("app.gui_gc.gc.get_objects",
                            lambda generation=None: listed.append(generation) or [])
        second = GuiThreadGC(interval_ms=10 ** 6).start()
        second.stop()
        assert listed == []
    finally:
        guard.stop()


def test_the_preview_latencies_kept_stay_capped(qtbot, settings, errors, answers, monkeypatch):
    """The window appended each preview frame's control -> frame latency to a list that was
    never cut: one more float a frame for as long as the app ran. The newest are kept."""
    from app.main_window import MainWindow
    from tests.app.conftest import make_engine

    monkeypatch.setattr("app.main_window.LATENCY_SAMPLES", 4, raising=False)
    w = MainWindow(settings=settings, engine=make_engine())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.session.portrait is not None and not w.session.loading()
                    and w.preview.image.image is not None, timeout=60000)
    slider = w.palette.sliders.sliders[0]
    for value in range(10, 90, 10):  # 8 edits, 8 frames
        shown = w.preview.frames_shown
        slider.setValue(value)
        qtbot.waitUntil(lambda n=shown: w.preview.frames_shown > n and w.renderer.idle,
                        timeout=20000)
    assert w.preview.frames_shown >= 9 and len(w.latencies_ms) == 4
    w.project.dirty = False
    w.close()
