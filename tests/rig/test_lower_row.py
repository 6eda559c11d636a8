"""A portrait showing its upper teeth at rest: what a lower lip coming down off a still jaw
uncovers under them (core/rig/mouth.py `_lower_row_shown`, `_lip_drop`), where made-up crowns
beside them end (`made_up_reach_on_real`), what a raised upper lip uncovers above them
(`_uncovered_top`), and that the dark past the canines of a smile taken away (`_corridor`)
leaves the made-up lower row whole."""
import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.face.regions import region
from core.rig.blend import LUMA
from core.rig.mouth import MouthRenderer
from tests.rig.test_teeth import _band, _below_the_bite, _opened


def _sample(portrait):
    """(the sample portrait's rest landmarks, a MouthRenderer of it): it shows its upper teeth
    at rest, no lower row."""
    face = detect_face(portrait)
    rest = face.xy.astype(np.float32)
    return rest, MouthRenderer(portrait, rest, FaceFrame.from_landmarks(face.landmarks))


def test_a_lip_barely_lowered_under_real_teeth_uncovers_the_dark_not_a_grey_band(portrait):
    # happy on a toothy smile lowers the lip 0.01-0.08 IPD with the jaw still: a made-up
    # lower row a sliver tall there read as a grey band round the real teeth, a mouthguard
    rest, mr = _sample(portrait)
    assert mr.bite > 0.85 and not mr.lower_row
    moved = _opened(rest, mr.ipd, down=0.03)
    out = mr.composite(portrait.copy(), moved)
    shown = _band(out, moved, mr.ipd, float(rest[14, 1]) + 1, float(moved[14, 1]) - 1)
    cavity, teeth = float(mr.cavity @ LUMA), float(mr.teeth @ LUMA)
    # nearer the cavity's shade than the teeth's: 124 (the row drawn: 193; cavity 51, teeth 229)
    assert shown < (cavity + teeth) / 2, (shown, cavity, teeth)


def test_a_lip_lowered_off_a_still_jaw_leaves_no_rest_lip_rim_afloat(portrait):
    # anger lowers the lip 0.03-0.16 IPD with the jaw still: the rest's dark gap and lower
    # lip rim (deepface's img1) stayed with the jaw, a pink band afloat under the teeth
    image, rest, frame, colour, band = _below_the_bite(portrait, "rim")
    mr = MouthRenderer(image, rest, frame)
    assert not mr.lower_kept
    moved = _opened(rest, mr.ipd, down=0.1)
    out = mr.composite(image.copy(), moved)
    y = float(rest[14, 1]) - band / 2 * mr.ipd  # the rim's middle at rest, where the jaw is
    cx, w = int(round(float(rest[[78, 308], 0].mean()))), int(0.1 * mr.ipd)
    shown = out[int(y) - 1:int(y) + 2, cx - w:cx + w].reshape(-1, 3).mean(0)
    # the made-up row there, not the rim (the rim left with the jaw: 2)
    assert float(np.abs(shown - colour).sum()) > 50, (shown, colour)


def test_made_up_crowns_end_where_the_real_teeth_do(portrait):
    # happy widens a toothy smile past its rest corners: made-up crowns there, beyond the real
    # teeth, showed as white wedges at the corners under the upper lip (deepface's img24); the
    # real teeth end in the dark of the buccal corridor
    rest, mr = _sample(portrait)
    assert mr.bite is not None
    lips = np.unique(np.concatenate([region(n) for n in (
        "lips_upper_inner", "lips_lower_inner", "lips_upper_outer", "lips_lower_outer")]))
    cx = float(rest[[78, 308], 0].mean())
    moved = _opened(rest, mr.ipd, down=0.05)
    moved[lips, 0] = cx + (moved[lips, 0] - cx) * 1.3  # the corners 0.3 of the way further out
    out = mr.composite(portrait.copy(), moved)
    grey = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(np.float32)
    half = float(rest[308, 0] - rest[78, 0]) / 2
    shown = []
    for side in (-1, 1):  # a column past each rest corner, between the inner lips
        x = int(round(cx + side * 1.08 * half))
        y0, y1 = (float(np.interp(x, *moved[region(n)][np.argsort(moved[region(n)][:, 0])].T))
                  for n in ("lips_upper_inner", "lips_lower_inner"))
        shown.append(float(grey[int(y0) + 2:int(y1) - 1, x].mean()))
    teeth = float(mr.teeth @ LUMA)
    # the cavity's dark (48 and 49; made-up crowns there: 151 and 150, the teeth 229)
    assert max(shown) < 0.6 * teeth, (shown, teeth)


def test_an_upper_lip_raised_off_real_teeth_leaves_no_seam_across_them(portrait):
    # the real row's top holds the rest lip's shadow: with the lip raised 0.04 IPD off it
    # (disgust on a toothy smile) it lay across the teeth as a dark seam under a pale strip
    # of made-up crown
    rest, mr = _sample(portrait)
    moved = _opened(rest, mr.ipd, up=0.04)
    out = mr.composite(portrait.copy(), moved)
    grey = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(np.float32)
    cx, w = int(round(float(rest[[78, 308], 0].mean()))), int(0.12 * mr.ipd)
    rows = grey[int(moved[13, 1]):int(rest[13, 1] + 0.08 * mr.ipd), cx - w:cx + w].mean(1)
    cavity, teeth = float(mr.cavity @ LUMA), float(mr.teeth @ LUMA)
    first = int(np.argmax(rows > cavity + 0.8 * (teeth - cavity)))  # the crowns' top
    # no darker band below it: 208 at the top, 208 at the least (the seam: 208, then 180)
    assert rows[first:].min() > 0.9 * rows[first], rows.round()


def test_a_smile_taken_away_leaves_the_made_up_lower_row_whole(portrait):
    # fear on a toothy smile takes the smile away, and the real teeth darken past the canines
    # (`_corridor`); so did the made-up lower row under them, which ended in square cuts
    # mid-cavity (deepface's img1 and img22, by eye)
    rest, mr = _sample(portrait)
    moved = _opened(rest, mr.ipd, down=0.15)  # the lower row shown under the real teeth
    lip = moved[region("lips_lower_inner")]
    lip = lip[np.argsort(lip[:, 0])]
    cx = float(rest[[78, 308], 0].mean())
    shown = []
    for taken in (0.0, 1.0):
        grey = cv2.cvtColor(mr.composite(portrait.copy(), moved, taken), cv2.COLOR_RGB2GRAY)
        row = []
        for side in (-1, 1):  # past the canines, 0.06 IPD above the lowered lip
            x = int(round(cx + side * 0.26 * mr.ipd))
            row.append(float(grey[int(round(np.interp(x, *lip.T) - 0.06 * mr.ipd)), x]))
        shown.append(row)
    # as bright as with the smile kept: 181 and 144 of 181 and 158 (darkened: 127 and 69)
    assert min(t / k for t, k in zip(shown[1], shown[0])) > 0.85, shown
