"""`main.py live`: microphone in, a talking portrait out, in real time (demo-booth mode).

Headless by default here (core/ has no Qt): it runs the live loop and prints latency stats.
`--window` opens the viewer the GUI registered in core.live.window (core never imports app/).
"""
from __future__ import annotations

import sys

from core.live.tuning import LIVE
from core.validate import PathArg, TextArg

NAME = "live"
HELP = "live demo booth: microphone (or --input FILE) in, real-time lip sync and emotion"
DESCRIPTION = HELP + """

Emotion: --emotion NAME (or a mix 'happy=0.6,sad=0.4'), --auto to follow the voice's emotion.
In the window, keys 1-6 solo an expert (happy, sad, angry, disgusted, fearful, surprised),
0 is neutral, A toggles emotion from the voice, Esc quits.
"""


def add_arguments(parser) -> None:
    from core.face.framing import FRAMES

    parser.add_argument("--portrait", type=PathArg,
                        help="portrait image (default: the sample portrait)")
    parser.add_argument("--frame", choices=FRAMES, default="picture",
                        help="what the window shows: the whole picture (default) or a square "
                             "around the face")
    parser.add_argument("--input", metavar="FILE", type=PathArg,
                        help="play this audio file at real-time pace instead of the microphone")
    parser.add_argument("--seconds", type=float, default=None,
                        help="stop after this many seconds of audio (default: until the file "
                             "ends, or Ctrl+C)")
    parser.add_argument("--emotion", default="neutral", type=TextArg,
                        help="starting emotion: a name (happy, 'sadly angry') or a mix")
    parser.add_argument("--auto", action="store_true", help="emotion from the voice")
    parser.add_argument("--fps", type=int, default=LIVE["fps"])
    parser.add_argument("--size", type=int, default=LIVE["size"], help="longest side in pixels")
    parser.add_argument("--loop", action="store_true", help="repeat --input (soak runs)")
    parser.add_argument("--window", action="store_true",
                        help="show the portrait in a window (needs the GUI and a display)")
    parser.add_argument("--fullscreen", action="store_true", help="with --window: full screen")
    parser.add_argument("--headless", action="store_true",
                        help="no window, print statistics only (the default)")
    from core.stream.options import add_stream_arguments
    add_stream_arguments(parser)


def run(args) -> int:
    from core.errors import InputError

    from core import validate

    if args.seconds is not None and validate.number(args.seconds, "--seconds") <= 0:
        raise InputError(f"--seconds must be > 0, got {args.seconds}")
    if not 5 <= args.fps <= 60:
        raise InputError(f"--fps must be between 5 and 60 for live mode, got {args.fps}")
    if not 64 <= args.size <= 2048:
        raise InputError(f"--size must be between 64 and 2048 pixels, got {args.size}")
    from core.stream.options import check_stream_args, finish_take, nothing_sent, open_from_args

    if args.headless and (args.window or args.fullscreen):
        flag = "--window" if args.window else "--fullscreen"
        raise InputError(f"--headless and {flag} contradict each other; give one of them")
    stream_target = check_stream_args(args)
    windowed = args.window or args.fullscreen
    if windowed:
        from core.live.window import check_window
        check_window()
    session = build_session(args)
    stream = open_from_args(stream_target, args.fps, take=False)
    if stream is not None:
        session.taps.append(stream.push)
    try:
        code = _run(session, args, windowed)
    finally:
        status = finish_take(stream)  # the last few frames still queued go out, then it closes
    failed = nothing_sent(status, stream_target)
    if failed and code == 0:
        print(f"error: {failed}", file=sys.stderr)
        return 1
    return code


def _run(session, args, windowed: bool) -> int:
    if windowed:
        return _window(session, args)
    print(f"live: {'file ' + args.input if args.input else 'microphone'} -> {args.size} px at "
          f"{args.fps} fps; Ctrl+C to stop", file=sys.stderr)
    from core import cli

    stopped = None
    try:
        stats = session.run(args.seconds, cancel=cli.INTERRUPTS)
    except KeyboardInterrupt as exc:  # Ctrl+C is how a live run ends: its stats, status 0
        stats, stopped = session.stats, exc
    print(stats.report())
    # killed (SIGTERM, a closed terminal) is not stopped by hand: a supervisor reads 128 + N
    return 128 + stopped.signum if isinstance(stopped, cli.Terminated) else 0


def build_session(args):
    from core.engines import create_engine
    from core.live.emotion_controls import LivePalette
    from core.live.session import LiveSession

    palette = LivePalette(_mix(args.emotion), auto=args.auto)
    source = _source(args)  # first: a missing microphone is reported before the slow parts
    engine = create_engine("rig")
    from core.cli import note
    from core.face.framing import portrait_notes

    portrait = engine.prepare(_portrait(args.portrait, args.frame))
    for text in portrait_notes(portrait, args.size, "run with --frame face or a larger --size"):
        note(text)
    return LiveSession(engine, portrait, source, fps=args.fps, size=args.size, palette=palette)


def _source(args):
    from core.live.sources import FileSource, MicrophoneSource

    if args.input:
        from core.audio.io import load_audio
        from core.cli import note

        track = load_audio(args.input, LIVE["sample_rate"])
        for text in track.notes:  # a WAV cut short played its first 0.07 s without a word
            note(text)
        return FileSource(track, loop=args.loop)
    source = MicrophoneSource()
    source.start()  # fail now, with one clear line, if there is no microphone
    source.stop()
    return source


def _portrait(path, frame: str):
    if path:
        from core.face.portrait_file import read_portrait
        return read_portrait(path, frame, "run with --frame face, which crops the picture to "
                                          "the face")
    from core.face.framing import frame_picture
    from core.samples import sample_portrait
    return frame_picture(sample_portrait(), frame)


def _mix(text: str):
    from core.mix import EmotionMix, parse_mix

    if "=" in text:
        return EmotionMix.from_dict(parse_mix(text, "--emotion"))
    return EmotionMix.from_preset(text)


def _window(session, args) -> int:
    from core.live.window import open_window

    return open_window(session, fullscreen=args.fullscreen, seconds=args.seconds)
