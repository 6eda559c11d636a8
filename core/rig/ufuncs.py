"""numpy's clip as its bare ufunc, for the frame's many small arrays: np.clip is a Python
wrapper around this very ufunc (numpy/core/_methods.py `_clip`: the same call, the same values),
~1.3 us a call (measured, numpy 1.26), and a frame clips ~40 times."""
from __future__ import annotations

import numpy as np

clip = np.core.umath.clip

# np.interp's compiled core, likewise: np.interp only checks for complex values and a period,
# then makes this very call (numpy/lib/function_base.py), ~3-8 us a call more; the rig's lip
# contours are read through it ~30 times a frame (core/rig/au_points.py curve_at)
interp = np.core.multiarray.interp


def smoothstep(x: float) -> float:
    """0 up to x = 0, 1 from x = 1, eased between (3x^2 - 2x^3): the rig's scalar fades."""
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)
