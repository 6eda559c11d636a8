"""`main.py render`: portrait + speech + emotion mix -> a video file, headless.

The steps are small functions (build_mix, build_job, ...) so new condition flags (prompt,
label, keyframes, audio emotion) plug into one place each.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

from core.cli import PROGRESS_EVERY_S  # how often the progress line is redrawn
from core.emotions import EMOTIONS
from core.validate import (
    MAX_INTENSITY,  # one ceiling for the palette, mix and render
    PathArg,
    TextArg,
    counted,
    seconds_beside,
    show_number,
)

NAME = "render"
HELP = "render a talking video from a portrait and speech with an emotion mix"
DESCRIPTION = ("Render a talking-head video: the portrait speaks the audio with the emotion\n"
               "you mix from six experts (" + ", ".join(EMOTIONS) + ")\n"
               "and Action Unit overrides. The file appears only when the render is complete.")
EPILOG = """examples:
  main.py render --portrait me.jpg --audio hello.wav --out hello.mp4
  main.py render --portrait me.jpg --audio hello.wav --out sad.mp4 --mix sad=0.8,angry=0.2
  main.py render --portrait me.jpg --audio hello.wav --out smile.mp4 --mix happy=1 --au 12=1,6=0
  main.py render --portrait me.jpg --audio talk.wav --out a.mp4 --start 10 --duration 3 --size 256
  main.py render --portrait me.jpg --out idle.mp4 --duration 4 --mix surprised=1   (silent clip)
  main.py render --portrait me.jpg --audio hello.wav --out a.mp4 --mix sad=1 --head=-5,3,0 --gaze 0,8
