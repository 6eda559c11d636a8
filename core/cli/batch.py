"""`main.py batch manifest.csv`: render many takes, one per manifest row."""
from __future__ import annotations

import sys

from core.validate import PathArg

NAME = "batch"
HELP = "render many takes from a CSV manifest (process pool, or Ray with --ray)"
DESCRIPTION = HELP + """

Manifest columns (header row required): portrait, audio, out (required); mix, prompt, keys,
curves (optional). Relative paths are relative to the manifest. Every row renders like
`main.py render`; a row that fails is reported with its reason and the others go on. A row whose
output exists with a matching record of its inputs (<out>.moee-batch.json) is skipped, so an
interrupted batch resumes where it stopped. Exit code 1 when any row failed.

example manifest:
  portrait,audio,mix,prompt,keys,out,curves
  faces/ann.jpg,lines/001.wav,happy=0.8,,,out/001.mp4,out/001.csv
  faces/ann.jpg,lines/002.wav,,"bitter, holding back tears",,out/002.mp4,
"""


def add_arguments(parser) -> None:
    from core.face.framing import FRAMES

    parser.add_argument("manifest", type=PathArg, help="CSV file, one row per take")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="worker processes on this machine (default 1)")
    parser.add_argument("--ray", metavar="ADDRESS", default=None,
                        help="run the rows as Ray tasks on an existing cluster ('auto', "
                             "'ray://HOST:10001'); needs the [ray] extra and the files on a "
                             "shared path")
    parser.add_argument("--force", action="store_true", help="render rows that are already done")
    parser.add_argument("--fps", type=int, default=25, help="frames per second (default 25)")
    parser.add_argument("--size", type=int, default=512, metavar="PX",
                        help="longest side of each video (default 512)")
    parser.add_argument("--seed", type=int, default=0, help="seed for blinks and head motion")
    parser.add_argument("--frame", choices=FRAMES, default="picture",
                        help="what each video shows: the whole picture (default) or a square "
                             "around the face")
    from core.cli.render import EngineChoices  # render's own choice list: one place
    parser.add_argument("--engine", choices=EngineChoices(), default="rig",
                        help="rig (default) or diffusion")


def run(args) -> int:
    from core import validate
    from core.batch.manifest import read_manifest
    from core.batch.runner import BatchOptions, run_batch

    # the take settings every row shares are checked once, at the door, not once per row
    validate.fps(args.fps)
    validate.size(args.size)
    validate.seed(args.seed)
    validate.integer(args.jobs, "--jobs", 1)
    rows = read_manifest(args.manifest)
    settings = {"fps": args.fps, "size": args.size, "seed": args.seed, "engine": args.engine}
    if args.frame != "picture":  # so rows done before --frame existed still count as done
        settings["frame"] = args.frame
    options = BatchOptions(jobs=args.jobs, ray=args.ray, force=args.force, settings=settings)
    # the worker processes are told when they start (core/batch/runner.py): as many as the rows
    # left to render once the rows that fail their checks or are done are known, maybe none
    where = f" on Ray cluster {args.ray}" if args.ray else ""
    print(f"batch: {len(rows)} rows from {args.manifest}{where}", file=sys.stderr)
    try:
        report = run_batch(rows, options)
    except KeyboardInterrupt as exc:
        return _stopped(exc, rows, settings)
    print(report.summary())
    return 1 if report.failed else 0


def _stopped(exc: KeyboardInterrupt, rows, settings: dict) -> int:
    """Ctrl-C or a kill: say how many rows are done and kept (what a rerun skips), not that
    nothing was written."""
    from core.batch.record import identity, is_done
    from core.cli import interrupted

    hashes: dict = {}
    rest = "run the same command again to render the rest"
    try:
        done = sum(1 for row in rows if not row.problem
                   and is_done(row.cells, identity(row.cells, settings, hashes)))
    except KeyboardInterrupt:
        # stopped again while the inputs are read again to count (a big file takes a while):
        # this said 'no output was written' over the rows already kept
        return interrupted(exc, f"the rows finished before the stop are kept (not counted: "
                                f"stopped again while checking them); {rest}")
    return interrupted(exc, f"{done} of {len(rows)} rows are done and kept; {rest}")
