"""Non-negative least squares, min ||A x - b|| with x >= 0, for the rest expression's fit
(core/rig/rest.py: ~13 AUs against a few hundred landmark heights).

Lawson & Hanson's active-set method (Solving Least Squares Problems, 1974, ch. 23) on the normal
equations, as Bro & De Jong's fast variant (J. Chemometrics 11, 1997) does. It is here, not
scipy.optimize.nnls, because importing scipy.optimize costs 0.13-0.15 s on top of the scipy
modules the rig already loads, and the rest fit runs before the app's first frame; the solutions
agree with scipy's to 1e-9 (tests/rig/test_nnls.py).
"""
from __future__ import annotations

import numpy as np


def nnls(A: np.ndarray, b: np.ndarray, max_iter: int | None = None) -> tuple[np.ndarray, float]:
    """(x >= 0 minimising ||A x - b||, the residual norm), as scipy.optimize.nnls returns."""
    A = np.asarray(A, np.float64)
    b = np.asarray(b, np.float64)
    n = A.shape[1]
    AtA, Atb = A.T @ A, A.T @ b
    x = np.zeros(n)
    passive = np.zeros(n, bool)
    tol = 10 * np.finfo(float).eps * np.abs(AtA).sum(0).max() * max(A.shape)
    max_iter = 3 * n if max_iter is None else max_iter
    w = Atb.copy()
    for _ in range(max_iter):
        free = ~passive & (w > tol)
        if not free.any():
            break
        passive[np.argmax(np.where(free, w, -np.inf))] = True
        s = _solve(AtA, Atb, passive)
        while passive.any() and s[passive].min() <= 0:
            # step back to the boundary: the first passive variable to reach zero leaves
            neg = passive & (s <= 0)
            alpha = np.min(x[neg] / (x[neg] - s[neg]))
            x = x + alpha * (s - x)
            passive &= x > tol
            s = _solve(AtA, Atb, passive)
        x = s
        w = Atb - AtA @ x
    return x, float(np.linalg.norm(A @ x - b))


def _solve(AtA: np.ndarray, Atb: np.ndarray, passive: np.ndarray) -> np.ndarray:
    """The unconstrained least squares over the passive variables, zero elsewhere."""
    s = np.zeros(len(Atb))
    idx = np.flatnonzero(passive)
    if len(idx):
        s[idx] = np.linalg.lstsq(AtA[np.ix_(idx, idx)], Atb[idx], rcond=None)[0]
    return s
