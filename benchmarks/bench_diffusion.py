"""Seconds per output frame of the diffusion engine at 512x512, 25 steps, bf16, SD 1.5 sizes.

Random weights (no checkpoint needed): SD 1.5-sized U-Net + AnimateDiff motion modules +
ReferenceNet + VAE + wav2vec2-base, MoEE modules on. Target <= 0.3 s/frame on an H100;
reference: Hallo 1.63 s/frame at 512 with 40 DDIM steps. Baseline, in the same process: the
bare AnimateDiff U-Net (the same SD weights and motion modules, diffusers' own processors: no
ReferenceNet, audio or emotion attention) running the same steps, guidance batch and VAE
decode; the ratio is what MoEE's additions cost.

Without CUDA it says so and runs the tiny CPU smoke version; `--cpu-real` runs the SD 1.5 sizes
on the CPU at 128 px, 4 frames, 2 steps (minutes, ~16 GB): proof that the real-size graph runs,
and the overhead ratio, not a speed figure. Results: benchmarks/results/diffusion.json.

    .venv/bin/python benchmarks/bench_diffusion.py [--frames 16] [--steps 25] [--clips 2]
    .venv/bin/python benchmarks/bench_diffusion.py --cpu-real
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


def _parts(real: bool) -> dict:
    from core.diffusion.tiny import SD15, TINY, build_parts
    return build_parts(SD15 if real else TINY)


def _pipeline(parts: dict, device, dtype):
    from core.diffusion.pipeline import MoEEPipeline

    pipe = MoEEPipeline(**{k: parts[k] for k in ("vae", "reference_net", "unet", "audio_encoder",
                                                 "audio_proj", "moee_attention", "scheduler")})
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device, dtype)


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


@torch.no_grad()
def _baseline(parts: dict, device, dtype, size, frames, steps, clips,
              gscale, compile_: bool = False) -> tuple[float, int]:
    """Bare AnimateDiff: UNetMotionModel.from_unet2d with diffusers' processors, the same
    guidance batch, steps and VAE decode, for the same new frames. (seconds, frames)"""
    from diffusers import UNetMotionModel

    unet = UNetMotionModel.from_unet2d(parts["unet2d"], parts["motion_adapter"]).eval()
    unet = unet.to(device, dtype)
    if compile_:
        unet = torch.compile(unet)
    vae, scheduler = parts["vae"].to(device, dtype), parts["scheduler"]
    h = w = size // 8
    passes = 2 if gscale > 1 else 1  # as the pipeline: guidance doubles the batch
    context = torch.zeros(passes * frames, 1, unet.config.cross_attention_dim, device=device,
                          dtype=dtype)

    def clip() -> None:
        scheduler.set_timesteps(steps, device=device)
        latents = torch.randn(1, 4, frames, h, w, device=device, dtype=dtype)
        for t in scheduler.timesteps:
            pred = unet(torch.cat([latents] * passes), t, encoder_hidden_states=context,
                        return_dict=False)[0]
            if passes == 2:
                uncond, cond = pred.chunk(2)
                pred = uncond + gscale * (cond - uncond)
            latents = scheduler.step(pred, t, latents, return_dict=False)[0]
        flat = latents.permute(0, 2, 1, 3, 4).reshape(frames, 4, h, w)
        for i in range(0, frames, 8):
            vae.decode(flat[i:i + 8] / vae.config.scaling_factor)

    clip()  # warm-up
    _sync()
    t0 = time.perf_counter()
    for _ in range(clips):
        clip()
    _sync()
    new = frames + (clips - 1) * (frames - 2)
    unet = None  # frees the weights (clip() holds the name, not a copy)
    return time.perf_counter() - t0, new


def _render(pipe, size, frames, steps, clips, fps, gscale, **kw) -> tuple[float, int]:
    """Renders `clips` continued clips; returns (seconds, new frames). `kw`: more of the
    pipeline's arguments (emotion_guidance_scale)."""
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
                   generator=torch.Generator().manual_seed(k), **kw)
        prev = out.latents[:, :, -2:]
        new += frames if k == 0 else frames - 2
    _sync()
    return time.perf_counter() - t0, new


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--clips", type=int, default=2)
    ap.add_argument("--guidance", type=float, default=3.5)
    ap.add_argument("--compile", action="store_true",
                    help="torch.compile both U-Nets (pipeline and baseline) before timing; the "
                         "warm-up pays the compile")
    ap.add_argument("--cpu-real", action="store_true",
                    help="SD 1.5 sizes on the CPU at 128 px (proof of the real graph, ratio)")
    args = ap.parse_args()
    from diffusers.utils import logging as diffusers_logging
    diffusers_logging.set_verbosity_error()  # random parts cast with .to(): nothing to warn about
    torch.manual_seed(0)
    cuda = torch.cuda.is_available()
    real = cuda or args.cpu_real
    if cuda:
        device = torch.device("cuda")
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        size, frames, steps, clips = 512, args.frames, args.steps, args.clips
        mode = "sd15-sizes-random-weights"
    elif args.cpu_real:
        print("no GPU present: SD 1.5 sizes on the CPU at 128 px, 4 frames, 2 steps")
        device, dtype = torch.device("cpu"), torch.float32
        size, frames, steps, clips = 128, 4, 2, 1
        mode = "sd15-sizes-cpu-128px"
    else:
        print("no GPU present: running the tiny CPU smoke version (random tiny parts, 64 px)")
        torch.set_num_threads(1)
        device, dtype = torch.device("cpu"), torch.float32
        size, frames, steps, clips = 64, 4, 2, 2
        mode = "tiny-cpu-smoke"
    t_build = time.perf_counter()
    parts = _parts(real)
    build_s = time.perf_counter() - t_build
    base_s, base_new = _baseline(parts, device, dtype, size, frames, steps, clips,
                                 args.guidance, args.compile)
    del parts["unet2d"]
    pipe = _pipeline(parts, device, dtype)
    if args.compile:
        pipe.unet = torch.compile(pipe.unet)
    _render(pipe, size, frames, min(steps, 2), 1, 25, args.guidance)  # warm-up (kernels, allocator)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    seconds, new = _render(pipe, size, frames, steps, clips, 25, args.guidance)
    notes = {
        "sd15-sizes-random-weights": "SD 1.5-sized U-Net + motion modules + ReferenceNet + VAE + "
                                     "wav2vec2-base, random weights",
        "sd15-sizes-cpu-128px": "no CUDA GPU was available: the SD 1.5-sized graph on the CPU at "
                                "128 px (proof it runs, and the overhead ratio; not a speed "
                                "figure for the H100 target)",
        "tiny-cpu-smoke": "no CUDA GPU was available: tiny random parts on the CPU, a smoke run "
                          "only (not comparable to the H100 target)",
    }
    result = {
        "mode": mode,
        "gpu_available": cuda,
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
        "device": torch.cuda.get_device_name(0) if cuda else f"CPU ({torch.get_num_threads()} threads)",
        "note": notes[mode],
        "dtype": str(dtype).removeprefix("torch."),
        "resolution": size, "steps": steps, "clip_frames": frames, "clips": clips,
        "guidance_passes": 2 if args.guidance > 1 else 1,
        "frames": new, "seconds": round(seconds, 3),
        "s_per_frame": round(seconds / new, 4),
        "baseline_animatediff_s_per_frame": round(base_s / base_new, 4),
        "ratio_vs_baseline": round((seconds / new) / (base_s / base_new), 2),
        "moee_params_m": round(sum(p.numel() for p in pipe.moee_attention.parameters()) / 1e6, 1),
        "build_s": round(build_s, 1),
        "peak_gpu_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
        "target_s_per_frame_h100": TARGET_S_PER_FRAME,
        "hallo_s_per_frame_40_steps": HALLO_S_PER_FRAME,
        "torch": torch.__version__,
        "compiled": bool(args.compile),
    }
    if cuda:
        result["ratio_vs_hallo"] = round(HALLO_S_PER_FRAME / result["s_per_frame"], 2)
    print(f"MoEE pipeline {result['s_per_frame']} s/frame; bare AnimateDiff U-Net "
          f"{result['baseline_animatediff_s_per_frame']} s/frame; ratio "
          f"{result['ratio_vs_baseline']}x")
    out = OUT.with_name(f"diffusion_{mode}.json") if mode == "sd15-sizes-cpu-128px" else OUT
    if args.compile:
        out = out.with_name(out.stem + "_compiled.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
