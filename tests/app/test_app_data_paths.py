"""README says where the app keeps its settings and its data folder (what `pip uninstall` leaves
behind): the paths the app really uses, started as run_app starts it, in a fresh interpreter with
a home of its own and the XDG defaults (Linux)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
from app.main_window import start_app
from app.recorder import takes_folder
app, window = start_app([])
print(window.settings.qs.fileName())
print(window.settings.data_dir() / "recovery")
print(takes_folder())
window.close()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the README names Linux paths")
def test_readme_names_the_files_the_app_keeps(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.strip().splitlines()[-3:]
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    settings, recovery, takes = (Path(line) for line in lines)
    assert Path(settings).is_relative_to(tmp_path), lines
    named = "~/" + settings.relative_to(tmp_path).as_posix()
    assert f"`{named}`" in readme, named
    data = recovery.parent
    assert takes.parent == data, lines
    assert f"`~/{data.relative_to(tmp_path).as_posix()}/`" in readme, data
    assert "(`takes/`)" in readme and "(`recovery/`)" in readme