"""
# the rig's set-up at a size (eyes, shading: core/rig/portrait.py at_size), before the first
# frame, grows faster than the pixels (2 cores: 1.3 s at 1600x1600, 2.7 s at 2048x2048, 23 s at
# 4096x4096): said on the progress line from about 2 s
SLOW_SETUP_PIXELS = 4_000_000
UPSCALE_NOTE = 2.0  # a picture enlarged more than this many times is said to come out soft


class EngineChoices:
    """core.engines.engine_names(), looked up only when argparse needs it."""

    def _names(self) -> list[str]:
        from core.engines import engine_names
        return engine_names()

    def __contains__(self, name) -> bool:
        return name in self._names()

    def __iter__(self):
        return iter(self._names())


def add_arguments(parser) -> None:
    from core.face.framing import FRAMES

    parser.epilog = EPILOG
    io = parser.add_argument_group("input and output")
    io.add_argument("--portrait", required=True, metavar="IMAGE", type=PathArg,
                    help="the picture to animate: one face, any common image format")
    io.add_argument("--audio", metavar="FILE", type=PathArg,
                    help="the speech to lip-sync (wav, mp3, m4a, ...); required unless "
                         "--duration is given, which makes a silent clip")
    io.add_argument("-o", "--out", required=True, metavar="VIDEO", type=PathArg,
                    help="where to write the video (.mp4, .mov or .mkv); it appears only when "
                         "complete")
    emo = parser.add_argument_group("emotion")
    emo.add_argument("--mix", type=TextArg, metavar="NAME=W,...",
                     help="expert weights >= 0, names from: " + ", ".join(EMOTIONS)
                          + "; e.g. 'happy=0.7,surprised=0.3', or a preset name such as "
                          "'sadly surprised' (none: neutral)")
    emo.add_argument("--au", type=TextArg, metavar="N=I,...",
                     help="force Action Unit N to intensity I in [0, 1], e.g. '12=1,15=0' "
                          "(0 mutes an AU the mix would produce)")
    emo.add_argument("--mode", choices=("free", "normalized"), default="free",
                     help="free: each weight is its expert's intensity; normalized: weights are "
                          "divided by their sum (default: free)")
    emo.add_argument("--intensity", type=float, default=1.0, metavar="X",
                     help=f"master intensity of the mix, 0 to {MAX_INTENSITY:g} (default 1)")
    emo.add_argument("--neutralize", action=argparse.BooleanOptionalAction, default=None,
                     help="take the portrait's own expression (e.g. the smile in the photo) away "
                          "before the emotion is added (default: on when an emotion is mixed; "
                          "see `main.py analyze`)")
    emo.add_argument("--prompt", type=TextArg, metavar="TEXT",
                     help="describe the emotion in words, e.g. 'bitter, holding back tears'; "
                          "--mix, when given, overrides the gates it suggests")
    emo.add_argument("--label", type=TextArg, metavar="NAME",
                     help="an emotion label: a basic emotion, neutral, or a compound preset "
                          "such as 'angrily disgusted'")
    emo.add_argument("--emotion-from-audio", action="store_true",
                     help="read the emotion from the speech itself (prosody; or a local "
                          "checkpoint in models/audio_emotion/)")
    emo.add_argument("--head", type=TextArg, metavar="YAW,PITCH,ROLL",
                     help="head offsets in degrees, added to the speech-driven motion and the "
                          "emotion's posture: yaw > 0 turns the face to the subject's right, "
                          "pitch > 0 lowers the chin, roll > 0 tilts toward the subject's left "
                          "shoulder (within +-15, +-12, +-12; write --head=-5,0,0 for a "
                          "leading minus)")
    emo.add_argument("--gaze", type=TextArg, metavar="X,Y",
                     help="gaze offset in degrees: x > 0 toward the subject's left, y > 0 down "
                          "(within +-30, +-20)")
    from core.curves import add_curve_arguments
    from core.keyframes import add_keys_arguments

    add_keys_arguments(emo)
    add_curve_arguments(parser.add_argument_group("animation curves"))
    from core.stream.options import add_stream_arguments
    add_stream_arguments(parser)
    out = parser.add_argument_group("rendering")
    out.add_argument("--fps", type=int, default=25, help="frames per second (default 25)")
    out.add_argument("--size", type=int, default=512, metavar="PX",
                     help="longest side of the video in pixels, even (an odd one is rounded "
                          "down; default 512)")
    out.add_argument("--frame", choices=FRAMES, default="picture",
                     help="what the video shows: the whole picture (default) or a square "
                          "around the face (for a face small in a wide photo; the diffusion "
                          "engine always frames the face)")
    out.add_argument("--start", type=float, default=0.0, metavar="SEC",
                     help="start this many seconds into the audio, for previews (default 0)")
    out.add_argument("--duration", type=float, default=None, metavar="SEC",
                     help="render only this many seconds (default: to the end of the audio)")
    out.add_argument("--seed", type=int, default=0,
                     help="seed for blinks, head motion and any sampling; same seed, same video")
    out.add_argument("--engine", choices=EngineChoices(), default="rig",
                     help="rig: real time on CPU (default); diffusion: the paper's network, "
                          "needs a GPU and checkpoints in models/")
    out.add_argument("--workers", type=_workers, default="auto", metavar="N",
                     help="rendering processes for a take of 10 s or more: 1, 2 or auto (2 when "
                          "the machine has 2 or more cores; the rig only; default auto)")
    out.add_argument("--quiet", action="store_true",
                     help="print only the output path (no progress line or summary)")


def _workers(text: str) -> int:
    """--workers: 'auto' -> 2 on a machine with 2 or more cores, else 1; or 1 or 2."""
    import argparse
    import os

    if text == "auto":
        return 2 if (os.cpu_count() or 1) >= 2 else 1
    if text in ("1", "2"):
        return int(text)
    raise argparse.ArgumentTypeError(f"must be 1, 2 or auto, got {text!r}")


# ----- building the job
def build_mix(args):
    """The EmotionMix the emotion flags describe (neutral when none are given)."""
    from dataclasses import replace

    from core.cli.mix import mix_from_args

    head, gaze = pose_args(args)
    return replace(mix_from_args(args), neutralize=getattr(args, "neutralize", None),
                   head=head, gaze=gaze)


def pose_args(args) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """--head and --gaze as validated degree tuples (zeros when not given)."""
    from core.body import check_pose, parse_angles

    head = parse_angles(args.head, 3, "--head") if getattr(args, "head", "") else (0.0,) * 3
    gaze = parse_angles(args.gaze, 2, "--gaze") if getattr(args, "gaze", "") else (0.0,) * 2
    return check_pose(head, gaze, "--")


def offset_keys(track, head, gaze):
    """--head/--gaze with --keys: the offsets add to every key's own head and gaze."""
    from dataclasses import replace

    from core.body import check_pose
    from core.keyframes import Key, KeyTrack

    if track is None or not (any(head) or any(gaze)):
        return track
    keys = []
    for k in track:
        h, g = check_pose([a + b for a, b in zip(k.mix.head, head)],
                          [a + b for a, b in zip(k.mix.gaze, gaze)],
                          f"--head/--gaze plus the key at {k.time:g} s: ")
        keys.append(Key(k.time, replace(k.mix, head=h, gaze=g), k.easing))
    return KeyTrack(keys, track.base, track.resolver)


