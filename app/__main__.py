"""`python -m app`: the app, as `moee-palette` starts it (files named after it open in it). What
a desktop launcher runs when no `moee-palette` script belongs to this Python (core/desktop.py)."""
import sys

from app.launch import palette_main

sys.exit(palette_main())
