"""Tune the no-emotion check's two cuts on its tuning prompts (never the held-out ones).

    .venv/bin/python scripts/tune_no_emotion.py [-v]

Prints the (MIN_LIFT, MIN_SENTIMENT) pair with the best balanced accuracy (share of
emotional prompts kept and of neutral prompts flagged, averaged), the lower cuts on ties, for
core/latents/no_emotion.py's table.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TUNING = ROOT / "resources" / "latents" / "no_emotion_tuning.json"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="print every prompt's score")
    args = ap.parse_args(argv)
    from core.latents.resolve import get_runtime

    rt = get_runtime()
    data = json.loads(TUNING.read_text(encoding="utf-8"))
    rows = {kind: [rt.content(t) for t in data[kind]] for kind in ("emotional", "neutral")}

    def rates(cuts):
        kept = np.mean([c.present_at(*cuts) for c in rows["emotional"]])
        flagged = np.mean([not c.present_at(*cuts) for c in rows["neutral"]])
        return kept, flagged

    every = [c for cs in rows.values() for c in cs]
    grid = [(s, v) for s in sorted({c.lift for c in every})
            for v in sorted({c.sentiment for c in every if c.sentiment > 0})]
    best = max(grid, key=lambda cuts: (round(sum(rates(cuts)) / 2, 6), -cuts[0], -cuts[1]))
    kept, flagged = rates(best)
    if args.verbose:
        for kind, cs in rows.items():
            for text, c in zip(data[kind], cs):
                print(f"{kind:9s} lift {c.lift:.3f} sent {c.sentiment:.3f} "
                      f"named={c.named or '-':12s} {text}")
    print(f"MIN_LIFT = {best[0]:.3f}, MIN_SENTIMENT = {best[1]:.3f}: balanced accuracy "
          f"{(kept + flagged) / 2:.3f} "
          f"(kept {kept:.3f} of {len(rows['emotional'])} emotional, "
          f"flagged {flagged:.3f} of {len(rows['neutral'])} neutral)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
