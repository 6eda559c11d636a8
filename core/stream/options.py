"""`--stream URL` and `--subject NAME` for `render` and `live`."""
from __future__ import annotations

import sys
import time

from core.errors import InputError
from core.stream.tuning import STREAM


def add_stream_arguments(parser) -> None:
    from core.validate import TextArg  # given empty (`--stream "$URL"`, URL unset): refused

    g = parser.add_argument_group("streaming")
    g.add_argument("--stream", metavar="URL", default=None, type=TextArg,
                   help="also send the face each frame over UDP: livelink://HOST:PORT (Unreal "
                        f"Live Link Face, default port {STREAM['livelink_port']}) or "
                        f"vmc://HOST:PORT (VMC protocol, default port {STREAM['vmc_port']})")
    g.add_argument("--subject", metavar="NAME", default=None, type=TextArg,
                   help=f"Live Link subject name (default {STREAM['subject']})")


# Engines whose frames carry no AUs (core.engine.Frame.aus left empty): the diffusion engine
# paints pixels, so its stream was 52 zero blendshapes and a still head under 'sending'.
NO_FACE_DATA = ("diffusion",)


def check_stream_args(args):
    """The StreamTarget for --stream, its host looked up (None when absent); InputError on a
    bad URL or host, on an engine with no face data to send, or on --subject without a stream
    (it was ignored without a word)."""
    subject = getattr(args, "subject", None)
    if not getattr(args, "stream", None):
        if subject is not None:
            raise InputError("--subject names the Live Link subject of a stream; give "
                             "--stream livelink://HOST:PORT too, or leave --subject out")
        return None
    engine = getattr(args, "engine", "rig")
    if engine in NO_FACE_DATA:
        raise InputError(f"--stream sends each frame's blendshapes, and the {engine} engine's "
                         "frames carry none (a still face would stream); render with --engine "
                         "rig, or leave --stream out")
    from core.stream.target import Lookup, parse_stream_url
    target = parse_stream_url(args.stream, STREAM["subject"] if subject is None else subject)
    # an unknown host is reported before any slow work, and looked up only here: on a thread,
    # so that a Ctrl-C ends a lookup that hangs (a DNS server that does not answer)
    lookup = Lookup(target)
    if not lookup.wait(STREAM["lookup_note_s"]):
        if not getattr(args, "quiet", False):
            print(f"--stream: looking up {target.host}...; Ctrl+C stops", file=sys.stderr)
        while not lookup.wait(0.1):  # short waits: the main thread sees a Ctrl-C between them
            pass
    resolved, why = lookup.answer()
    if resolved is None:  # in the CLI's words (the app's Stream menu has no flags)
        raise InputError(f"--stream: {why}")
    return resolved


def open_from_args(target, fps: int, take: bool, quiet: bool = False):
    if target is None:
        return None
    from core.stream.streamer import open_stream
    if not quiet:
        print(f"streaming to {target.url()} at {fps} fps", file=sys.stderr)
    return open_stream(target, fps, take=take)


def finish_take(stream, quiet: bool = False):
    """After a render or a live run: let the queued frames go at the frame rate, then close.
    The stream's last status (None without a stream)."""
    if stream is None:
        return None
    try:
        left = stream.pending_s()
        if left > 0.5 and not quiet:
            _drain_shown(stream, left + 2.0)
        else:
            stream.drain(left + 2.0)
        status = stream.status()
        if not quiet:
            print(f"stream: {status.line()}", file=sys.stderr)
        return status
    finally:
        stream.close()


def _drain_shown(stream, timeout: float) -> None:
    """Drain with a progress line of the seconds left: a take rendered faster than real time
    streams its tail at the frame rate (a 26 s take rendered in 6 s streamed 22 s more),
    and one line said how long at the start, then nothing until the end."""
    from core.cli import PROGRESS_EVERY_S, progress_bar, progress_done

    end = time.monotonic() + timeout
    try:
        while not stream.drain(min(PROGRESS_EVERY_S, max(0.0, end - time.monotonic()))):
            if time.monotonic() >= end:
                break
            progress_bar(f"streaming: {stream.pending_s():.1f} s of frames still to send; "
                         "Ctrl+C stops it")
    finally:
        progress_done()


def nothing_sent(status, target) -> str | None:
    """What to say when a stream asked for sent not one frame and every try failed (a
    broadcast address without permission, a network that is down): the run had ended 0, its
    only word the status line's error count. None when it sent, or never tried."""
    if status is None or status.sent or not status.errors:
        return None
    last = f" (last: {status.last_error})" if status.last_error else ""
    return (f"--stream: nothing reached {target.url()}: all {status.errors} sends "
            f"failed{last}")
