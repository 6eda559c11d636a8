"""mediapipe imports without matplotlib, and matplotlib still works afterwards."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
FIRST
from core.face.mediapipe_import import import_mediapipe
mp = import_mediapipe()
mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=True)
after = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
from mediapipe.python.solutions import drawing_utils
import matplotlib.pyplot as plt
real = type(plt.figure).__name__
same = drawing_utils.plt.figure is plt.figure
print(json.dumps({"after": after, "real": real, "same": same}))
"""


@pytest.mark.parametrize("first", [
    "",
    # the app: PySide6's import hook asks each new module, stand-ins too, for its __file__
    "import PySide6.QtCore",
    "import app.pyside_imports",
])
def test_mediapipe_without_matplotlib_then_the_real_pyplot(first):
    out = subprocess.run([sys.executable, "-c", PROBE.replace("FIRST", first)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=False)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["after"] == []  # no stand-in left behind, nothing of matplotlib loaded
    assert r["real"] == "function" and r["same"]  # mediapipe's plt reaches the real pyplot
