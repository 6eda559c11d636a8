"""Imports after PySide6 at the speed of plain Python.

Once PySide6 is imported, its `__feature__` support (shibokensupport/feature.py, PYSIDE-2029)
asks of every module imported afterwards whether it uses PySide6, by reading the module's whole
source with `inspect.getsource` and looking for the word "PySide6". `inspect` goes through
`linecache`, which splits each file into lines and keeps them for the life of the process. The
app imports mediapipe, scipy and pyqtgraph after PySide6 before its first frame, and torch when
it warms up; measured here (2 cores, same run, PySide6 6.11): 0.2-0.4 s of the start-up's
imports, and 0.3-2 s of CPU and ~50 MB of memory (1,077 sources kept) for torch and
transformers.

`fast_feature_checks` gives PySide6 the same answer (the file's bytes hold b"PySide6") without
`inspect` or `linecache`. A module without a readable .py file gets PySide6's own check. If a
PySide6 release renames what this replaces, nothing is replaced and imports are as slow as before.

Importing this module puts the check in place (app/main_window.py and app/live_window.py import
it first); `fast_feature_checks()` does it again harmlessly.
"""
from __future__ import annotations

import sys

_FEATURE = "shibokensupport.feature"
_CHECK = "_mod_uses_pyside"


def _reads_source_bytes(original):
    def uses_pyside(module) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as f:
                    return b"PySide6" in f.read()
            except OSError:
                pass
        return original(module)

    uses_pyside.original = original
    return uses_pyside


def fast_feature_checks() -> bool:
    """Import PySide6 and replace its per-import source check; True when it is in place."""
    import PySide6  # noqa: F401  loads shiboken6, which installs the import hook

    feature = sys.modules.get(_FEATURE)
    original = getattr(feature, _CHECK, None)
    if feature is None or not callable(original):
        return False
    if getattr(original, "original", None) is None:
        setattr(feature, _CHECK, _reads_source_bytes(original))
    return True


fast_feature_checks()
