"""File > Frame the face: the preview and the export show a square around the face instead of
the whole picture; the choice is the project's (saved, reopened, marks it unsaved)."""
from __future__ import annotations

import json



def _loaded(window, qtbot, path, frame):
    qtbot.waitUntil(lambda: window.session.portrait is not None
                    and window.session.portrait.path == path
                    and window.session.portrait.frame == frame
                    and not window.session.loading(), timeout=30000)
    return window.session.portrait


def test_framing_the_face_crops_the_picture_and_is_saved(window, qtbot, far_face_path, tmp_path,
                                                         answers):
    far_face = str(far_face_path)
    window.open_portrait(far_face)
    whole = _loaded(window, qtbot, far_face, "picture")
    assert whole.image.shape[:2] == (1456, 1456)
    assert "tick File > Frame the face" in window.palette.rest.notes.text()

    window.frame_action.trigger()  # File > Frame the face
    framed = _loaded(window, qtbot, far_face, "face")
    assert window.palette.rest.notes.text() == ""  # framed, the face reads: no note
    h, w = framed.image.shape[:2]
    assert h == w and 200 < w < 300, (h, w)  # 2.2 x the face (~105 px), not 1,456 px
    assert window.project.portrait_frame == "face" and window.isWindowModified()
    qtbot.waitUntil(lambda: window.preview.image.image is not None, timeout=30000)

    path = tmp_path / "framed.moee.json"
    assert window._save_to(str(path))
    assert json.loads(path.read_text())["frame"] == "face"
    window.frame_action.trigger()  # back to the whole picture
    _loaded(window, qtbot, far_face, "picture")
    assert not window.frame_action.isChecked()

    assert window.open_project(str(path))  # the saved choice comes back with the project
    _loaded(window, qtbot, far_face, "face")
    assert window.frame_action.isChecked()


def test_framing_during_a_portrait_load_frames_that_portrait(window, qtbot, far_face_path,
                                                             errors):
    """Ticked while a portrait opened is still loading (the project still names the one shown):
    that portrait loads framed, not the one shown before (it came back, the new one dropped)."""
    far_face = str(far_face_path)
    window.open_portrait(far_face)
    window.frame_action.trigger()  # before the portrait is ready
    _loaded(window, qtbot, far_face, "face")
    qtbot.wait(50)  # results queued by the last workers are delivered
    assert window.session.portrait.path == window.project.portrait_path == far_face
    assert window.project.portrait_frame == "face" and window.frame_action.isChecked()
    assert window.status_labels["portrait"].text() == far_face_path.name and not errors


def test_framing_during_a_broken_portrait_load_frames_the_one_shown(window, qtbot,
                                                                    far_face_path, tmp_path,
                                                                    errors):
    """Ticked while a broken portrait opened is still loading: that one fails (said once), and
    the one shown is framed as the menu and the project say (it stayed the whole picture while
    File > Frame the face was ticked, and a save kept 'face')."""
    far_face = str(far_face_path)
    window.open_portrait(far_face)
    _loaded(window, qtbot, far_face, "picture")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    window.open_portrait(str(broken))
    window.frame_action.trigger()  # before the broken one has failed
    framed = _loaded(window, qtbot, far_face, "face")
    qtbot.wait(50)  # results queued by the last workers are delivered
    assert framed.image.shape[0] < 400 and window.session.portrait is framed
    assert window.project.portrait_frame == "face" and window.frame_action.isChecked()
    assert window.project.portrait_path == far_face
    assert [title for title, _ in errors] == ["Cannot use this portrait"]
