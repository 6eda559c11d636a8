"""The warp's triangulation set-up stays fast when the machine's other cores are busy. Built with
OpenBLAS's threads, scipy's find_simplex made one tiny LAPACK call per triangle, each waiting for a
BLAS thread that the load had descheduled: on a 2-core machine with one core busy, a 256 px
portrait's first frame came 9 s late (not 5 ms), spinning a core, and deaf to Ctrl-C meanwhile.
A subprocess pins all its threads to one CPU after OpenBLAS started its own: the busy machine."""
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPT = """
import os, time
import numpy as np
from core.rig.warp import _barycentric
rng = np.random.default_rng(0)
ctrl, nodes = rng.random((600, 2)) * 256, rng.random((3162, 2)) * 256
_barycentric(ctrl, nodes)  # every library and its threads are up
for task in os.listdir("/proc/self/task"):  # one CPU for them all, as when the others are busy
    os.sched_setaffinity(int(task), {min(os.sched_getaffinity(0))})
t0 = time.perf_counter()
_barycentric(ctrl, nodes)
print(time.perf_counter() - t0)
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs for BLAS threads")
def test_barycentric_weights_do_not_wait_for_a_busy_core():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "OPENBLAS_NUM_THREADS": "2"})
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout.split()[-1]) < 1.0, proc.stdout  # 5-10 ms; 9 s before
