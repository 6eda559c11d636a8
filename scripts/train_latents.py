"""Train Emotion-to-Latents on generated prompts and synthetic label/AU/audio conditions.

    .venv/bin/python scripts/train_latents.py                   # MiniLM, writes resources/latents/
    .venv/bin/python scripts/train_latents.py --text-encoder models/text_encoder/t5 \
        --out models/emotion_to_latents                          # the paper's T5, if you have one

Never trains on resources/latents/heldout_prompts.json (dataset.generate drops overlaps);
prints the held-out score at the end (scripts/eval_prompts.py does the same on its own).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    import torch

    from core.latents.dataset import generate
    from core.latents.module import LatentsConfig
    from core.latents.resolve import DEFAULT_WEIGHTS
    from core.latents.text import load_text_encoder, text_features
    from core.latents.train import TrainConfig, train

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text-encoder", default=None, help="local T5 folder (default: bundled MiniLM)")
    ap.add_argument("--out", default=str(DEFAULT_WEIGHTS))
    ap.add_argument("--steps", type=int, default=TrainConfig.steps)
    ap.add_argument("--scale", type=float, default=1.0, help="size of the generated prompt set")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache", default=None, help="file to cache encoded prompts in")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    t0 = time.time()
    encoder = load_text_encoder(args.text_encoder)
    texts, targets = generate(scale=args.scale)
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        x = torch.load(cache)
    else:
        x = text_features(encoder, texts)
        if cache:
            torch.save(x, cache)
    print(f"{len(texts)} prompts encoded in {time.time() - t0:.0f} s")
    config = LatentsConfig(text_encoder=encoder.name, text_dim=encoder.dim)
    model = train(x, torch.from_numpy(targets), config, TrainConfig(steps=args.steps))
    model.save_pretrained(args.out)
    print(f"saved {args.out} after {time.time() - t0:.0f} s")
    from scripts.eval_prompts import main as evaluate
    return evaluate(["--weights", args.out] + (["--text-encoder", args.text_encoder]
                                               if args.text_encoder else []))


if __name__ == "__main__":
    sys.exit(main())
