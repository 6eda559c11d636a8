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


def test_framing_ticked_and_unticked_at_once_keeps_the_portrait_shown(window, qtbot,
                                                                    far_face_path, monkeypatch):
    """File > Frame the face ticked and unticked before the framed load was ready prepared the
    picture already on screen again (0.9 s of "Loading portrait…" for nothing): the framed
    load is dropped and the one shown stays, the same object."""
    import app.session as session_module

    far_face = str(far_face_path)
    window.open_portrait(far_face)
    shown = _loaded(window, qtbot, far_face, "picture")
    prepared = []
    real = session_module._prepared

    def counted(engine, path, frame):
        prepared.append(frame)
        return real(engine, path, frame)

    monkeypatch.setattr(session_module, "_prepared", counted)
    window.frame_action.trigger()
    window.frame_action.trigger()  # back, before the framed one is ready
    qtbot.waitUntil(lambda: not window.session.loading(), timeout=30000)
    qtbot.wait(50)  # results queued by the last workers are delivered
    assert window.session.portrait is shown and not window.frame_action.isChecked()
    assert "picture" not in prepared
    assert window.session.wanted == (far_face, "picture")


def test_a_face_small_in_a_big_photo_is_framed_from_the_files_own_pixels(tmp_path, portrait):
    """A full-length photo (a face ~70 px wide in 4000 px): found only in the file's own
    pixels. Framed, it loads; the whole picture says where to frame it (before: "the face is
    too small ... use a version about 1.5x larger" from the engine, framed or not)."""
    import pytest

    from app.session import read_image
    from core.errors import FaceSmallInPictureError
    from tests.face.test_small_face_full_resolution import canvas, inset, save

    photo = inset(canvas((2800, 4000)), portrait, 170, (1000, 1500))
    path = str(save(tmp_path / "full_length.jpg", photo))
    with pytest.raises(FaceSmallInPictureError, match="tick File > Frame the face"):
        read_image(path, "picture")
    framed = read_image(path, "face")
    assert framed.shape[0] == framed.shape[1] and 130 < framed.shape[0] < 190
