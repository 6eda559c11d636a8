"""Headless subcommands. Each module in this package defines:

    NAME: str                     # the subcommand, e.g. "render"
    HELP: str                     # one line for `main.py --help`
    def add_arguments(parser)     # argparse flags
    def run(args) -> int          # exit code
    DESCRIPTION, EPILOG: str      # optional: the text above and below the flags in CMD --help

and is found automatically; no central list to edit. Module level stays light (NAME and HELP
need no heavy import): `main.py --help` imports every command module but calls no
add_arguments, and `main.py CMD ...` calls only CMD's, so torch, mediapipe and the diffusion
stack load when the chosen command needs them (a test checks sys.modules after --help).
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import pkgutil
import signal
import sys
import warnings

from core import signal_shield
from core.errors import Cancelled, MoeeError, MoeeWarning
from core.native_logs import stderr_back


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill) or SIGHUP (terminal closed): unwinds like Ctrl-C, so every cleanup that
    Ctrl-C runs (partial files, encoder processes) runs for these too."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Interrupts:
    """What a long loop checks each step (the CancelToken interface), set by this command's
    SIGINT/SIGTERM/SIGHUP handler as well as raised: the exception alone can be lost when the
    signal lands inside a finalizer (Python prints "Exception ignored" and goes on), and the
    take then ran to its end and exited 0 after a Ctrl-C. Plain attributes, no locks: set from
    a signal handler."""

    def __init__(self):
        self.signal: KeyboardInterrupt | None = None

    @property
    def cancelled(self) -> bool:
        return self.signal is not None

    def raise_if_cancelled(self) -> None:
        if self.signal is not None:
            raise self.signal


INTERRUPTS = Interrupts()  # the running command's; a new one for each run_cli


def _record(exc: KeyboardInterrupt) -> None:
    INTERRUPTS.signal = exc
    if not signal_shield.hold(exc):  # raised where Python is, unless native set-up is running
        raise exc


def _terminate(signum, _frame):
    _record(Terminated(signum))


def _interrupt(signum, _frame):
    _record(KeyboardInterrupt())


@contextlib.contextmanager
def _signals_as_interrupts():
    """Turn SIGTERM and SIGHUP into Terminated, and SIGINT into KeyboardInterrupt, while a
    command runs, each also recorded in INTERRUPTS (main thread only; the previous handlers
    come back afterwards, for callers that run commands in-process). A SIGINT that its parent
    ignores (a shell's background job) stays ignored."""
    global INTERRUPTS
    INTERRUPTS = Interrupts()
    handlers = [(s, _terminate) for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)]
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        handlers.append(("SIGINT", _interrupt))
    saved = {}
    try:
        for name, handler in handlers:
            sig = getattr(signal, name)
            saved[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)
        stderr_back()  # for the error line that may follow, on a line of its own
        progress_done()


PROGRESS_EVERY_S = 0.2  # how often a progress line is redrawn (render's, a stream's tail)
_bar_open = False  # a progress line is on stderr, redrawn in place, with no newline after it
_bar_width = 0  # the open line's length: a shorter text drawn over it is padded to cover it


def progress_bar(text: str) -> None:
    """Draw `text` over the command's progress line on stderr (\r, no newline). An error line
    that follows starts on a line of its own: `evaluate` stopped by a Ctrl-C printed
    "[2/3] happy.mp4    error: interrupted; ..." on one line. A text shorter than the one it
    replaces is padded with spaces, so no tail of the longer one stays on the line."""
    global _bar_open, _bar_width
    pad = " " * (_bar_width - len(text)) if _bar_open else ""
    print(f"\r{text}{pad}", end="", file=sys.stderr, flush=True)
    _bar_open, _bar_width = True, len(text)


def progress_done() -> None:
    """End the progress line, if one is open: what follows starts on a line of its own."""
    global _bar_open
    if _bar_open:
        print(file=sys.stderr, flush=True)
        _bar_open = False


_NOTED: set[str] = set()
_KEPT: list[str] | None = None  # where notes go instead of stderr (notes_kept)


