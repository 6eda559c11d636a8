"""Least-squares similarity between point sets, in any dimension (Umeyama 1991, "Least-squares
estimation of transformation parameters between two point patterns", IEEE TPAMI 13(4)): the
pose of a canonical face on a portrait (3-D), a frame's head motion taken out before the AU
fit, the skull's motion that carries the teeth (2-D)."""
from __future__ import annotations

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
    """The 2-D fit as a 2x3 float32 matrix [s R | t] (cv2.warpAffine's form)."""
    s, rot, t = umeyama(src, dst)
    return np.column_stack([s * rot, t]).astype(np.float32)
