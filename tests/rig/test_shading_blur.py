"""The shading layer blurs each layer only around its drawn box (shading._blur_into): the
same values as blurring the whole layer, for anti-aliased lines and dots as it draws them."""
import cv2
import numpy as np

from core.rig.shading import _blur_into, _drawn, _union


def test_boxed_blur_equals_whole_blur():
    rng = np.random.default_rng(5)
    for trial in range(300):
        h, w = (int(v) for v in rng.integers(12, 200, 2))
        layer = np.zeros((h, w), np.float32)
        box = None
        for _ in range(int(rng.integers(1, 5))):
            if rng.random() < 0.7:  # a line, as ShadingRenderer._batch draws them
                thick = int(rng.integers(1, 8))
                pts = (rng.uniform(-5, [w + 5, h + 5], (2, 2)) * 16).round().astype(np.int32)
                cv2.polylines(layer, [pts], False, float(rng.uniform(-0.3, 0.3)), thick,
                              cv2.LINE_AA, 4)
                box = _union(box, _drawn(pts, thick * 0.5 + 2))
            else:  # a dot, as the stipple
                rad = int(rng.integers(8, 40))
                pts = (rng.uniform(0, [w, h], (1, 2)) * 16).round().astype(np.int32)
                cv2.circle(layer, pts[0].tolist(), rad, -0.2, -1, cv2.LINE_AA, 4)
                box = _union(box, _drawn(pts, rad / 16 + 2))
        sigma = float(rng.uniform(0.5, 4.0))
        gain = rng.uniform(0.2, 2.0, (h, w)).astype(np.float32)
        whole = cv2.GaussianBlur(layer, (0, 0), sigma)
        out = np.zeros((h, w), np.float32)
        _blur_into(out, layer, box, sigma, None)
        assert np.array_equal(out, whole), trial
        base = rng.uniform(-1, 1, (h, w)).astype(np.float32)
        out = base.copy()
        _blur_into(out, layer, box, sigma, gain)
        assert np.array_equal(out, base + whole * gain), trial
