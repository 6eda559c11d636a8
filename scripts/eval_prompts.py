"""Score Emotion-to-Latents on the held-out prompt set: top-1 and compound top-2 accuracy.

    .venv/bin/python scripts/eval_prompts.py [--prompts FILE] [--weights FOLDER] [-v]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    from core.latents.dataset import HELDOUT_PATH
    from core.latents.prompt_eval import load_prompts, score
    from core.latents.resolve import DEFAULT_WEIGHTS, LatentsRuntime
    from core.latents.train import describe

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", default=str(HELDOUT_PATH))
    ap.add_argument("--weights", default=str(DEFAULT_WEIGHTS))
    ap.add_argument("--text-encoder", default=None)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every prompt's gates")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)

    runtime = LatentsRuntime.load(args.weights, args.text_encoder)
    prompts = load_prompts(args.prompts)
    t0 = time.perf_counter()
    gates = runtime.suggest_texts([p["text"] for p in prompts])
    ms = (time.perf_counter() - t0) * 1000 / len(prompts)
    wall_ms, cpu_ms = _single_prompt_ms(runtime, [p["text"] for p in prompts])
    s = score(prompts, gates)
    if args.verbose:
        for p, g in zip(prompts, gates):
            print(f"{p['text'][:48]:48s} {'+'.join(p['expected']):20s} {describe(g)}")
    for text, exp, top in s.misses:
        print(f"miss: {text!r}: expected {'+'.join(exp)}, got {'+'.join(top)}")
    print(f"top-1 accuracy: {s.top1:.1%} ({s.n} prompts)")
    print(f"compound top-2: {s.compound_top2:.1%} ({s.n_compound} compound prompts)")
    print(f"latency per prompt, one at a time after the first call (median): {wall_ms:.1f} ms "
          f"wall, {cpu_ms:.1f} ms CPU; batched: {ms:.1f} ms wall")
    return 0


def _single_prompt_ms(runtime, texts: list[str]) -> tuple[float, float]:
    """Median prompt -> gates time (wall, CPU) through the GUI's path, prompt cache bypassed."""
    import numpy as np

    runtime.read([runtime._text_query("warm-up")])
    wall, cpu = [], []
    for text in texts:
        t0, c0 = time.perf_counter(), time.process_time()
        runtime.read([runtime._text_query(text)])
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall) * 1000), float(np.median(cpu) * 1000)


if __name__ == "__main__":
    sys.exit(main())
