"""A fresh interpreter on an offscreen screen of a laptop's size and scaling (QT_SCALE_FACTOR
is read once, at start-up: a test process cannot change it for itself)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def on_laptop(script: str, tmp_path, width: int, height: int, scale: float = 1.0) -> str:
    """Run `script` in a fresh interpreter on an offscreen screen of width x height pixels at
    QT_SCALE_FACTOR `scale` (the offscreen platform's own screen is 800x800); its stdout."""
    screens = {"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
                            "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
    config = tmp_path / f"screen_{width}x{height}.json"
    config.write_text(json.dumps(screens), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "QT_SCALE_FACTOR": str(scale)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
