"""core/rig/blend.py: a weight spread over the colour channels gives the very values of the
broadcast (h, w, 1) products it replaced in the painters (mouth, eyes, crease lifts)."""
import numpy as np

from core.rig.blend import paint, spread


def test_spread_products_match_broadcasting():
    rng = np.random.default_rng(0)
    w = rng.random((37, 61)).astype(np.float32)
    f = (rng.random((37, 61, 3)) * 255).astype(np.float32)
    img = rng.integers(0, 256, (37, 61, 3), np.uint8)
    assert spread(w).shape == (37, 61, 3) and spread(w, 4).shape == (37, 61, 4)
    assert np.array_equal(f * spread(w), f * w[..., None])
    assert np.array_equal(img * (1 - spread(w)), img * (1 - w[..., None]))


def test_paint_matches_the_broadcast_blend():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (80, 90, 3), np.uint8)
    layer = (rng.random((30, 40, 3)) * 300 - 20).astype(np.float32)  # beyond 0..255 too
    alpha = rng.random((30, 40)).astype(np.float32)
    alpha[:5] = 0.0
    alpha[-5:] = 1.0
    box = (25, 40, 65, 70)
    want = img.copy()
    a = alpha[..., None]
    out = img[40:70, 25:65] * (1 - a) + layer * a + 0.5
    want[40:70, 25:65] = np.clip(out, 0, 255)  # truncated, as astype(uint8)
    got = img.copy()
    paint(got, box, layer.copy(), alpha)
    assert np.array_equal(got, want)
    assert np.array_equal(got[40:45, 25:65], img[40:45, 25:65])  # weight 0: untouched
