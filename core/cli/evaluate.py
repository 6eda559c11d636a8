"""`main.py evaluate`: AKD, emotion accuracy (AU proxy) and lip-sync of generated videos."""
from __future__ import annotations

import json

NAME = "evaluate"
HELP = "score generated talking-head videos against their ground truth (JSON summary)"
DESCRIPTION = HELP + """

Videos are paired by file name. Emotion accuracy needs labels: --metadata (the clip list used
by `main.py prepare`) gives each stem its emotion."""


def add_arguments(parser) -> None:
    parser.add_argument("generated", help="folder of generated videos")
    parser.add_argument("reference", help="folder of ground-truth videos with the same names")
    parser.add_argument("--metadata", help="metadata .csv/.json for emotion labels")
    parser.add_argument("--out", help="also write the JSON summary to this file")


def run(args) -> int:
    from pathlib import Path

    from core.training.metrics import evaluate_folders
    from core.training.metadata import read_metadata

    labels = None
    if args.metadata:
        labels = {Path(c.file).stem: c.emotion for c in read_metadata(args.metadata)}
    summary = evaluate_folders(args.generated, args.reference, labels)
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0
