"""Per-frame AU intensities from Face Mesh landmarks: the rig's AU basis run backwards.

The rig moves landmarks by `AUBasis.displacement(w)` (core/rig/au_basis.py, built on a rest
shape in the face frame, unit = IPD). Measuring inverts that. Each frame is brought onto the rest
shape by a least-squares similarity (Umeyama 1991), then
    min_{w, q} ||B^T w + S q - (P - P_rest)||^2 + ridge * ||w||^2,  0 <= w <= 1
with B the basis (one column per AU and side), S the four directions of a small similarity
(scale, rotation, shift: the alignment left over, since every AU moves some of the points the
coarse alignment used) and q unbounded: bounded least squares (scipy lsq_linear), i.e. NNLS with
the FACS ceiling. The two sides of an AU are averaged. The basis is ill-conditioned (AU12, 14
and 20 all move the lip corners); the small ridge keeps noise from trading one for another.
The rest shape is the clip's first frame unless given: talking-head sets (MEAD, HDTF) start takes
from a calm face, so intensities are relative to how the take starts. The rest-expression analyser
(a canonical neutral face, for single portraits) can supply a better rest shape per person.
"""
from __future__ import annotations

import numpy as np

from core.emotions import AU_INDEX, NUM_AUS
from core.face.frame import FaceFrame
from core.face.umeyama import umeyama
from core.training.tuning import TUNING

FIT_POINTS = 468  # irises (468-477) follow gaze, not AUs: left out of the fit


def _similarity_columns(p: np.ndarray) -> np.ndarray:
    """(K, 2) points -> (2K, 4): d/d(scale, rotation, x shift, y shift) of a similarity at p."""
    s = np.zeros((len(p), 2, 4))
    s[:, 0, 0], s[:, 1, 0] = p[:, 0], p[:, 1]
    s[:, 0, 1], s[:, 1, 1] = -p[:, 1], p[:, 0]
    s[:, 0, 2] = s[:, 1, 3] = 1.0
    return s.reshape(-1, 4)


def fit_aus(landmarks: np.ndarray, rest: np.ndarray | None = None) -> np.ndarray:
    """landmarks (N, 478, 2) image pixels -> AU intensities (N, NUM_AUS) in AU_NUMBERS order,
    0..1, relative to `rest` (478, 2) (default: the first frame)."""
    from scipy.optimize import lsq_linear

    from core.rig.au_basis import AUBasis

    lm = np.asarray(landmarks, np.float64)[:, :, :2]
    rest = lm[0] if rest is None else np.asarray(rest, np.float64)[:, :2]
    rest_f = FaceFrame.from_landmarks(rest).to_frame(rest)
    p0 = rest_f[:FIT_POINTS]
    basis = AUBasis.build(rest_f)
    keep = [i for i, (au, _) in enumerate(basis.keys) if au != 43]  # 43 = 45's motion, held longer
    k = len(keep)
    cols = basis.matrix[keep].reshape(k, -1, 2)[:, :FIT_POINTS].reshape(k, -1).T.astype(np.float64)
    a = np.hstack([cols, _similarity_columns(p0)])
    a = np.vstack([a, np.hstack([np.sqrt(TUNING["au_fit_ridge"]) * np.eye(k), np.zeros((k, 4))])])
    bounds = (np.r_[np.zeros(k), np.full(4, -np.inf)], np.r_[np.ones(k), np.full(4, np.inf)])
    # same minimiser on a (k+4)-row system: ||A x - b||^2 = ||R x - R^-T A^T b||^2 + const
    # with A^T A = R^T R (Cholesky); ten times faster per frame than the 950-row one
    r = np.linalg.cholesky(a.T @ a).T
    out = np.zeros((len(lm), NUM_AUS), np.float32)
    for i, frame in enumerate(lm[:, :FIT_POINTS]):
        s, rot, t = umeyama(frame, p0)
        d = (s * frame @ rot.T + t - p0).reshape(-1)
        y = np.linalg.solve(r.T, a[:len(d)].T @ d)
        w = lsq_linear(r, y, bounds=bounds, method="bvls").x[:k]
        for j, row in enumerate(keep):
            out[i, AU_INDEX[basis.keys[row][0]]] += 0.5 * w[j]  # mean of the two sides
    out[:, AU_INDEX[43]] = out[:, AU_INDEX[45]]
    return np.clip(out, 0.0, 1.0)  # bvls meets its bounds only to rounding