def resolve_emotion(args, mix, audio):
    """Prompt / label / emotion-from-audio -> the gates the engine renders (Emotion-to-Latents);
    hand-set --mix weights win over the suggestion, as in the GUI."""
    if not (mix.prompt or mix.label or getattr(args, "emotion_from_audio", False)):
        return mix
    from core.emotions import EMOTIONS
    from core.latents.resolve import resolve_condition, resolved_mix

    cond = resolve_condition(mix, audio=audio, emotion_from_audio=args.emotion_from_audio)
    if cond.note:
        from core.cli import note

        note(cond.note)
    if not args.quiet:
        shown = ", ".join(f"{e} {g:.2f}" for e, g in zip(EMOTIONS, cond.gates) if g >= 0.01)
        print(f"emotion ({cond.source}): {shown or 'neutral'}", file=sys.stderr)
    if getattr(args, "engine", "rig") == "diffusion":
        # the engine feeds the condition's own latent to the experts (gates.py); the speech's
        # emotion reaches it through RenderJob.emotion_from_audio and the audio branch
        return mix
    return resolved_mix(mix, cond)


# the emotion flags a --keys take does not use (RenderJob.mix_at: the keys' mix, whole): each
# (flag, its dest, its default). --head/--gaze add to every key (offset_keys), and
# --emotion-from-audio still reaches the diffusion engine's audio branch.
UNUSED_WITH_KEYS = (("--mix", "mix", None), ("--au", "au", None), ("--prompt", "prompt", None),
                    ("--label", "label", None), ("--mode", "mode", "free"),
                    ("--intensity", "intensity", 1.0), ("--neutralize", "neutralize", None))


def check_keys_alone(args) -> None:
    """--keys with --mix (or --au, --prompt, ...): the keyframes set the emotion over the whole
    take, and the flag was dropped without a word (`--keys k.json --mix sad=1` rendered the
    keys' happy face)."""
    if not getattr(args, "keys", None):
        return
    unused = [flag if getattr(args, dest) is not False else "--no-" + flag[2:]
              for flag, dest, default in UNUSED_WITH_KEYS
              if getattr(args, dest, default) != default]
    if unused:
        from core.errors import InputError
        raise InputError(f"{', '.join(unused)} would not be used: --keys sets the emotion over "
                         "the whole take (each key has its own mix); put it in the keys, or "
                         "leave --keys out")


def check_not_inputs(args) -> None:
    """--out and --curves never replace a file the take is made from (`--audio take.mp4 --out
    take.mp4`, or `--keys take.json --curves take.json`)."""
    from core import validate

    inputs = [("--portrait", args.portrait), ("--audio", args.audio),
              ("--keys", getattr(args, "keys", None))]
    validate.not_an_input(args.out, inputs, "--out")
    if getattr(args, "curves", None):
        validate.not_an_input(args.curves, inputs, "--curves")


