"""A face small in the video is reported, in numbers, before the render (the rig keeps the whole
picture, so a face inset in a big canvas comes out a few pixels wide and no expression reads);
a face filling the picture is not."""

from core.face.framing import MIN_OUTPUT_IPD_PX, portrait_notes, small_face_note
from core.face.landmarks import detect_face
from core.face.regions import ipd
from core.rig.portrait import PreparedPortrait


def test_a_face_inset_in_a_big_picture_is_reported_small(far_face):
    analysis = detect_face(far_face)
    text = small_face_note(analysis, 512, "use a larger --size")
    # ~42 px between the pupils in the picture, x 512 / 1456 in the video
    assert text is not None and "(15 px between the pupils at 512 px" in text, text
    assert text.endswith("use a larger --size")
    # rendered three times larger it reads: no note
    assert small_face_note(analysis, 1536, "-") is None


def test_a_face_filling_the_picture_is_not(portrait):
    prepared = PreparedPortrait(portrait)
    assert portrait_notes(prepared, 512, "-") == []
    assert float(ipd(prepared.analysis.landmarks)) / 2 >= MIN_OUTPUT_IPD_PX  # 42 px at 256
    assert portrait_notes(prepared, 256, "-") == []


def test_an_engine_that_crops_to_the_face_has_no_small_face_note():
    class Cropped:  # the diffusion engine's prepared portrait: a face crop, no `analysis`
        notes = ["2 faces found; animating the largest one"]
    assert portrait_notes(Cropped(), 64, "-") == ["2 faces found; animating the largest one"]


def test_analyze_says_how_big_the_face_is(far_face_path, capsys):
    """`main.py analyze` gives the pupils' distance and the picture's size, so a batch's
    portraits can be checked before a render: pupils_px x --size / the longest side."""
    import json

    from core.cli import run_cli

    assert run_cli(["analyze", "--portrait", str(far_face_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["picture_px"] == [1456, 1456]
    assert 38 < out["pupils_px"] < 47  # ~42.6: 15 px at 512, the note's figure


def test_analyze_gives_the_files_own_size_for_a_picture_read_scaled_down(far_face, tmp_path,
                                                                         capsys):
    """Pictures over 2048 px are read scaled down (image_io.MAX_SIDE_PX): analyze reported the
    scaled copy's size and pupils (2048, for a 2912 px picture), not the file's."""
    import json

    import cv2

    from core.cli import run_cli

    big = tmp_path / "big.png"
    cv2.imwrite(str(big), cv2.resize(far_face[:, :, ::-1], (2912, 2912),
                                     interpolation=cv2.INTER_CUBIC))
    assert run_cli(["analyze", "--portrait", str(big)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["picture_px"] == [2912, 2912]
    assert 76 < out["pupils_px"] < 94  # twice the 1456 px picture's ~42.6


def test_the_picture_size_is_upright_as_its_exif_turns_it(tmp_path):
    from PIL import Image

    from core.face.image_io import load_image, picture_size

    im = Image.new("RGB", (300, 200), (128, 100, 90))
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to show
    im.save(tmp_path / "turned.jpg", exif=exif)
    assert picture_size(tmp_path / "turned.jpg") == (200, 300)
    assert load_image(tmp_path / "turned.jpg").shape[:2] == (300, 200)
    assert picture_size(tmp_path / "missing.jpg") is None
