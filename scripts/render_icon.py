"""Render the app icon's PNG from its SVG (resources/icons/), for the hicolor theme's 256x256
folder that `moee install-desktop` fills (core/desktop.py copies it; it has no Qt to draw with).
Run after editing the SVG:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_icon.py [--sizes 32 64 256 --to DIR]

--to DIR also writes each size given to DIR (moee-palette-N.png) to look at."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[])
    parser.add_argument("--to", type=Path)
    args = parser.parse_args()
    from PySide6.QtGui import QGuiApplication

    from app.icon import ICON_PNG, ICON_SVG, render_icon

    _app = QGuiApplication.instance() or QGuiApplication([])
    if not render_icon(ICON_SVG, 256).save(str(ICON_PNG)):
        raise SystemExit(f"could not write {ICON_PNG}")
    print(ICON_PNG)
    for size in args.sizes:
        out = (args.to or ROOT / "out") / f"moee-palette-{size}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        render_icon(ICON_SVG, size).save(str(out))
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
