"""CLI start-up: a command imports only what it needs (`--help` lists every command without
loading torch, mediapipe or the diffusion stack; `mix --prompt` needs the text encoder, so torch
and transformers are its floor, but never mediapipe, OpenCV or diffusers)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "diffusers", "mediapipe", "cv2", "scipy", "PySide6", "numpy")
PROBE = """
import json, runpy, sys
sys.argv = ["main.py", *{argv!r}]
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def _heavy_after(*argv: str) -> tuple[set[str], str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=list(argv), heavy=HEAVY)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         check=False)
    return set(json.loads(out.stderr.strip().splitlines()[-1])), out.stdout


def test_help_lists_every_command_without_heavy_imports():
    """Not numpy either: live mode's tuning table took the 16 kHz rate from core/audio/io.py,
    which imports numpy, and every --help paid ~60 ms for it (0.13-0.15 s against 0.06-0.07)."""
    loaded, text = _heavy_after("--help")
    assert loaded == set()
    for command in ("render", "mix", "live", "train", "doctor", "prepare", "evaluate", "demo"):
        assert command in text


@pytest.mark.parametrize("argv", [("render", "--help"), ("mix", "--help")])
def test_a_command_help_loads_no_model_stack(argv):
    loaded, text = _heavy_after(*argv)
    assert "usage:" in text
    assert loaded & {"torch", "transformers", "diffusers", "mediapipe"} == set()


def test_mix_prompt_loads_the_text_encoder_only():
    loaded, text = _heavy_after("mix", "--prompt", "happy")
    assert json.loads(text)["gates"]["happy"] > 0.5
    assert {"torch", "transformers"} <= loaded  # the MiniLM encoder is the floor here
    assert loaded & {"diffusers", "mediapipe", "cv2", "PySide6"} == set()


def test_install_desktop_loads_neither_qt_nor_numpy(tmp_path):
    """It writes text files and copies the icons: the Qt the app draws with stays unloaded."""
    loaded, text = _heavy_after("install-desktop", "--print")
    assert "[Desktop Entry]" in text
    assert loaded == set()
