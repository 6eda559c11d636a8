"""Headless subcommands. Each module in this package defines:

    NAME: str                     # the subcommand, e.g. "render"
    HELP: str                     # one line for `main.py --help`
    def add_arguments(parser)     # argparse flags
    def run(args) -> int          # exit code

and is found automatically; no central list to edit. Module level stays light (NAME and HELP
need no heavy import): `main.py --help` imports every command module but calls no
add_arguments, and `main.py CMD ...` calls only CMD's, so torch, mediapipe and the diffusion
stack load when the chosen command needs them (a test checks sys.modules after --help).
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from core.errors import Cancelled, MoeeError


def _commands():
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "NAME") and hasattr(mod, "run"):
            mods.append(mod)
    return sorted(mods, key=lambda m: m.NAME)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI parser; with `command`, only that subcommand gets its flags ("" for none)."""
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="MoEE Palette: give a portrait a voice and a feeling. "
                    "Run without arguments to open the app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        if command is None or command == mod.NAME:
            mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def run_cli(argv: list[str]) -> int:
    parser = build_parser(next((a for a in argv if not a.startswith("-")), ""))
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except Cancelled:
        print("error: cancelled; no output was written", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("error: interrupted; no output was written", file=sys.stderr)
        return 130
    except MoeeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
