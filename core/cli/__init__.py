"""Headless subcommands. Each module in this package defines:

    NAME: str                     # the subcommand, e.g. "render"
    HELP: str                     # one line for `main.py --help`
    def add_arguments(parser)     # argparse flags
    def run(args) -> int          # exit code

and is found automatically; no central list to edit.
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="MoEE Palette: give a portrait a voice and a feeling. "
                    "Run without arguments to open the app.",
        epilog="--verbose (anywhere, with any command or the app) shows the MediaPipe/TFLite "
               "log lines that are hidden by default.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def run_cli(argv: list[str]) -> int:
    parser = build_parser()
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