def load_audio_arg(args):
    """The AudioTrack for --audio, or None for a silent clip (which needs --duration)."""
    from core.errors import InputError

    if not args.audio:
        if args.duration is None:
            raise InputError("--audio is required, or give --duration to render a silent clip")
        return None
    from core.audio.io import load_audio
    return load_audio(args.audio)


def build_job(args, audio, mix, portrait=None):
    """The RenderJob the flags describe; validated here, before any slow work."""
    from core.engine import RenderJob

    job = RenderJob(portrait=portrait, audio=audio, mix=mix, fps=args.fps, size=args.size,
                    start=args.start, duration=args.duration, seed=args.seed,
                    emotion_from_audio=bool(getattr(args, "emotion_from_audio", False)))
    job.validate()
    return job


FRAME_FACE_REMEDY = "use --frame face, which crops the picture to the face"


def load_portrait(args):
    """--portrait as RGB uint8 (InputError on a missing or damaged file); the engine analyses it
    later, so a bad file is reported before any engine loads. --frame face crops it to the face
    (NoFaceError when it has none), in the file's own pixels; a face too small to animate in
    the whole picture is an error that says --frame face (core/face/portrait_file.py)."""
    from core.face.portrait_file import animation_note, read_portrait

    from core.cli import note, notes_are_kept

    animated = None if args.quiet and not notes_are_kept() else animation_note(args.portrait)
    if animated:
        note(animated)
    return read_portrait(args.portrait, args.frame, FRAME_FACE_REMEDY)


# ----- running it
class ProgressLine:
    """The command's progress line (core.cli.progress_bar), redrawn in place: frames done,
    render speed, time left. Ended by core.cli.progress_done, so an error or Ctrl-C line that
    ended it already is not followed by a blank line (a Ctrl-C just after the video was moved
    into place printed its error line, then this line's own line break)."""

    def __init__(self, enabled: bool):
        from core.pace import Pace

        self.enabled = enabled
        self.pace = Pace()  # the speed of the frames alone (core/pace.py)
        self.last = -math.inf

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        self.pace.note(done, now)
        if not self.enabled or (now - self.last < PROGRESS_EVERY_S and done < total):
            return
        from core.cli import progress_bar

        self.last = now
        # the diffusion engine off a GPU takes a minute a frame: that read "0.0 fps  ETA 85:20"
        told = self.pace.told(done, total, now)
        if told is None:
            progress_bar(f"rendering {done}/{total} frames ")
            return
        progress_bar(f"rendering {done}/{total} frames  {told[0]}  ETA {told[1]} ")

    def finish(self) -> None:
        from core.cli import progress_done

        progress_done()


def _rig_picture(job):
    """The picture the rig scales to --size (built at each size: at_size), or None (the
    diffusion engine crops the face at its own resolution)."""
    image = getattr(job.portrait, "image", None)
    return image if getattr(job.portrait, "at_size", None) is not None else None


def upscale_notes(job, frame: str) -> list[str]:
    """A picture (or --frame face's crop) enlarged over UPSCALE_NOTE times to --size: the video
    shows its pixels blown up, which no flag sharpens."""
    image = _rig_picture(job)
    if image is None:
        return []
    longest = max(image.shape[:2])
    factor = job.size / longest
    if factor <= UPSCALE_NOTE:
        return []
    what = "the face crop" if frame == "face" else "the picture"
    return [f"{what} is {longest} px; enlarged {factor:.1f}x to {job.size}: expect a soft video"]


