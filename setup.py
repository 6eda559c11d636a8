"""Packaging: everything else is in pyproject.toml. The wheel holds the packages core and app and
the repo's resources/ folder as the package `moee_resources` (core/paths.py finds it there when
installed), so `pip install .` and pipx work without the repo on sys.path."""
from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["core", "core.*", "app", "app.*"]), "moee_resources"],
    package_dir={"moee_resources": "resources"},
    package_data={"moee_resources": ["**/*"]},
    include_package_data=False,
)
