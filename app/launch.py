"""Entry points: `main.py` in a checkout, and the `moee` / `moee-palette` commands that
`pip install .` (or pipx) puts on the PATH.

    moee-palette            the app
    moee COMMAND ...        every headless subcommand of main.py (`moee --help` lists them);
                            `moee app` opens the app too
    main.py [COMMAND ...]   the app without arguments, else as `moee`

Qt is imported only when the GUI runs, so the headless commands start without it.
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None, app_by_default: bool = True, prog: str = "main.py") -> int:
    argv = sys.argv[1:] if argv is None else argv
    _reopen_closed_std_fds()
    # --verbose anywhere on the line (every command and the app): show the native libraries' logs
    from core.native_logs import configure
    configure(verbose_logs=True if "--verbose" in argv else None)
    argv = [a for a in argv if a != "--verbose"]
    wants_app = (argv[:1] in (["gui"], ["app"])
                 or (app_by_default and (not argv or (argv[0].startswith("-")
                                                     and argv[0] not in ("-h", "--help"))
                                         or _names_a_file(argv[0]))))
    if wants_app:
        return gui_main(argv[1:] if argv[:1] in (["gui"], ["app"]) else argv)
    if argv[:1] == ["live"] and ("--window" in argv or "--fullscreen" in argv):
        import app.live_window  # noqa: F401  registers the viewer; core stays Qt-free
    from core.cli import run_cli
    return run_cli(argv, prog)


def _names_a_file(arg: str) -> bool:
    """`main.py face.jpg voice.wav` opens them in the app, as `main.py app face.jpg ...` does
    (no command has a dot or a slash in its name)."""
    import os
    return ("." in os.path.basename(arg) or os.sep in arg) and os.path.exists(arg)


def command_done() -> None:
    """The command has returned and said what it did; what is left is Python's teardown. For
    the process's own entry points only (main.py, `moee`): never in-process.

    - A Ctrl-C from here on changes nothing. It killed the process by SIGINT before (status
      -2 to a parent, an interrupted command to the shell) after the take was written and
      reported. An ignored SIGINT stays ignored through Python's finalization (a handler
      function becomes SIG_DFL before the modules are torn down); `kill` still ends it.
    - The teardown's garbage collection skips what exists now (gc.freeze): it walked every
      object torch, diffusers and transformers had made, 1.37-1.55 s after `doctor --tiny`'s
      last line, 0.23-0.24 s frozen. Reference counting still frees what it frees, atexit
      hooks still run (stopping helper processes, removing temporary folders), and every file
      this project writes is closed before its command returns.
    """
    import gc
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()


def _reopen_closed_std_fds() -> None:
    """Started with stdin, stdout or stderr closed (`2>&-`, a launcher): each gets /dev/null.
    Else the first file opened takes that number, and with fd 2 closed the face detector's
    quieting (os.dup(2)) failed: `live 2>&-` exited 1 with no frame and no word. Python left
    sys.stderr None there, and print(..., file=None) writes to stdout: `render ... 2>&-` put
    its notes and progress line before the video's path on stdout. sys.stderr writes to the
    /dev/null now (sys.stdout stays None: core.cli.run_cli reports a result it cannot print)."""
    import os

    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
    if sys.stderr is None:
        sys.stderr = open(2, "w", buffering=1, errors="backslashreplace", closefd=False)


def gui_main(argv: list[str] | None = None) -> int:
    from app.main_window import run_app
    return run_app(sys.argv[1:] if argv is None else argv)


def cli_main() -> int:
    """`moee`: the subcommands; without one it prints the list."""
    code = main(app_by_default=False, prog="moee")
    command_done()
    return code


PALETTE_USAGE = """usage: moee-palette [--verbose] [FILE ...]

Opens the MoEE Palette app, with each project (*.moee.json), portrait or voice named.
`moee --help` lists the commands (render, batch, demo, ...)."""


def palette_main() -> int:
    """`moee-palette`: the app, started as `main.py app` starts it (--verbose, std fds); -h or
    --help prints what it takes. It called the window directly: `moee-palette --verbose` showed
    no native log line and `moee-palette --help` opened the window without a word."""
    argv = sys.argv[1:]
    if "-h" in argv or "--help" in argv:
        print(PALETTE_USAGE)
        return 0
    return main(["app", *argv])