def show_setup(job, progress) -> None:
    """On the progress line (when `progress` is the command's own, shown), while the rig builds
    the portrait's state at a large size: a 4096 px take was silent for 27 s before its first
    frame. The first 'rendering' line draws over it."""
    image = _rig_picture(job)
    if image is None or not (isinstance(progress, ProgressLine) and progress.enabled):
        return
    from core.rig.portrait import output_shape

    h, w = output_shape(*image.shape[:2], job.size)
    if h * w >= SLOW_SETUP_PIXELS:
        from core.cli import progress_bar
        progress_bar(f"preparing the portrait at {job.size} px (the first frame waits for it) ")


def summary(result, engine_name: str) -> str:
    speed = result.seconds / result.elapsed if result.elapsed > 0 else math.inf
    return (f"{counted(result.frames, 'frame')}, {result.seconds:.2f} s at "
            f"{result.fps:g} fps, {result.width}x{result.height}, {engine_name} engine; "
            f"rendered in {result.elapsed:.1f} s ({speed:.2f}x real time)")


def _identity(path) -> tuple | None:
    """What is at `path` now (inode, size, mtime), or None: tells a file this run put there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def landed(exc: BaseException, out, before: tuple | None) -> bool:
    """Whether `exc` is a Ctrl-C (or a kill) that came after the finished video was moved into
    place at `out` (`before`: what was there, from _identity): the take is whole and kept."""
    return isinstance(exc, KeyboardInterrupt) and _identity(out) not in (None, before)


def kept_line(out) -> str:
    return f"the take was written: {out} was already complete and is kept"


def _commit_curves(curves, video) -> None:
    """Move the finished curves into place, right after the video. Should that rename fail,
    the message says the video was written, so no one takes the old curves for this take's."""
    from core.errors import ExportError

    try:
        curves.commit()
    except ExportError as e:
        raise ExportError(f"{e}; the video was written ({video}), the curves were not") from None


def take_notes(job) -> list[str]:
    """What the take will be that the flags did not say: an audio file cut short (its header
    announces more than it holds), a --duration past the audio's end renders up to the end
    (the summary's seconds are right; this says why they are fewer), and a --duration that is
    not a whole number of frames is rounded to the nearest, at least one: --duration 0.01 gave
    '1 frames, 0.04 s' without a word why."""
    notes = list(getattr(job.audio, "notes", None) or [])
    if job.duration is None:
        return notes
    total, fps, asked = job.audio_duration(), job.fps, show_number(job.duration)
    frames = job.frame_count()
    start, end = job.time_range()
    wanted = (end - start) * fps  # frames the seconds hold, up to the end of the audio
    rounded = "" if abs(frames - wanted) < 1e-6 else _frames_note(frames, fps, end - start)
    if total is not None and job.start + job.duration > total + 1e-6:
        there = seconds_beside(job.duration, total - job.start, frames / fps)
        return notes + [f"--duration {asked} s runs past the end of the audio: rendering the "
                        f"{there} s there are" + (f": {rounded}" if rounded else "")]
    if not rounded:
        return notes
    if wanted < 1:
        return notes + [f"--duration {asked} s is less than a frame at {fps:g} fps: a take is "
                        f"at least one frame, {rounded}"]
    return notes + [f"--duration {asked} s is {wanted:g} frames at {fps:g} fps: {rounded}"]


def _frames_note(frames: int, fps: float, seconds: float) -> str:
    """'rounded up to 1 frame (0.04 s)': the rendered length, as the summary's seconds."""
    way = "up" if frames > seconds * fps else "down"
    return (f"rounded {way} to {frames} frame{'' if frames == 1 else 's'} "
            f"({seconds_beside(seconds, frames / fps)} s)")


