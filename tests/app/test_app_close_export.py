"""Closing the window while an export runs: the export was cancelled without a word (a take's
export at 11 of 412 frames, the project saved: nothing asked at all). Now the window asks; Keep
exporting leaves it running and the window open, Stop cancels it and leaves no file behind."""
from __future__ import annotations

import pytest

from tests.conftest import make_speech

pytest.importorskip("core.video.export")


@pytest.fixture
def stop_answer(monkeypatch):
    asked: list[tuple[int, int]] = []
    reply = {"value": "keep"}

    def fake(parent, done, total):
        asked.append((done, total))
        parent.close()  # a second Ctrl-C while the question waits: no second question
        return reply["value"]

    monkeypatch.setattr("app.main_window.ask_stop_export", fake)
    return {"asked": asked, "reply": reply}


def _exporting(window, qtbot, tmp_path):
    with qtbot.waitSignal(window.session.audioReady, timeout=20000):
        window.open_audio(str(make_speech(tmp_path / "long.wav", pad_s=6.0)))
    assert window._save_to(str(tmp_path / "take.moee.json"))  # nothing unsaved to ask about
    window.open_export()
    dialog = window.export_dialog
    dialog.path.setText(str(tmp_path / "out.mp4"))
    dialog.size.setCurrentIndex(dialog.size.findData(256))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.state.get("done", 0) >= 2, timeout=60000)
    return dialog


def test_closing_during_an_export_asks_first(window, qtbot, tmp_path, errors, answers,
                                             stop_answer):
    dialog = _exporting(window, qtbot, tmp_path)
    window.close()
    assert len(stop_answer["asked"]) == 1
    done, total = stop_answer["asked"][0]
    assert 2 <= done < total and total == dialog.state["total"]
    assert window.isVisible() and dialog.running  # kept exporting, the window open
    assert not answers["asked"]  # saved: no unsaved-changes question

    stop_answer["reply"]["value"] = "stop"
    window.close()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav", "settings.ini",
                                                          "take.moee.json"]
    assert not errors, errors


def test_the_export_runs_on_until_the_close_is_sure(window, qtbot, tmp_path, answers,
                                                   stop_answer):
    """Stop, then Cancel at the unsaved-changes question: the window stays open and so does the
    export (it was cancelled before that question was asked)."""
    dialog = _exporting(window, qtbot, tmp_path)
    window.palette.presets.choose("happy")
    stop_answer["reply"]["value"] = "stop"
    answers["reply"]["value"] = "cancel"
    window.close()
    assert stop_answer["asked"] and answers["asked"]
    assert window.isVisible() and dialog.running and not dialog.worker.cancelled
    answers["reply"]["value"] = "discard"
    window.close()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert not (tmp_path / "out.mp4").exists()


def test_the_real_question_keeps_exporting_on_enter(qtbot):
    """Enter (the default button) keeps the export: only a click on Stop ends it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.errors import ask_stop_export
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "stopExport"
        seen.append((box.text(), sorted(b.text() for b in box.buttons())))
        box.defaultButton().click()

    QTimer.singleShot(200, answer)
    assert ask_stop_export(None, 40, 412) == "keep"
    assert seen == [("A video is exporting (40 of 412 frames). Closing stops it, and no file is "
                     "written.", ["Keep exporting", "Stop and close"])]

    def stop():
        box = QApplication.activeModalWidget()
        next(b for b in box.buttons() if b.text() == "Stop and close").click()

    QTimer.singleShot(200, stop)
    assert ask_stop_export(None, 40, 412) == "stop"
