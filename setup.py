"""Packaging: everything else is in pyproject.toml. The wheel holds the packages core and app and
the repo's resources/ folder as the package `moee_resources` (core/paths.py finds it there when
installed), so `pip install .` and pipx work without the repo on sys.path. models/README.md (the
checkpoints' layout, which doctor and the loaders point at) goes along as moee_resources/models/:
nothing else of a checkout's models/ folder, which may hold gigabytes of checkpoints."""
from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["core", "core.*", "app", "app.*"]), "moee_resources",
              "moee_resources.models"],
    package_dir={"moee_resources": "resources", "moee_resources.models": "models"},
    package_data={"moee_resources": ["**/*"], "moee_resources.models": ["README.md"]},
    include_package_data=False,
)
