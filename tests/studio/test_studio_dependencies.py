"""Every package the shipped code imports (core/, app/, main.py) is one pyproject.toml declares,
in its dependencies or an extra: one that only arrives as another package's dependency can be
dropped by that package's next release, and `pip install moee-palette` then fails at run time."""
from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[2]
OWN = {"core", "app", "moee_resources"}
# imported but rightly not declared, with the reason
INDIRECT = {
    "shiboken6": "PySide6-Essentials' own runtime, required by it at its exact version",
    "absl": "core/native_logs.py imports it under suppress(ImportError): MediaPipe's logger",
}


def _imported_modules() -> dict[str, str]:
    """Top-level module name -> the first file importing it (imports inside functions too)."""
    found: dict[str, str] = {}
    for path in [ROOT / "main.py", *(ROOT / "core").rglob("*.py"), *(ROOT / "app").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return {_normal(re.split(r"[\s<>=!~\[;]", spec, maxsplit=1)[0]) for spec in specs}


def test_every_imported_package_is_declared():
    dists = metadata.packages_distributions()
    declared = _declared()
    undeclared = []
    for module, where in sorted(_imported_modules().items()):
        if module in OWN or module in sys.stdlib_module_names or module in INDIRECT:
            continue
        names = dists.get(module)
        assert names, f"{module} (imported in {where}) belongs to no installed distribution"
        if not {_normal(n) for n in names} & declared:
            undeclared.append(f"{module} ({'/'.join(names)}, imported in {where})")
    assert not undeclared, "imported but not in pyproject.toml: " + ", ".join(undeclared)
