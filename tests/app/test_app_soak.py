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

