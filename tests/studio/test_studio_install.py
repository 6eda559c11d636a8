"""Install like an app: the wheel `pip install .` would build, installed into a fresh venv, gives a
`moee` command with every subcommand and a `moee-palette` launcher, and runs from a folder
outside the repo (so nothing comes from the checkout: resources ship in the wheel).

The venv is created with --system-site-packages and sees this test environment's packages
(torch, mediapipe, ...) through a .pth file, so the install needs no network (--no-deps)."""
from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# models/README.md alone: a checkout's models/ may hold gigabytes of checkpoints
SOURCES = ("core", "app", "resources", "models/README.md", "setup.py", "pyproject.toml",
           "README.md", "main.py")


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"  # a copy, so the build's egg-info and build/ never land in the repo
    src.mkdir()
    for name in SOURCES:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(
            ROOT / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                        if (ROOT / name).is_dir() else {}))
    wheels = tmp / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(wheels), str(src)], cwd=tmp)
    (wheel,) = wheels.glob("moee_palette-*.whl")
    env_dir = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)],
         cwd=tmp)
    purelib = Path(_run([str(_bin(env_dir, "python")), "-c",
                         "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp))
    _run([sys.executable, "-m", "pip", "--python", str(_bin(env_dir, "python")), "install",
          "-q", "--no-deps", "--no-index", str(wheel)], cwd=tmp)
    # then this environment's packages (torch, PySide6, ...) without copying them; only after
    # the install, or pip would take a checkout's metadata-only install there for this wheel
    (purelib / "_moee_test_shared.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return env_dir


def _bin(env_dir: Path, name: str) -> Path:
    return env_dir / ("Scripts" if os.name == "nt" else "bin") / name


def _run(cmd: list[str], cwd: Path, status: int = 0, **extra_env: str) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "MOEE_MODELS")}
    env.update(extra_env)
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == status, f"{cmd[:3]} failed ({r.returncode}):\n{r.stderr[-2000:]}"
    return r.stdout.strip()


def test_wheel_holds_packages_and_resources(venv):
    wheel = next((venv.parent / "wheels").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "core/cli/batch.py" in names and "app/launch.py" in names
    assert "moee_resources/facemesh_regions.json" in names
    assert "moee_resources/latents/emotion_to_latents/model.safetensors" in names
    assert {"moee_resources/icons/moee-palette.svg",
            "moee_resources/icons/moee-palette-256.png"} <= set(names)
    assert "app/__main__.py" in names  # `python -m app`: a launcher's fallback
    assert "moee_resources/models/README.md" in names  # the checkpoints' layout
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]


def test_moee_help_lists_every_subcommand(venv, tmp_path):
    text = _run([str(_bin(venv, "moee")), "--help"], cwd=tmp_path)
    assert text.startswith("usage: moee ")  # the command's own name, not main.py
    from core.cli import build_parser
    commands = build_parser()._subparsers._group_actions[0].choices  # what main.py offers
    for name in commands:
        assert f"    {name} " in text or f"    {name}\n" in text, name
    assert _bin(venv, "moee-palette").exists()


def test_moee_mix_runs_from_the_installed_package(venv, tmp_path):
    out = json.loads(_run([str(_bin(venv, "moee")), "mix", "--prompt", "happy"], cwd=tmp_path))
    assert max(out["gates"], key=out["gates"].get) == "happy"
    where = _run([str(_bin(venv, "python")), "-c",
                  "import core, app; from core.paths import resources_dir; "
                  "print(core.__file__, app.__file__, resources_dir(), sep='\\n')"], cwd=tmp_path)
    for line in where.splitlines():
        assert str(venv) in line and str(ROOT) not in line, line


def test_install_desktop_launches_the_installed_app(venv, tmp_path):
    """The launcher starts this installation's own `moee-palette` script (a virtualenv or pipx
    one is on no menu's PATH), with the icon from the installed package."""
    data = tmp_path / "data"
    out = _run([str(_bin(venv, "moee")), "install-desktop"], cwd=tmp_path,
               XDG_DATA_HOME=str(data))
    entry = (data / "applications" / "moee-palette.desktop").read_text()
    script = _bin(venv, "moee-palette")
    assert f"\nExec={script} %F\n" in entry and f"\nTryExec={script}\n" in entry
    installed = Path(_run([str(_bin(venv, "python")), "-c",
                           "from core.paths import resource; "
                           "print(resource('icons', 'moee-palette.svg'))"], cwd=tmp_path))
    assert str(venv) in str(installed)
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "moee-palette.svg"
    assert icon.read_bytes() == installed.read_bytes()
    assert f"runs {script}" in out
    _run([str(_bin(venv, "moee")), "install-desktop", "--uninstall"], cwd=tmp_path,
         XDG_DATA_HOME=str(data))
    assert list(data.rglob("*")) == []


def test_doctor_names_a_layout_the_install_has(venv, tmp_path):
    """An installed copy has no models/ folder beside it: doctor (and the loaders' errors)
    named "models/README.md", a file that was nowhere on the user's machine."""
    out = _run([str(_bin(venv, "moee")), "doctor"], cwd=tmp_path, status=3, HOME=str(tmp_path))
    assert str(tmp_path / ".moee-palette" / "models") in out  # where it looks, unchanged
    see = re.search(r"\(see (\S+README\.md)\)", out)
    assert see, out[-400:]
    named = Path(see.group(1))
    assert named.is_absolute() and named.is_file() and str(venv) in str(named), out[-400:]
    assert named.read_bytes() == (ROOT / "models" / "README.md").read_bytes()


def test_moee_alone_says_how_to_open_the_app(venv, tmp_path):
    """`moee` without a command prints the list and exits 2 (app.launch.cli_main); its text
    said "Run without arguments to open the app", which is main.py's way, not moee's."""
    text = _run([str(_bin(venv, "moee"))], cwd=tmp_path, status=2, COLUMNS="200")
    assert text.startswith("usage: moee ")
    assert "without arguments" not in text
    assert "`moee app` (or `moee-palette`) opens the app" in text


def test_help_usage_shows_the_readme_in_an_installed_copy(venv, tmp_path):
    """Help > Usage read README.md beside the resources: a wheel has none there, so the app
    installed by pip showed only "See the README of MoEE Palette ..." with no README at hand."""
    text = _run([str(_bin(venv, "python")), "-c",
                 "from app.help_menu import usage_text; print(usage_text())"], cwd=tmp_path,
                QT_QPA_PLATFORM="offscreen")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Using it")
    assert text == readme[start:readme.index("\n## ", start + 1)].strip()
