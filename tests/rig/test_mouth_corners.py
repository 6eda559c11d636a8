"""An open mouth's hole has round ends: the inner lips' two smooth curves met at the corners in
cusps, and a dropped jaw's hole read as a hexagon or a trapezoid with pointed ends (by eye on
surprise, "sadly surprised" and "happily surprised"). core/rig/mouth.py round_corners."""
import cv2
import numpy as np
import pytest

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


@pytest.mark.parametrize("preset", ["surprised", "sadly surprised", "happily surprised"])
def test_an_open_mouths_hole_has_round_ends(monkeypatch, preset):
    masks = []
    paint = mouth.paint
    monkeypatch.setattr(mouth, "paint", lambda img, box, interior, mask: (
        masks.append((box, np.array(mask))), paint(img, box, interior, mask))[1])
    eng = RigEngine()
    p = eng.prepare(sample_portrait())
    job = RenderJob(portrait=p, mix=EmotionMix.from_preset(preset, au_overrides={45: 0.0}),
                    size=512, duration=1.0, fps=25)
    frame = eng.render_frame(job, 15)
    (x0, y0, _, _), mask = masks[-1]  # the interior, painted last
    # 99-138 degrees before, 135-157 now
    assert min(_end_angles(mask)) > 125.0, _end_angles(mask)
    # and the hole is still the lips' opening, its ends rounded off only
    xy = np.asarray(frame.info["landmarks"], np.float32)
    lips = cv2.contourArea(p.at_size(512).mouth.outline(xy).astype(np.float32))
    assert (mask > 0.5).sum() > 0.85 * lips
