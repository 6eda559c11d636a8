"""`import mediapipe` without loading matplotlib.

mediapipe's package __init__ imports its drawing helpers, which import matplotlib.pyplot at
module level for `plot_landmarks` alone; Face Mesh never plots. matplotlib is then most of
mediapipe's import time (about 1.4 of 2.0 s, `python -X importtime -c "import mediapipe"`), paid
by every render and by the app before its first frame. During the import, matplotlib and pyplot
are stand-in modules that import the real ones on first attribute use; afterwards they leave
sys.modules, so any later `import matplotlib.pyplot` gets the real module.
"""
from __future__ import annotations

import importlib
import sys
import threading
import types

DEFERRED = ("matplotlib", "matplotlib.pyplot")
_lock = threading.Lock()


def _stand_in(name: str) -> types.ModuleType:
    module = types.ModuleType(name, f"stand-in: {name} loads on first use")

    def __getattr__(attr: str):  # PEP 562: only called for attributes the stand-in lacks
        if attr.startswith("__") and attr.endswith("__"):
            # introspection, not use: PySide6's import hook asks every module imported after it
            # for its __file__ (app/pyside_imports.py), and answering that by importing the real
            # module loaded matplotlib.pyplot before the app's first frame (0.25-0.45 s)
            raise AttributeError(attr)
        if sys.modules.get(name) is module:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)

    module.__getattr__ = __getattr__
    return module


def import_mediapipe() -> types.ModuleType:
    with _lock:
        if "mediapipe" in sys.modules or any(n in sys.modules for n in DEFERRED):
            import mediapipe
            return mediapipe
        stand_ins = {name: _stand_in(name) for name in DEFERRED}
        for name, module in stand_ins.items():  # `import a.b as c` reads c from a's attribute
            parent, _, child = name.rpartition(".")
            if parent in stand_ins:
                setattr(stand_ins[parent], child, module)
        sys.modules.update(stand_ins)
        try:
            import mediapipe
        finally:
            for name, module in stand_ins.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
        return mediapipe
