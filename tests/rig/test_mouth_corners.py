"""A dropped jaw's hole has round ends: the inner lips' two smooth curves met at the corners in
cusps, and surprise's O read as a hexagon or a trapezoid with pointed ends (by eye on surprise,
"sadly surprised" and "happily surprised"). Fear's stretched slot keeps its pointed corners.
core/rig/mouth.py round_corners, MouthRenderer._corner_sigma."""
import cv2
import numpy as np

import core.rig.mouth as mouth
from core.engine import RenderJob
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.samples import sample_portrait


def _end_angles(mask: np.ndarray) -> list[float]:
    """Degrees between the outline's runs 5 px either side of its leftmost and rightmost
    points (180: straight; a cusp far less)."""
    cs, _ = cv2.findContours((mask > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL,
                             cv2.CHAIN_APPROX_NONE)
    c = max(cs, key=len)[:, 0].astype(float)
    out = []
    for i in (int(np.argmin(c[:, 0])), int(np.argmax(c[:, 0]))):
        a, b = c[(i - 5) % len(c)] - c[i], c[(i + 5) % len(c)] - c[i]
        cos = a @ b / np.hypot(*a) / np.hypot(*b)
        out.append(float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))))
    return out


def _painted(monkeypatch, preset):
    """The mouth's interior mask as painted (box origin, mask), the frame's landmarks, and the
    lips' opening (px^2)."""
    masks = []
    paint = mouth.paint
    monkeypatch.setattr(mouth, "paint", lambda img, box, interior, mask: (
        masks.append(np.array(mask)), paint(img, box, interior, mask))[1])
    eng = RigEngine()
    p = eng.prepare(sample_portrait())
    job = RenderJob(portrait=p, mix=EmotionMix.from_preset(preset, au_overrides={45: 0.0}),
                    size=512, duration=1.0, fps=25)
    xy = np.asarray(eng.render_frame(job, 15).info["landmarks"], np.float32)
    lips = cv2.contourArea(p.at_size(512).mouth.outline(xy).astype(np.float32))
    return masks[-1], lips  # the interior, painted last


def test_a_dropped_jaws_hole_has_round_ends(monkeypatch):
    # "sadly surprised" no longer draws the O in (core/rig/tuning.py GATE_YIELDS): its wider
    # opening has the corners of a mouth that drops open with its corners turned down
    mask, lips = _painted(monkeypatch, "surprised")
    # 107-138 degrees before, 147-157 now
    assert min(_end_angles(mask)) > 125.0, _end_angles(mask)
    # and the hole is still the lips' opening, its ends rounded off only
    assert (mask > 0.5).sum() > 0.85 * lips


def test_fears_stretched_slot_keeps_its_pointed_corners(monkeypatch):
    """Rounded too, the two FER2013 CNNs read fear on 9 and 14 of 50 faces' stills against 7
    and 17, "sadly fearful" on 9 and 5 against 14 and 7 (core/rig/mouth.py MOUTH_TUNING)."""
    mask, lips = _painted(monkeypatch, "fearful")
    assert max(_end_angles(mask)) < 85.0, _end_angles(mask)  # 59-72 degrees (rounded: 90-96)
    assert (mask > 0.5).sum() > 0.95 * lips