def run(args, progress=None) -> int:
    """`progress`: a callable (done, total) with a finish() (batch rows report through it);
    default: the stderr progress line."""
    from core.engines import create_engine
    from core.stream.options import check_stream_args
    from core.video.export import check_output_path, export_video

    check_keys_alone(args)
    mix = build_mix(args)
    out = check_output_path(args.out)
    if args.curves is not None:  # before the audio and the face analysis, as --out is
        from core.curves import check_curves_path
        check_curves_path(args.curves)
    check_not_inputs(args)
    stream_target = check_stream_args(args)
    audio = load_audio_arg(args)
    if args.emotion_from_audio and audio is None:
        from core.errors import InputError
        raise InputError("--emotion-from-audio needs --audio")
    job = build_job(args, audio, resolve_emotion(args, mix, audio))
    from core.cli import note, notes_are_kept
    for text in [] if args.quiet and not notes_are_kept() else take_notes(job):
        note(text)
    from core.keyframes import keys_from_args
    job.keys = offset_keys(keys_from_args(args), mix.head, mix.gaze)
    image = load_portrait(args)
    engine = create_engine(args.engine)
    from core.video.parallel import Helper
    # the second rendering process starts now, loading its modules during the face analysis
    helper = Helper.early(engine, job, args.workers)
    try:
        job.portrait = engine.prepare(image)  # face analysis: NoFaceError etc.
        from core.face.framing import portrait_notes
        remedy = ("render with a larger --size" if args.frame == "face" else  # already on
                  "render with --frame face (a square around the face) or a larger --size")
        notes = portrait_notes(job.portrait, job.size, remedy)
        # a batch row renders --quiet, its notes kept for its own line: a small, turned or
        # enlarged face was never said in a batch's log
        quiet = args.quiet and not notes_are_kept()
        notes += [] if quiet else [n for n in [engine.speed_note(job)] if n]
        notes += upscale_notes(job, args.frame)
        for text in notes if not quiet else []:
            note(text)
        progress = progress or ProgressLine(enabled=not args.quiet)
        from core.curves import curves_sink
        from core.stream.options import finish_take, open_from_args
        stream = open_from_args(stream_target, job.fps, take=True, quiet=args.quiet)
        curves = curves_sink(args.curves, job.fps)
    except BaseException:
        if helper is not None:
            helper.close()
        raise
    sinks = [sink for sink in (curves and curves.write, stream and stream.push) if sink]
    show_setup(job, progress)
    before = _identity(out)
    try:
        from core.cli import INTERRUPTS
        # the curves are finished (written whole, synced) before the video replaces the old
        # one: a full disk there leaves the previous video and curves as they were
        result = export_video(engine, job, out, progress=progress, cancel=INTERRUPTS,
                              on_frame=(lambda fr: [f(fr) for f in sinks]) if sinks else None,
                              workers=args.workers, helper=helper,
                              before_commit=curves.finish if curves else None)
    except BaseException as exc:
        done = landed(exc, out, before)
        if stream:
            stream.close()
        if done:
            # the Ctrl-C came after the finished video was moved into place: every frame had
            # reached the sinks by then, so the curves are whole too (they were dropped, and a
            # kill a few ms after the video landed lost them)
            from core.cli import interrupted
            kept = kept_line(out) + (f", and so is {curves.close()}" if curves else "")
            return interrupted(exc, kept + ("; streaming stopped" if stream else ""))
        if curves:
            curves.abort()
        raise
    finally:
        progress.finish()
    if curves:  # finished before the video went into place: only the rename is left
        _commit_curves(curves, result.path)
        if not args.quiet:
            print(f"curves: {curves.path}", file=sys.stderr)
    try:
        status = finish_take(stream, args.quiet)
    except KeyboardInterrupt as exc:  # the files are written; only the stream's tail is cut
        from core.cli import interrupted
        kept = f"{result.path}" + (f" and {curves.path}" if curves else "")
        return interrupted(exc, f"the take was written ({kept}); streaming stopped")
    if not args.quiet:
        print(summary(result, engine.name), file=sys.stderr)
    print(result.path)
    from core.stream.options import nothing_sent
    failed = nothing_sent(status, stream_target)
    if failed:  # the take is written and said; the stream asked for is not
        print(f"error: {failed}; the take was written ({result.path})", file=sys.stderr)
        return 1
    return 0
