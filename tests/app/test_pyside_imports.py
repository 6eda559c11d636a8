"""PySide6's per-import source check, answered from the file's bytes (app/pyside_imports.py):
the same answers as PySide6's own check, and no module's source left in linecache."""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import app.pyside_imports as pyside_imports

ROOT = Path(__file__).resolve().parents[2]


def _check():
    return getattr(sys.modules[pyside_imports._FEATURE], pyside_imports._CHECK)


def test_the_check_is_in_place_once():
    assert pyside_imports.fast_feature_checks()
    first = _check()
    assert pyside_imports.fast_feature_checks()  # again: not wrapped twice
    assert _check() is first and getattr(first, "original", None) is not None
    assert getattr(first.original, "original", None) is None


def test_same_answers_as_pyside6s_own_check():
    check = _check()
    names = ["app.preview", "app.session", "app.pyside_imports", "core.mix", "core.rig.motion",
             "numpy", "json", "sys", "cv2"]
    for name in names:
        importlib.import_module(name)
    modules = [sys.modules[n] for n in names] + [m for n, m in sorted(sys.modules.items())
                                                 if n.startswith(("core.", "app.", "email"))]
    answers = {m.__name__: check(m) for m in modules}
    assert answers == {m.__name__: check.original(m) for m in modules}
    assert answers["app.preview"] and answers["app.session"]
    assert not answers["core.mix"] and not answers["sys"] and not answers["json"]


HOOK = """
import linecache, sys
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
import app.pyside_imports
feature = sys.modules["shibokensupport.feature"]
import moee_probe_mod, moee_probe_qt
print(moee_probe_mod.VALUE, moee_probe_qt.VALUE, feature.pyside_feature_dict["moee_probe_mod"],
      feature.pyside_feature_dict["moee_probe_qt"],
      sum(k.endswith(("moee_probe_mod.py", "moee_probe_qt.py")) for k in linecache.cache))
"""


def test_a_module_imported_after_pyside6_leaves_no_source_behind(tmp_path):
    """In a fresh process, through PySide6's own import hook: the answers PySide6 keeps (-1:
    ignore this module, 0: it uses PySide6) and no source kept in linecache."""
    (tmp_path / "moee_probe_mod.py").write_text("VALUE = 3  # plain python\n")
    (tmp_path / "moee_probe_qt.py").write_text("import PySide6.QtCore\nVALUE = 4\n")
    out = subprocess.run([sys.executable, "-c", HOOK, str(ROOT), str(tmp_path)], check=True,
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["3", "4", "-1", "0", "0"]
