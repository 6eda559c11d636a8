"""`main.py prepare`: crop, align and mask a folder of talking-head clips for training."""
from __future__ import annotations

from core.validate import PathArg

NAME = "prepare"
HELP = "prepare talking-head clips (mp4 + metadata CSV/JSON) for training"
DESCRIPTION = HELP + """

Metadata columns: file (mp4 with audio, relative to the metadata file), emotion (happy, sad,
angry, disgusted, fearful, surprised, neutral or a compound preset such as "happily surprised"),
aus (optional, e.g. "4:0.8;10:0.6"), text (optional), split (train or test), person (optional
person ID: clips of one person lend each other reference frames); no others.
Per-frame AU intensities are measured from the landmarks and stored with each clip; clips whose
AUs do not match their label (--min-consistency) are filtered. Bad clips (no face, no audio,
too short, inconsistent) are skipped and listed in OUT/manifest.json.
Many machines: `--shard i/n` on machine i (0 <= i < n) into the same OUT (or folders merged
later); each writes OUT/manifest.shard-i-of-n.json and training reads them all."""


def add_arguments(parser) -> None:
    from core.training.prepare import PrepareConfig

    d = PrepareConfig()
    parser.add_argument("metadata", type=PathArg, help="metadata .csv or .json next to the clips")
    parser.add_argument("-o", "--out", required=True, type=PathArg, help="cache folder to write")
    parser.add_argument("--size", type=int, default=d.size, help=f"crop side in pixels ({d.size})")
    parser.add_argument("--min-frames", type=int, default=d.min_frames,
                        help=f"skip clips shorter than this ({d.min_frames})")
    parser.add_argument("--min-consistency", type=float, default=d.min_emotion_consistency,
                        help="filter clips whose AU profile matches their label less than this "
                             f"(cosine, 0 keeps all; {d.min_emotion_consistency})")
    parser.add_argument("--shard", default=None, metavar="I/N",
                        help="prepare only shard I of N (every N-th clip from the I-th)")


def run(args) -> int:
    from core import validate
    from core.cli import progress_bar, progress_done
    from core.validate import counted
    from core.training.metadata import read_metadata
    from core.training.prepare import PrepareConfig, prepare_dataset

    def progress(done: int, total: int, msg: str) -> None:
        progress_bar(f"[{done}/{total}] {msg[:60]:<60}")

    from core.training.shards import parse_shard

    shard = parse_shard(args.shard) if args.shard else None
    cfg = PrepareConfig(size=validate.integer(args.size, "--size", *validate.CROP_RANGE),
                        min_frames=validate.integer(args.min_frames, "--min-frames", 1),
                        min_emotion_consistency=validate.unit(args.min_consistency,
                                                              "--min-consistency"))
    read_metadata(args.metadata)  # a bad metadata file is refused before --out is touched
    validate.output_folder(args.out, "--out")
    try:
        report = prepare_dataset(args.metadata, args.out, cfg, progress=progress, shard=shard)
    except KeyboardInterrupt as exc:
        return _interrupted(exc, args.out)
    progress_done()
    print(f"kept {counted(len(report.kept), 'clip')}, skipped {len(report.skipped)} "
          f"(see {report.out_dir / report.manifest})")
    for row in report.skipped:
        print(f"  skipped {row['file']}: {row['reason']}")
    return 0 if report.kept else 1


def _interrupted(exc: KeyboardInterrupt, out: str) -> int:
    from core.cli import interrupted
    from core.errors import MoeeError
    from core.training.prepare import kept_clips, read_manifest

    try:
        kept = len(read_manifest(out)["kept"])
    except MoeeError:  # no manifest yet: nothing was kept
        kept = 0
    if not kept:
        return interrupted(exc, "no clip was finished, so nothing was kept")
    return interrupted(exc, kept_clips(kept, " already finished", out))
