"""--frame face / File > Frame the face (core/face/framing.py): a square around the face, kept
inside the picture (never padded with invented edges), even-sided for H.264; a picture the face
already fills is left whole."""
import json

import numpy as np
import pytest

from core.errors import NoFaceError
from core.face.framing import FACE_FRAME_SCALE, face_frame, frame_picture
from core.face.landmarks import detect_face
from core.project import Project, load_project, save_project


def test_a_far_face_is_framed_by_a_square_around_it(far_face):
    xy = detect_face(far_face).xy
    x0, y0, x1, y1 = face_frame(xy, far_face.shape[:2])
    side = x1 - x0
    assert side == y1 - y0 and side % 2 == 0
    extent = float(np.ptp(xy, axis=0).max())
    assert abs(side - FACE_FRAME_SCALE * extent) <= 2
    assert x0 < xy[:, 0].min() and xy[:, 0].max() < x1  # the whole face, with room
    assert y0 < xy[:, 1].min() and xy[:, 1].max() < y1
    framed = frame_picture(far_face, "face")
    assert framed.shape == (side, side, 3) and framed.flags.c_contiguous
    assert np.array_equal(framed, far_face[y0:y1, x0:x1])
    # the framed face is found again, filling its picture: framing twice changes nothing more
    assert frame_picture(framed, "face") is framed


def test_the_frame_stays_inside_the_picture(far_face):
    xy = detect_face(far_face).xy
    # a strip as narrow as the face: the frame is as wide as the picture, centred on the face
    # in height, and never leaves the picture
    strip_x0 = int(xy[:, 0].min()) - 10
    strip = np.ascontiguousarray(far_face[:, strip_x0:int(xy[:, 0].max()) + 10])
    x0, y0, x1, y1 = face_frame(xy - [strip_x0, 0], strip.shape[:2])
    assert x1 - x0 == strip.shape[1] // 2 * 2 and 0 <= x0 and x1 <= strip.shape[1]
    assert 0 <= y0 < y1 <= strip.shape[0] and y1 - y0 > x1 - x0
    # a face at the very top: the frame moves down inside the picture, it is not padded
    cut = int(xy[:, 1].min()) - 5
    top = np.ascontiguousarray(far_face[cut:, :])
    x0, y0, x1, y1 = face_frame(xy - [0, cut], top.shape[:2])
    assert y0 == 0 and y1 - y0 == x1 - x0


def test_picture_is_the_whole_picture_and_a_faceless_one_is_refused_only_when_framed(portrait):
    blank = np.full((256, 256, 3), 200, np.uint8)
    assert frame_picture(blank, "picture") is blank
    with pytest.raises(NoFaceError):
        frame_picture(blank, "face")
    # the sample portrait: its face fills the picture, nothing to crop
    assert frame_picture(portrait, "face") is portrait


def test_the_frame_is_the_projects(tmp_path):
    p = tmp_path / "take.moee.json"
    project = Project()
    project.set_media(portrait_frame="face")
    save_project(project, p)
    assert json.loads(p.read_text())["frame"] == "face"
    assert load_project(p).portrait_frame == "face"
    d = json.loads(p.read_text())
    del d["frame"]  # a project saved before framing existed: the whole picture
    p.write_text(json.dumps(d))
    assert load_project(p).portrait_frame == "picture"
