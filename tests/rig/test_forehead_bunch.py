"""A brow raise bunches the whole forehead, not the band just over the brow.

With the raise's spread as short above the brow as beside it, surprise squeezed the band
between the brow's upper edge and the next ring of Face Mesh points to 0.40 of its height on
the sample portrait: a brow ridge's highlight between the raised brow and a fringe's shadow
became a crisp pale arc over each brow (by eye on a grayscale boy and a dark-skinned,
low-resolution photo). core/rig/tuning.py BROW_RAISE_SPREAD_UP."""
import numpy as np

from core.engine import RenderJob
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.samples import sample_portrait

# per side: the brow's upper edge, the ring over it, the ring under the top of the face
_CHAINS = ([105, 104, 103], [334, 333, 332])
_TOP = [10, 109, 338, 67, 297]  # the top ring (Face Mesh's face oval)
_BRIDGE = 6


def _points(eng, p, preset):
    job = RenderJob(portrait=p, mix=EmotionMix.from_preset(preset, au_overrides={45: 0.0}),
                    size=512, duration=1.0, fps=25)
    xy = np.asarray(eng.render_frame(job, 15).info["landmarks"], np.float64)[:, :2]
    return xy, float(np.hypot(*(xy[473] - xy[468])))


def test_surprise_bunches_the_forehead_over_its_height_and_keeps_the_hairline():
    eng = RigEngine()
    p = eng.prepare(sample_portrait())
    rest, ipd = _points(eng, p, "neutral")
    up, _ = _points(eng, p, "surprised")
    for chain in _CHAINS:
        before = np.hypot(*np.diff(rest[chain], axis=0).T)
        after = np.hypot(*np.diff(up[chain], axis=0).T)
        kept = after / before
        # the band over the brow: 0.62 (0.40 before); the one above it 0.50 (0.50)
        assert kept[0] > 0.55, (chain, kept)
        assert kept.min() > 0.45, (chain, kept)
    # the brow itself rose as before (0.24 IPD), the top ring far less (0.02-0.06)
    rise = lambda i: ((rest[i] - rest[_BRIDGE]) - (up[i] - up[_BRIDGE]))[..., 1] / ipd
    assert rise([105, 334]).min() > 0.2
    assert rise(_TOP).max() < 0.07, rise(_TOP)
