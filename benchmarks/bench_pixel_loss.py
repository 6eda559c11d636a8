"""Peak memory of the pixel loss (L1 + VGG-19 on decoded frames, with gradient): decoding a
16-frame window at once (the baseline) against `chunked_pixel_loss` (4 frames at a time under
activation checkpointing). SD 1.5's VAE decoder sizes with random weights, 128 px, on the CPU;
each variant runs in its own process and reports its peak resident memory, so the ratio is
what chunking saves. Results: benchmarks/results/pixel_loss.json.

    .venv/bin/python benchmarks/bench_pixel_loss.py [--frames 16] [--size 128] [--chunk 4]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "pixel_loss.json"


def one(frames: int, size: int, chunk: int) -> dict:
    import torch
    from diffusers import AutoencoderKL

    from core.diffusion.tiny import SD15
    from core.training.losses import chunked_pixel_loss
    from core.training.perceptual import VGGPerceptual

    torch.manual_seed(0)
    torch.set_num_threads(2)
    n = len(SD15.vae_channels)
    vae = AutoencoderKL(block_out_channels=SD15.vae_channels, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * n,
                        up_block_types=("UpDecoderBlock2D",) * n,
                        layers_per_block=SD15.vae_layers, norm_num_groups=SD15.norm_num_groups)
    vae.requires_grad_(False)
    vgg = VGGPerceptual()
    z = torch.randn(frames, 4, size // 8, size // 8, requires_grad=True)
    y = torch.rand(frames, 3, size, size) * 2 - 1
    m = torch.ones(frames, 1, size, size)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    loss = chunked_pixel_loss(lambda x: vae.decode(x).sample, z, y, m, vgg, 1.0, chunk)
    loss.sum().backward()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"chunk": chunk, "peak_mib": round(peak / 1024, 1),
            "loss_step_mib": round((peak - base) / 1024, 1), "loss": float(loss.sum())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--chunk", type=int, default=4)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one is not None:
        print(json.dumps(one(a.frames, a.size, a.one)))
        return
    runs = {}
    for name, chunk in (("whole", a.frames), ("chunked", a.chunk)):
        out = subprocess.run([sys.executable, __file__, "--frames", str(a.frames), "--size",
                              str(a.size), "--one", str(chunk)], capture_output=True, text=True,
                             check=True)
        runs[name] = json.loads(out.stdout.strip().splitlines()[-1])
    ratio = runs["chunked"]["loss_step_mib"] / max(runs["whole"]["loss_step_mib"], 1e-6)
    result = {"frames": a.frames, "size": a.size, **runs, "memory_ratio": round(ratio, 3),
              "same_loss": abs(runs["whole"]["loss"] - runs["chunked"]["loss"]) < 1e-3 * abs(
                  runs["whole"]["loss"])}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"pixel loss, {a.frames} frames at {a.size} px, SD 1.5 VAE decoder + VGG-19: "
          f"whole decode +{runs['whole']['loss_step_mib']} MiB, {a.chunk}-frame chunks "
          f"+{runs['chunked']['loss_step_mib']} MiB ({ratio:.2f}x), same loss: {result['same_loss']}")


if __name__ == "__main__":
    main()