def note(text: str) -> None:
    """A `note:` line on stderr, once per text in a command (a portrait's notes repeat the
    warnings its analysis gave)."""
    if text not in _NOTED:
        _NOTED.add(text)
        if _KEPT is not None:
            _KEPT.append(text)
        else:
            print(f"note: {text}", file=sys.stderr)


def notes_are_kept() -> bool:
    """Inside notes_kept: a batch row's notes are shown under its line, --quiet or not."""
    return _KEPT is not None


@contextlib.contextmanager
def notes_kept(kept: list[str]):
    """note() and our warnings go into `kept`, each once, instead of onto stderr: a batch
    row's, shown under that row's line (a worker printed Python's raw warning, and its notes
    for no row in particular, once per worker)."""
    global _KEPT
    before = _KEPT
    _KEPT = kept
    try:
        with warnings.catch_warnings(), _warnings_as_notes():
            warnings.simplefilter("always", MoeeWarning)  # each row's, not once per worker
            yield kept
    finally:
        _KEPT = before


@contextlib.contextmanager
def _warnings_as_notes():
    """Our own warnings (several faces, a fallback model) reach a CLI user as `note:` lines,
    not as Python's `path/to/file.py:43: MoeeWarning: ...` plus a line of our source."""
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, MoeeWarning):
            note(str(message))
        else:
            shown(message, category, filename, lineno, file, line)

    _NOTED.clear()
    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


def _commands():
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "NAME") and hasattr(mod, "run"):
            mods.append(mod)
    return sorted(mods, key=lambda m: m.NAME)


def build_parser(command: str | None = None, prog: str = "main.py") -> argparse.ArgumentParser:
    """The CLI parser; with `command`, only that subcommand gets its flags ("" for none)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="MoEE Palette: give a portrait a voice and a feeling. " + (
            "Run without arguments to open the app." if prog == "main.py" else
            f"`{prog} app` (or `moee-palette`) opens the app."),
        epilog="--verbose (anywhere, with any command or the app) shows the MediaPipe/TFLite "
               "log lines that are hidden by default.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                           epilog=getattr(mod, "EPILOG", None),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        if command is None or command == mod.NAME:
            mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def interrupted(exc: KeyboardInterrupt, kept: str) -> int:
    """For a command that had already written something when Ctrl-C (or a kill) came: say what
    was kept instead of claiming nothing was written. Returns the exit code."""
    global _bar_open
    how = f"stopped by {exc}" if isinstance(exc, Terminated) else "interrupted"
    stderr_back()
    _bar_open = False  # the line break below ends any progress line
    print(f"\nerror: {how}; {kept}", file=sys.stderr)
    return 128 + exc.signum if isinstance(exc, Terminated) else 130


def refuse_empty_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Every argument typed PathArg or TextArg (core.validate) that was given as empty text is
    refused, named by its flag (positionals by their name)."""
    from core.validate import PathArg, TextArg, nonempty_path, nonempty_text

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None) or "")
            if chosen is not None:
                refuse_empty_arguments(chosen, args)
        elif action.type in (PathArg, TextArg) and getattr(args, action.dest, None) is not None:
            check = nonempty_path if action.type is PathArg else nonempty_text
            check(getattr(args, action.dest),
                  max(action.option_strings, key=len) if action.option_strings
                  else f"the {action.dest} path")


class StdoutFailed(Exception):
    """A write to standard output failed: a full disk (`> /dev/full`), an I/O error, or a pipe
    whose reader has gone (`| head`). `error` is the OSError."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


class _GuardedStdout:
    """sys.stdout while a command runs: a failed write or flush raises StdoutFailed, so run_cli
    can tell it from a failure writing an output file (which keeps its own message, or its
    traceback). Everything else is the stream's own."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise StdoutFailed(exc) from exc

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        try:
            return self._stream.flush()
        except OSError as exc:
            raise StdoutFailed(exc) from exc

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _ClosedStdout:
    """sys.stdout while a command runs with file descriptor 1 closed (`main.py mix ... >&-`):
    Python leaves sys.stdout None there, and print() to None writes nothing, so the command's
    result was lost with status 0. A write fails here as it does for `cat` (EBADF)."""

    def write(self, text):
        raise StdoutFailed(OSError(errno.EBADF, os.strerror(errno.EBADF)))

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass


