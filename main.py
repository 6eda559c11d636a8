"""MoEE Palette: `python main.py` opens the app; `python main.py SUBCOMMAND --help` for the rest.
A thin shim over app/launch.py (the same entry points `pip install .` installs as `moee` and
`moee-palette`)."""
from __future__ import annotations

import sys

from app.launch import command_done, main

def _main_interruptible() -> int:
    try:
        code = main()
    except KeyboardInterrupt:  # Ctrl-C while modules were still loading, before any work
        print("error: interrupted during start-up; nothing was written", file=sys.stderr)
        return 130
    command_done()  # what is left is Python's teardown: not to be cut short, nor slow
    return code


if __name__ == "__main__":
    sys.exit(_main_interruptible())
