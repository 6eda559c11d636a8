"""Hand-made landmark motions for the render tests: a real portrait's real landmarks, moved the
way the AU rig moves them (jaw drop, lip-corner pull, blink), in pixels."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.face.regions import region
from core.samples import sample_portrait


@dataclass
class Portrait:
    image: np.ndarray  # (512, 512, 3) uint8
    xy: np.ndarray  # (478, 2) float32 px
    frame: FaceFrame


def load() -> Portrait:
    img = sample_portrait()
    xy = detect_face(img).xy.astype(np.float32)
    return Portrait(img, xy, FaceFrame.from_landmarks(xy))


def jaw(p: Portrait, amount: float) -> np.ndarray:
    """Jaw drop by `amount` IPD: everything below the upper inner lip moves down, fading toward
    the ears. The weight never decreases downward at any x, so the motion itself cannot fold."""
    rel = p.frame.to_frame(p.xy)
    upper = region("lips_upper_inner")
    order = np.argsort(rel[upper, 0])
    line = np.interp(rel[:, 0], rel[upper[order], 0], rel[upper[order], 1])
    cx = rel[[78, 308], 0].mean()
    half = abs(rel[308, 0] - rel[78, 0]) / 2
    lateral = np.clip(1 - ((rel[:, 0] - cx) / (half * 2.2)) ** 2, 0, 1) ** 0.5
    wgt = lateral * np.clip((rel[:, 1] - line) / 0.04, 0, 1)
    step = p.frame.vectors_to_image(np.array([0.0, amount]))
    return (step[None] * wgt[:, None]).astype(np.float32)


def smile(p: Portrait, amount: float) -> np.ndarray:
    """Lip corners pulled up and out at 45 degrees by `amount` IPD (AU12, FACS.md)."""
    d = np.zeros((478, 2), np.float32)
    for corner, side in ((61, -1), (291, 1)):
        dist = np.hypot(*(p.xy - p.xy[corner]).T) / p.frame.ipd
        v = p.frame.vectors_to_image(np.array([side * 0.7, -0.7]) * amount)
        d += (np.exp(-(dist / 0.25) ** 2)[:, None] * v[None]).astype(np.float32)
    return d


def blink(p: Portrait, closure: float) -> np.ndarray:
    """Upper lids moved `closure` (0..1) of the way onto the lower lids."""
    d = np.zeros((478, 2), np.float32)
    for s in "RL":
        lower = region(f"{s}_eye_lower_lid")
        for i in region(f"{s}_eye_upper_lid"):
            j = lower[np.argmin(np.abs(p.xy[lower, 0] - p.xy[i, 0]))]
            d[i] = (p.xy[j] - p.xy[i]) * closure
    return d


def timings(fn, n: int) -> np.ndarray:
    """Seconds of `n` calls of `fn()`, one each (speed tests take the median or the best)."""
    out = np.empty(n)
    for i in range(n):
        t = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - t
    return out