def _stdout_failed(error: OSError, stream) -> int:
    """After a failed write to stdout: the stream's file descriptor is pointed at /dev/null, so
    Python's own flush at exit (of what is still buffered) cannot fail again and print
    'Exception ignored ... BrokenPipeError' under our line. A closed pipe ends quietly with
    128 + SIGPIPE = 141, what `$?` shows for cat or grep killed by SIGPIPE (`yes | head`; under
    `set -o pipefail` a script sees the same as for them, and can tell it from an error's 1).
    Anything else (ENOSPC, EIO) is an error: one line on stderr, status 1."""
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # not a file (an in-process caller's buffer)
        pass
    if isinstance(error, BrokenPipeError):
        return 128 + getattr(signal, "SIGPIPE", 13)
    reason = error.strerror or str(error)
    try:
        print(f"error: could not write to standard output ({reason}); what the command "
              "printed there is cut short", file=sys.stderr)
    except OSError:
        pass
    return 1


def run_cli(argv: list[str], prog: str = "main.py") -> int:
    """Run one subcommand; the exit status. A failed write to stdout (disk full, `| head` gone)
    is one line or a quiet 141 (_stdout_failed), not print()'s traceback, whether it fails at a
    print or at the last flush (stdout to a file or pipe is buffered: small output failed only
    in Python's flush at exit, as 'Exception ignored ...' and status 120)."""
    real = sys.stdout
    guarded = sys.stdout = _GuardedStdout(real) if real is not None else _ClosedStdout()
    try:
        try:
            code = _run_command(argv, prog)
        except SystemExit:  # argparse: --help printed, or a usage error
            guarded.flush()
            raise
        guarded.flush()
        return code
    except StdoutFailed as exc:
        return _stdout_failed(exc.error, real)
    finally:
        if sys.stdout is guarded:
            sys.stdout = real


def _run_command(argv: list[str], prog: str) -> int:
    parser = build_parser(next((a for a in argv if not a.startswith("-")), ""), prog)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        refuse_empty_arguments(parser, args)
        with _signals_as_interrupts(), _warnings_as_notes():
            try:
                return int(args._run(args) or 0)
            except Exception:
                # a Ctrl-C that a library turned into its own error (mediapipe's import, cut
                # short, raises "ImportError: initialization failed"): a traceback and status 1
                if INTERRUPTS.signal is None:
                    raise
                raise INTERRUPTS.signal from None
    except Cancelled:
        print("error: cancelled; no output was written", file=sys.stderr)
        return 130
    except Terminated as exc:
        print(f"error: stopped by {exc}; no output was written", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print("error: interrupted; no output was written", file=sys.stderr)
        return 130
    except MoeeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a path no door check classified: permission, a full disk, ...
        message = _os_error_line(exc, args)
        if message is None:
            raise
        progress_done()
        print(f"error: {message}", file=sys.stderr)
        return 1


# errors that only a write meets; any other on an output path (-o, --curves) is a write's too
_WRITE_ERRNOS = frozenset(getattr(errno, n) for n in ("ENOSPC", "EDQUOT", "EROFS", "EFBIG")
                          if hasattr(errno, n))
_OUTPUT_ARGS = ("out", "curves", "export", "run")


def _os_error_line(exc: OSError, args: argparse.Namespace) -> str | None:
    """`cannot read/write PATH: REASON` for an OSError that names its file (a PermissionError
    from Path.exists() in a folder without search permission, an ENOSPC, an EROFS); None for
    one without a file name, which is a bug to show with its traceback."""
    from pathlib import Path

    from core.validate import os_error_message

    path = exc.filename2 if exc.filename2 is not None else exc.filename
    if not isinstance(path, (str, bytes, os.PathLike)):
        return None
    try:
        where = Path(os.fsdecode(path)).absolute()
        outputs = [Path(os.fsdecode(v)).absolute() for v in
                   (getattr(args, a, None) for a in _OUTPUT_ARGS) if isinstance(v, (str, Path))]
    except (OSError, ValueError):
        where, outputs = None, []
    writing = (exc.filename2 is not None or exc.errno in _WRITE_ERRNOS
               or any(where == o or o in where.parents for o in outputs))
    return os_error_message("write" if writing else "read", path, exc)
