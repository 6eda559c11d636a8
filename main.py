"""MoEE Palette: `python main.py` opens the app; `python main.py SUBCOMMAND --help` for the rest."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # --verbose anywhere on the line (every command and the app): show the native libraries' logs
    from core.native_logs import configure
    configure(verbose_logs=True if "--verbose" in argv else None)
    argv = [a for a in argv if a != "--verbose"]
    if not argv or argv[0] in ("gui", "app") or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        from app.main_window import run_app  # Qt is imported only when the GUI runs
        return run_app(argv[1:] if argv and argv[0] in ("gui", "app") else argv)
    if argv[0] == "live" and ("--window" in argv or "--fullscreen" in argv):
        import app.live_window  # noqa: F401  registers the viewer; core stays Qt-free
    from core.cli import run_cli
    return run_cli(argv)


def _main_interruptible() -> int:
    try:
        return main()
    except KeyboardInterrupt:  # Ctrl-C while modules were still loading, before any work
        print("error: interrupted during start-up; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(_main_interruptible())
