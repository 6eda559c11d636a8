"""`main.py analyze`: the expression a portrait already shows (its rest AUs), as JSON.

    main.py analyze --portrait face.jpg

Measured from its Face Mesh landmarks against MediaPipe's canonical neutral face after pose
alignment, by non-negative least squares over the rig's AU basis (core/rig/rest.py). A render
with an emotion takes these away first (`main.py render --neutralize`, on by default).
"""
from __future__ import annotations

import json

from core.validate import PathArg

NAME = "analyze"
HELP = "print the Action Units a portrait already shows at rest (JSON)"


def add_arguments(parser) -> None:
    parser.add_argument("--portrait", required=True, metavar="IMAGE", type=PathArg,
                        help="the picture to analyse: one face, any common image format")


def run(args) -> int:
    from core.emotions import AU_CATALOG
    from core.face.frame import FaceFrame
    from core.face.image_io import picture_size
    from core.face.landmarks import detect_face, face_yaw_degrees
    from core.face.portrait_file import animation_note, read_for_analysis
    from core.face.regions import ipd
    from core.rig.glasses import find_glasses
    from core.rig.rest import fit_rest, rest_notes

    # a face too small to animate in the whole picture (a full-length photo) is analysed in
    # its frame, the file's own pixels: what `render --frame face` animates
    animated = animation_note(args.portrait)
    if animated:
        from core.cli import note
        note(animated)
    image, per_px, framed = read_for_analysis(args.portrait)
    analysis = detect_face(image)
    glasses = find_glasses(image, analysis.xy)
    frame = FaceFrame.from_landmarks(analysis.landmarks)
    rest = fit_rest(analysis.landmarks, frame)
    # the file's own pixels: a picture over image_io.MAX_SIDE_PX is read scaled down, and an
    # 8000 px photo was reported 2048 px wide (its pupils on the same scale)
    size = picture_size(args.portrait) or analysis.image_size[::-1]
    notes = (["the face is too small to animate in the whole picture: render --frame face "
              "crops the picture to it (analysed so)"] if framed else [])
    out = {"portrait": str(args.portrait),
           "rest_aus": {f"AU{au}": v for au, v in sorted(rest.aus.items())},
           "names": {f"AU{au}": AU_CATALOG[au].name for au in sorted(rest.aus)},
           "label": rest.label(),
           # the AUs fitted on each side apart (a smile), each side's intensity
           "rest_sides": {f"AU{au}": v for au, v in sorted(rest.sides.items())},
           "head_roll_degrees": round(frame.roll_degrees, 1),
           "head_yaw_degrees": round(face_yaw_degrees(analysis.landmarks), 1),
           # how big the face is: a rig video keeps the whole picture, so at --size S its pupils
           # are this x S / the picture's longest side apart (expressions read from ~40 px;
           # `render --frame face` crops to the face)
           "pupils_px": round(float(ipd(analysis.landmarks)) * per_px, 1),
           "picture_px": [int(v) for v in size],
           # found, their frames move with the head alone (core/rig/rims.py); dark lenses too,
           # whole (the eyes behind them neither open nor blink)
           "eyeglasses": {"found": glasses.found, "dark_lenses": glasses.dark_lenses,
                          "cues": {k: round(v, 2) for k, v in glasses.scores.items()}},
           "notes": notes + analysis.notes + rest_notes(rest)}
    print(json.dumps(out, indent=2))
    return 0
