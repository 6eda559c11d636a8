"""The rest fit's non-negative least squares (core/rig/nnls.py) agrees with scipy's, and the
rig's first frame no longer imports scipy.optimize (0.13-0.15 s of the app's start-up)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import nnls as scipy_nnls

from core.rig.nnls import nnls

ROOT = Path(__file__).resolve().parents[2]


def test_agrees_with_scipy_on_random_problems():
    rng = np.random.default_rng(0)
    for t in range(300):
        m, n = int(rng.integers(3, 300)), int(rng.integers(1, 16))
        A = rng.normal(size=(m, n))
        if t % 3 == 0:  # all-positive columns: many active constraints
            A = np.abs(A)
        b = rng.normal(size=m)
        x, r = nnls(A, b)
        x0, r0 = scipy_nnls(A, b)
        assert np.all(x >= 0)
        np.testing.assert_allclose(x, x0, atol=1e-9)
        assert abs(r - r0) < 1e-9


def test_edge_cases():
    x, r = nnls(np.eye(3), np.array([-1.0, -2.0, -3.0]))  # every variable at its bound
    assert np.array_equal(x, np.zeros(3)) and abs(r - np.sqrt(14)) < 1e-12
    x, _ = nnls(np.eye(2), np.array([2.0, 3.0]))  # the unconstrained optimum is feasible
    np.testing.assert_allclose(x, [2.0, 3.0])
    x, _ = nnls(np.ones((4, 2)), np.ones(4))  # rank-deficient: any split, still a minimum
    assert np.all(x >= 0) and abs(x.sum() - 1.0) < 1e-9


def test_the_first_frame_does_not_import_scipy_optimize():
    probe = (
        "import sys\n"
        "from core.engine import RenderJob\n"
        "from core.mix import EmotionMix\n"
        "from core.rig.engine import RigEngine\n"
        "from core.samples import sample_portrait\n"
        "e = RigEngine(); p = e.prepare(sample_portrait(256))\n"
        "job = RenderJob(portrait=p, mix=EmotionMix.from_preset('sad'), size=256, duration=1.0,"
        " fps=25)\n"
        "e.render_frame(job, 10)\n"
        "print('scipy.optimize' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]
