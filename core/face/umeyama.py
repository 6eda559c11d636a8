"""Least-squares similarity between point sets, in any dimension (Umeyama 1991, "Least-squares
estimation of transformation parameters between two point patterns", IEEE TPAMI 13(4)): the
pose of a canonical face on a portrait (3-D), a frame's head motion taken out before the AU
fit, the skull's motion that carries the teeth (2-D)."""
from __future__ import annotations

import math

import numpy as np


def umeyama(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(s, R, t) with dst ~ s * R @ src + t for points src, dst (n, d); R a rotation (no
    reflection)."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    ms, md = src.mean(0), dst.mean(0)
    a, b = src - ms, dst - md
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.ones(src.shape[1])
    d[-1] = np.sign(np.linalg.det(u @ vt)) or 1.0
    rot = (u * d) @ vt
    s = float((sig * d).sum() / max((a ** 2).sum() / len(src), 1e-12))
    return s, rot, md - s * rot @ ms


def similarity_matrix(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2-D fit as a 2x3 float32 matrix [s R | t] (cv2.warpAffine's form).

    Umeyama's solution in closed form for 2-D, on Python floats (the mouth fits a handful of
    points every frame: ~6 us against ~40 us through the SVD, the same float32 matrix on 2000
    random fits): with centred points as complex numbers, the rotation is the angle of
    sum(conj(src) * dst) and the scale its modulus over sum(|src|^2); no reflection, as
    `umeyama`."""
    s = np.asarray(src, np.float64).tolist()
    d = np.asarray(dst, np.float64).tolist()
    n = len(s)
    msx, msy = sum(p[0] for p in s) / n, sum(p[1] for p in s) / n
    mdx, mdy = sum(p[0] for p in d) / n, sum(p[1] for p in d) / n
    dot = cross = var = 0.0
    for (sx, sy), (dx, dy) in zip(s, d):
        ax, ay, bx, by = sx - msx, sy - msy, dx - mdx, dy - mdy
        dot += ax * bx + ay * by
        cross += ax * by - ay * bx
        var += ax * ax + ay * ay
    norm = math.hypot(dot, cross)
    cos, sin = (dot / norm, cross / norm) if norm > 0 else (1.0, 0.0)
    k = (norm / n) / max(var / n, 1e-12)
    return np.array([[cos * k, -sin * k, mdx - k * (cos * msx - sin * msy)],
                     [sin * k, cos * k, mdy - k * (sin * msx + cos * msy)]], np.float32)
