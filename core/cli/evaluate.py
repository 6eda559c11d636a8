"""`main.py evaluate`: AKD, emotion accuracy (AU proxy) and lip-sync of generated videos."""
from __future__ import annotations

import json

from core.validate import PathArg

NAME = "evaluate"
HELP = "score generated talking-head videos against their ground truth (JSON summary)"
DESCRIPTION = HELP + """

Videos are paired by file name. Emotion accuracy needs labels: --metadata (the clip list used
by `main.py prepare`) gives each stem its emotion. A pair is scored frame by frame only when both
videos have the same frame rate, lengths within one frame and the same framing (aspect ratio);
any other pair is listed with status fps_mismatch, length_mismatch or framing_mismatch (and a
file cut off or damaged as unreadable), with the reason, and left out of the averages. A
generated video with no same-named ground truth is named in a note and under "unmatched"."""


def add_arguments(parser) -> None:
    parser.add_argument("generated", type=PathArg, help="folder of generated videos")
    parser.add_argument("reference", type=PathArg,
                        help="folder of ground-truth videos with the same names")
    parser.add_argument("--metadata", type=PathArg, help="metadata .csv/.json for emotion labels")
    parser.add_argument("-o", "--out", type=PathArg, help="also write the JSON summary to this file")


def run(args) -> int:
    from core import atomic, validate
    from core.cli import note, progress_bar, progress_done
    from core.errors import InputError
    from core.training.metrics import evaluate_folders
    from core.training.metadata import read_metadata

    gen = validate.input_folder(args.generated, "the generated-videos folder")
    ref = validate.input_folder(args.reference, "the ground-truth folder")
    if gen.resolve() == ref.resolve():  # each video against itself: perfect, meaningless scores
        raise InputError(f"the generated and ground-truth folders are the same folder ({gen}); "
                         "give the ground truth's own folder")
    if args.out is not None:
        validate.output_file(args.out, "--out", (".json",))  # the summary is JSON
        validate.not_an_input(args.out, _inputs(args), "--out")
    labels = _labels(args.metadata, read_metadata(args.metadata)) if args.metadata else None

    def progress(done: int, total: int, name: str) -> None:
        progress_bar(f"[{done + 1}/{total}] {name[:60]:<60}")

    summary = evaluate_folders(args.generated, args.reference, labels, progress)
    progress_done()
    for name in summary["unmatched"]:  # a typo in one name would otherwise drop that clip unseen
        note(f"{name} has no same-named ground truth in {ref}; left out of the scores")
    text = json.dumps(summary, indent=2, allow_nan=False)  # NaN is not JSON: absent is None
    try:  # the file before stdout, whose reader may have gone (`| head`) with it unwritten
        if args.out:
            atomic.write_text(args.out, text + "\n")
    finally:  # and a file that cannot be written (a full disk) still leaves the scores shown
        print(text)
    return 0


def _labels(metadata, clips) -> dict[str, str]:
    """Each clip name's emotion from the metadata. Videos pair by name alone, so one name
    labelled twice with different emotions (a row repeated and edited, or sub/a.mp4 and
    other/a.mp4) is refused: the last row won unsaid and flipped the accuracy."""
    from pathlib import Path

    from core.errors import InputError

    first: dict[str, tuple[str, int]] = {}  # clip name -> (emotion, its row)
    for i, clip in enumerate(clips, 1):
        emotion, row = first.setdefault(Path(clip.file).stem, (clip.emotion, i))
        if emotion != clip.emotion:
            raise InputError(f"{Path(metadata).name} labels the clip {Path(clip.file).stem} "
                             f"twice: {emotion} (clip {row}) and {clip.emotion} (clip {i}); "
                             "keep one, since videos are paired by name alone")
    return {stem: emotion for stem, (emotion, _) in first.items()}


def _inputs(args) -> list[tuple[str, object]]:
    """The files evaluate reads: the metadata and the videos of both folders."""
    from pathlib import Path

    from core.training.metrics import VIDEO_SUFFIXES

    videos = [("a video it scores", p) for d in (args.generated, args.reference)
              for p in Path(d).iterdir() if p.suffix.lower() in VIDEO_SUFFIXES]
    return [("--metadata", args.metadata), *videos]
