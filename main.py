"""MoEE Palette: `python main.py` opens the app; `python main.py SUBCOMMAND --help` for the rest.
A thin shim over app/launch.py (the same entry points `pip install .` installs as `moee` and
`moee-palette`)."""
from __future__ import annotations

import sys

from app.launch import main

if __name__ == "__main__":
    sys.exit(main())
