"""Seconds per output frame of the diffusion engine at 512x512, 25 steps, bf16, SD 1.5 sizes.

Random weights (no checkpoint needed): SD 1.5-sized U-Net + AnimateDiff motion modules +
ReferenceNet + VAE + wav2vec2-base, MoEE modules on. Target <= 0.3 s/frame on an H100;
reference: Hallo 1.63 s/frame at 512 with 40 DDIM steps. Without CUDA it says so and runs the
tiny CPU smoke version. Results: benchmarks/results/diffusion.json.

    .venv/bin/python benchmarks/bench_diffusion.py [--frames 16] [--steps 25] [--clips 2]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "diffusion.json"
HALLO_S_PER_FRAME = 1.63  # Hallo paper/repo, 512 px, 40 DDIM steps
TARGET_S_PER_FRAME = 0.3  # issue 5, H100


def _pipeline(real: bool, device, dtype):
    from core.diffusion.pipeline import MoEEPipeline
    from core.diffusion.tiny import SD15, TINY, build_parts

    parts = build_parts(SD15 if real else TINY)
    pipe = MoEEPipeline(**{k: parts[k] for k in ("vae", "reference_net", "unet", "audio_encoder",
                                                 "audio_proj", "moee_attention", "scheduler")})
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device, dtype)


def _render(pipe, size, frames, steps, clips, fps, gscale) -> tuple[float, int]:
    """Renders `clips` continued clips; returns (seconds, new frames)."""
    image = (np.random.default_rng(0).random((size, size, 3)) * 255).astype(np.uint8)
    audio = np.random.default_rng(1).standard_normal(16000 * 10).astype(np.float32) * 0.1
    dim = pipe.moee_attention.config.emotion_dim
    z = torch.randn(1, 8, dim)
    gates = torch.tensor([0.6, 0, 0, 0, 0, 0.4])
    prev, new, t0 = None, 0, time.perf_counter()
    for k in range(clips):
        out = pipe(image, audio=audio, fps=fps, first_frame=k * (frames - 2), num_frames=frames,
                   height=size, width=size, emotion_latent=z, emotion_gates=gates,
                   motion_latents=prev, num_inference_steps=steps, guidance_scale=gscale,
                   generator=torch.Generator().manual_seed(k))
        prev = out.latents[:, :, -2:]
        new += frames if k == 0 else frames - 2
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t0, new


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--clips", type=int, default=2)
    ap.add_argument("--guidance", type=float, default=3.5)
    args = ap.parse_args()
    torch.manual_seed(0)
    cuda = torch.cuda.is_available()
    if cuda:
        device = torch.device("cuda")
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        size, frames, steps, clips = 512, args.frames, args.steps, args.clips
    else:
        print("no GPU present: running the tiny CPU smoke version (random tiny parts, 64 px)")
        torch.set_num_threads(1)
        device, dtype = torch.device("cpu"), torch.float32
        size, frames, steps, clips = 64, 4, 2, 2
    pipe = _pipeline(cuda, device, dtype)
    _render(pipe, size, frames, 2, 1, 25, args.guidance)  # warm-up (kernels, allocator)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    seconds, new = _render(pipe, size, frames, steps, clips, 25, args.guidance)
    result = {
        "mode": "sd15-sizes-random-weights" if cuda else "tiny-cpu-smoke",
        "gpu_available": cuda,
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
        "device": torch.cuda.get_device_name(0) if cuda else "CPU",
        "note": ("SD 1.5-sized U-Net + motion modules + ReferenceNet + VAE + wav2vec2-base, "
                 "random weights" if cuda else "no CUDA GPU was available: tiny random parts "
                 "on the CPU, a smoke run only (not comparable to the H100 target)"),
        "dtype": str(dtype).removeprefix("torch."),
        "resolution": size, "steps": steps, "clip_frames": frames, "clips": clips,
        "guidance_passes": 2 if args.guidance > 1 else 1,
        "frames": new, "seconds": round(seconds, 3),
        "s_per_frame": round(seconds / new, 4),
        "peak_gpu_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
        "target_s_per_frame_h100": TARGET_S_PER_FRAME,
        "hallo_s_per_frame_40_steps": HALLO_S_PER_FRAME,
        "torch": torch.__version__,
    }
    if cuda:
        result["ratio_vs_hallo"] = round(HALLO_S_PER_FRAME / result["s_per_frame"], 2)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
