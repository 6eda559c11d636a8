"""Where the project's own files are, in a checkout and in an installed copy (`pip install .`).

In a checkout, resources/ and models/ sit beside core/ (the repo root holds main.py). An installed
wheel ships resources/ as the package `moee_resources` (setup.py maps it), so the same lookups
work without the repo on sys.path. Models are the user's: a checkout's models/, else
$MOEE_MODELS, else ~/.moee-palette/models.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
RESOURCE_PACKAGE = "moee_resources"


def is_checkout() -> bool:
    return (PACKAGE_ROOT / "main.py").is_file() and (PACKAGE_ROOT / "resources").is_dir()


def resources_dir() -> Path:
    if is_checkout():
        return PACKAGE_ROOT / "resources"
    import importlib.util
    spec = importlib.util.find_spec(RESOURCE_PACKAGE)  # a folder without __init__.py
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{RESOURCE_PACKAGE} is missing: reinstall moee-palette")
    return Path(next(iter(spec.submodule_search_locations)))


def resource(*parts: str) -> Path:
    """A file shipped in resources/, e.g. resource("samples", "sample_voice.wav")."""
    return resources_dir().joinpath(*parts)


def models_dir() -> Path:
    """Where checkpoints are looked for (models/README.md gives the layout)."""
    if os.environ.get("MOEE_MODELS"):
        return Path(os.environ["MOEE_MODELS"])
    if is_checkout():
        return PACKAGE_ROOT / "models"
    return Path.home() / ".moee-palette" / "models"


def models_readme() -> Path:
    """models/README.md, the checkpoints' layout: the checkout's, else the copy the wheel ships
    (an installed copy has no models/ folder of its own to hold it)."""
    if is_checkout():
        return PACKAGE_ROOT / "models" / "README.md"
    return resource("models", "README.md")


def output_dir() -> Path:
    """Default folder for demo output: the checkout's out/, else out/ in the current folder."""
    return (PACKAGE_ROOT if is_checkout() else Path.cwd()) / "out"
