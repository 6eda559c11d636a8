"""Screenshot of the real window: sample portrait and voice, a compound emotion, one frame.

    Xvfb :99 -screen 0 1280x720x24 &  DISPLAY=:99 .venv/bin/python scripts/screenshot.py [out.png]

Writes docs/screenshot.png by default. Uses a throw-away settings file, so a user's saved
layout does not change the picture.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PRESET = "happily surprised"
PLAYHEAD_S = 1.3
TIMEOUT_S = 60.0


def wait(app, condition, timeout: float = TIMEOUT_S) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "screenshot.png"
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from app.settings import AppSettings

    app = QApplication.instance() or QApplication([sys.argv[0]])
    settings = AppSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"))
    window = MainWindow(settings=settings)
    window.show()
    if not wait(app, lambda: window.session.portrait is not None and not window.session.loading()):
        print("the sample portrait did not load (is the rig engine installed?)", file=sys.stderr)
        return 1
    window.palette.presets.choose(PRESET)
    window.seek(PLAYHEAD_S)
    shown = window.preview.frames_shown
    wait(app, lambda: window.preview.frames_shown > shown and window.renderer.idle)
    wait(app, lambda: False, 0.5)  # let the status bar's rate timer and layout settle
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    print(f"wrote {out} ({window.width()}x{window.height()}); "
          f"control-to-frame {window.latencies_ms[-1]:.1f} ms" if window.latencies_ms else out)
    window.project.dirty = False
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
