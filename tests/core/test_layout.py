"""Architecture rules: core/ never imports Qt."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT = re.compile(r"^\s*(from|import)\s+(PySide6|PyQt5|PyQt6|pyqtgraph|sounddevice\.qt|app)\b", re.M)


def test_core_never_imports_qt_or_app():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py")
                 if QT.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_required_top_level():
    for name in ("app", "core", "resources", "models", "tests", "main.py", "pyproject.toml",
                 "README.md"):
        assert (ROOT / name).exists(), name
