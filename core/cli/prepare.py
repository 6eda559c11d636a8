"""`main.py prepare`: crop, align and mask a folder of talking-head clips for training."""
from __future__ import annotations

import sys

NAME = "prepare"
HELP = "prepare talking-head clips (mp4 + metadata CSV/JSON) for training"
DESCRIPTION = HELP + """

Metadata columns: file (mp4 with audio, relative to the metadata file), emotion (happy, sad,
angry, disgusted, fearful, surprised, neutral or a compound preset such as "happily surprised"),
aus (optional, e.g. "4:0.8;10:0.6"), text (optional), split (train or test).
Bad clips (no face, no audio, too short) are skipped and listed in OUT/manifest.json."""


def add_arguments(parser) -> None:
    from core.training.prepare import PrepareConfig

    d = PrepareConfig()
    parser.add_argument("metadata", help="metadata .csv or .json next to the clips")
    parser.add_argument("--out", required=True, help="cache folder to write")
    parser.add_argument("--size", type=int, default=d.size, help=f"crop side in pixels ({d.size})")
    parser.add_argument("--min-frames", type=int, default=d.min_frames,
                        help=f"skip clips shorter than this ({d.min_frames})")


def run(args) -> int:
    from core import validate
    from core.training.metadata import read_metadata
    from core.training.prepare import PrepareConfig, prepare_dataset

    def progress(done: int, total: int, msg: str) -> None:
        print(f"\r[{done}/{total}] {msg[:60]:<60}", end="", file=sys.stderr, flush=True)

    cfg = PrepareConfig(size=validate.integer(args.size, "--size", *validate.CROP_RANGE),
                        min_frames=validate.integer(args.min_frames, "--min-frames", 1))
    read_metadata(args.metadata)  # a bad metadata file is refused before --out is touched
    validate.output_folder(args.out, "--out")
    try:
        report = prepare_dataset(args.metadata, args.out, cfg, progress=progress)
    except KeyboardInterrupt as exc:
        return _interrupted(exc, args.out)
    print(file=sys.stderr)
    print(f"kept {len(report.kept)} clips, skipped {len(report.skipped)} "
          f"(see {report.out_dir / 'manifest.json'})")
    for row in report.skipped:
        print(f"  skipped {row['file']}: {row['reason']}")
    return 0 if report.kept else 1


def _interrupted(exc: KeyboardInterrupt, out: str) -> int:
    from core.cli import interrupted
    from core.errors import MoeeError
    from core.training.prepare import read_manifest

    try:
        kept = len(read_manifest(out)["kept"])
    except MoeeError:  # no manifest yet: nothing was kept
        kept = 0
    if not kept:
        return interrupted(exc, "no clip was finished, so nothing was kept")
    return interrupted(exc, f"{kept} finished clips are kept in {out} (a rerun reuses them)")
