"""`main.py demo`: render the sample portrait speaking the sample voice, no files needed."""
from __future__ import annotations

from pathlib import Path

from core.paths import output_dir, resource
from core.validate import PathArg, TextArg

NAME = "demo"
HELP = "render a demo take of the sample portrait and voice (what ./dev app does with no display)"
SAMPLE_VOICE = resource("samples", "sample_voice.wav")
DEFAULT_OUT = str(output_dir() / "demo.mp4")


def add_arguments(parser) -> None:
    parser.add_argument("-o", "--out", default=DEFAULT_OUT, type=PathArg,
                        help="where to write the video (default: out/demo.mp4)")
    parser.add_argument("--mix", default="happy=0.6,surprised=0.4", type=TextArg,
                        help="emotion mix, e.g. 'sad=1' or 'sadly surprised' "
                             "(default: happily surprised)")
    parser.add_argument("--size", type=int, default=512, help="longest side in pixels")


def run(args) -> int:
    from core.audio.io import load_audio
    from core.cli import INTERRUPTS, interrupted
    from core.cli.render import ProgressLine, _identity, kept_line, landed, show_setup
    from core.engine import RenderJob
    from core.engines import create_engine
    from core.mix import EmotionMix, parse_mix
    from core.samples import sample_portrait
    from core.video.export import export_video

    from core import validate
    from core.video.export import check_output_path

    validate.size(args.size)
    mix = EmotionMix.from_dict(parse_mix(validate.text(args.mix, "--mix")))
    if args.out == DEFAULT_OUT:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)  # only our own out/ folder
    out = check_output_path(args.out)
    engine = create_engine("rig")
    job = RenderJob(portrait=engine.prepare(sample_portrait()), audio=load_audio(SAMPLE_VOICE),
                    mix=mix, size=args.size)

    progress = ProgressLine(enabled=True)  # render's line: redrawn a few times a second
    show_setup(job, progress)  # demo --size 4096: render's line while the portrait is built
    before = _identity(out)
    try:
        # render's Ctrl-C and kill: checked every frame (the exception alone can be lost in a
        # finalizer), and one that lands once the video is in place keeps it and says so
        result = export_video(engine, job, out, progress=progress, cancel=INTERRUPTS)
    except KeyboardInterrupt as exc:
        if not landed(exc, out, before):
            raise
        return interrupted(exc, kept_line(out))
    finally:
        progress.finish()
    print(result.path)
    return 0
