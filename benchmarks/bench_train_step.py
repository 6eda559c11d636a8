"""Seconds per optimiser step, samples/s and peak memory of training at real size.

SD 1.5-sized parts with random weights (U-Net + AnimateDiff motion modules + ReferenceNet + VAE
+ wav2vec2-base + MoEE experts, core.diffusion.tiny.SD15), the shipped Emotion-to-Latents, a
random-weight VGG-19 for the perceptual term, and synthetic clips drawn by the real sampler
(frames, masks and 16 kHz audio made in memory: no prepared folder, no Face Mesh). Each stage
runs the real `Trainer.train_step` (Accelerate, autocast, backward, clipping, AdamW): stage 1
(ReferenceNet + U-Net) and stage 2 (MoE experts + Emotion-to-Latents, the recipe's masked noisy
draws), with and without gradient checkpointing. Baseline, in the same process: the bare
AnimateDiff U-Net (diffusers' own processors, no ReferenceNet, audio or emotion attention, no
pixel loss) doing forward + backward on the same noisy window, so the ratio is what the paper's
additions and the pixel loss cost per step.

Without CUDA it says so and runs tiny parts on the CPU (a smoke run, not a speed figure).
Results: benchmarks/results/train_step.json.

    python benchmarks/bench_train_step.py [--frames 16] [--size 512] [--steps 3] [--tiny]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "train_step.json"

from core.training.data import ClipDataset, PreparedClip  # noqa: E402
from core.training.metadata import ClipMeta  # noqa: E402
from core.training.prepare import SAMPLE_RATE  # noqa: E402

CLIP_FRAMES = 24
FPS = 25.0


@dataclass
class SyntheticClip(PreparedClip):
    """A prepared clip whose arrays are made in memory: smooth random frames, a face ellipse, a
    mouth box, speech-band noise, `side` pixels square."""

    side: int = 512

    def arrays(self) -> dict[str, np.ndarray]:
        return _arrays(self.id, self.frames, self.side)


@lru_cache(maxsize=16)
def _arrays(clip_id: str, frames: int, side: int) -> dict[str, np.ndarray]:
    import cv2

    rng = np.random.default_rng(abs(hash(clip_id)) % 2**32)
    small = rng.integers(0, 256, (frames, 8, 8, 3), dtype=np.uint8)
    imgs = np.stack([cv2.resize(s, (side, side), interpolation=cv2.INTER_CUBIC) for s in small])
    yy, xx = np.mgrid[:side, :side] / side
    face = ((xx - 0.5) ** 2 / 0.12 + (yy - 0.5) ** 2 / 0.2 < 1).astype(np.uint8)
    mouth = ((abs(xx - 0.5) < 0.12) & (abs(yy - 0.7) < 0.06)).astype(np.uint8)
    rep = lambda m: np.repeat(m[None], frames, 0)  # noqa: E731
    n_audio = int(frames / FPS * SAMPLE_RATE)
    return {"frames": imgs, "face": rep(face), "lips": rep(mouth), "mouth": rep(mouth),
            "energy": rng.random(frames).astype(np.float32),
            "landmarks": np.zeros((frames, 478, 2), np.float32),
            "audio": (0.1 * rng.standard_normal(n_audio)).astype(np.float32)}


class SyntheticClips(ClipDataset):
    """One clip per basic emotion, a neutral and a compound clip, all of one person."""

    def __init__(self, n_frames: int, resolution: int):
        from core.emotions import EMOTIONS

        labels = [*EMOTIONS, "neutral", "happily surprised"]
        self.clips = [SyntheticClip(f"{e.replace(' ', '_')}_{i}", Path("synthetic"),
                                    ClipMeta(file=f"{i}.mp4", emotion=e, person="p"), FPS,
                                    CLIP_FRAMES, side=resolution) for i, e in enumerate(labels)]
        self.n_frames, self.resolution = n_frames, resolution
        self._by_person = {"p": list(range(len(self.clips)))}


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _peak_gib() -> float | None:
    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None


def _reset_peak() -> None:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def time_stage(model, ds, stage: int, args, checkpointing: bool, device: str, vgg) -> dict:
    from core.training.trainer import StageConfig, Trainer

    cfg = StageConfig(stage=stage, steps=args.steps + 1, batch_size=args.batch, grad_accum=1,
                      n_frames=args.frames, resolution=args.size, warmup_steps=1,
                      mixed_precision=args.precision, gradient_checkpointing=checkpointing,
                      checkpoint_every=10**9)
    with tempfile.TemporaryDirectory() as run:
        trainer = Trainer(model, ds, cfg, run, perceptual=vgg, device=device, log=lambda m: None)
        _reset_peak()
        trainer.train_step()  # warm-up: kernels, allocator, optimiser state
        _sync()
        times, losses = [], []
        for _ in range(args.steps):
            t0 = time.perf_counter()
            row = trainer.train_step()
            _sync()
            times.append(time.perf_counter() - t0)
            losses.append(row["loss"])
        trained = sum(p.numel() for p in trainer.params)
        del trainer
    s = float(np.median(times))
    return {"stage": stage, "gradient_checkpointing": checkpointing,
            "s_per_step": round(s, 3), "s_per_step_all": [round(x, 3) for x in times],
            "samples_per_s": round(args.batch / s, 3),
            "frames_per_s": round(args.batch * args.frames / s, 2),
            "trained_params_m": round(trained / 1e6, 1), "peak_gpu_mem_gib": _peak_gib(),
            "losses": [round(x, 4) for x in losses]}


def _checkpointing_off(model) -> None:
    """Trainer turns activation checkpointing on for good; the next variant starts without."""
    for part in model.parts().values():
        for m in part.modules():
            if hasattr(m, "disable_gradient_checkpointing") and \
                    getattr(m, "is_gradient_checkpointing", False):
                m.disable_gradient_checkpointing()
    assert not any(getattr(m, "gradient_checkpointing", False)
                   for part in model.parts().values() for m in part.modules())


def time_baseline(parts: dict, args, device, dtype) -> dict:
    """Bare AnimateDiff U-Net: forward + backward on one noisy window, bf16 autocast."""
    from diffusers import UNetMotionModel

    unet = UNetMotionModel.from_unet2d(parts["unet2d"], parts["motion_adapter"]).to(device)
    unet.train()
    opt = torch.optim.AdamW([p for p in unet.parameters() if p.requires_grad], lr=1e-5)
    h = args.size // 8
    ctx = torch.zeros(args.batch * args.frames, 1, unet.config.cross_attention_dim, device=device)

    def step() -> None:
        x = torch.randn(args.batch, 4, args.frames, h, h, device=device)
        t = torch.randint(0, 1000, (args.batch,), device=device)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
            pred = unet(x, t, encoder_hidden_states=ctx, return_dict=False)[0]
        loss = torch.nn.functional.mse_loss(pred.float(), x)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    _reset_peak()
    step()
    _sync()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        _sync()
        times.append(time.perf_counter() - t0)
    return {"s_per_step": round(float(np.median(times)), 3), "peak_gpu_mem_gib": _peak_gib()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3, help="timed optimiser steps per variant")
    ap.add_argument("--precision", default="bf16", choices=("no", "bf16", "fp16"))
    ap.add_argument("--tiny", action="store_true", help="tiny random parts (CPU smoke run)")
    ap.add_argument("--cpu-real", action="store_true",
                    help="SD 1.5 sizes on the CPU (proof the real graph trains; stage 1's optimiser "
                         "state needs ~40 GB)")
    ap.add_argument("--stages", default="1,2", help="stages to time, e.g. 2")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the bare U-Net (its optimiser state: ~21 GB at SD 1.5 sizes)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    from diffusers.utils import logging as diffusers_logging

    from core.diffusion.tiny import SD15, TINY, build_parts
    from core.training.diffusion_adapter import from_diffusion
    from core.training.perceptual import VGGPerceptual

    diffusers_logging.set_verbosity_error()
    cuda = torch.cuda.is_available()
    tiny = args.tiny or not (cuda or args.cpu_real)
    if tiny:
        print("tiny random parts on the CPU: a smoke run, not a speed figure")
        args.size, args.frames, args.precision = min(args.size, 32), min(args.frames, 4), "no"
        torch.set_num_threads(2)
    elif not cuda:
        print("SD 1.5 sizes on the CPU: proof the real graph trains, not a speed figure")
        args.precision = "no"
    device = torch.device("cuda" if cuda and not (args.tiny or args.cpu_real) else "cpu")
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(args.precision, torch.float32)
    t0 = time.perf_counter()
    parts = build_parts(TINY if tiny else SD15)
    build_s = time.perf_counter() - t0
    base = None if args.no_baseline else time_baseline(parts, args, device, dtype)
    del parts["unet2d"]
    model = from_diffusion(parts, device=str(device))
    ds = SyntheticClips(args.frames, args.size)
    vgg = VGGPerceptual()  # random weights: the cost of the term, not its value
    runs = []
    stages = [int(x) for x in args.stages.split(",")]
    for stage, ckpt in [(s, c) for s in stages for c in (True, False)]:
        try:
            runs.append(time_stage(model, ds, stage, args, ckpt, str(device), vgg))
        except torch.OutOfMemoryError as exc:  # record it, go on with the next variant
            runs.append({"stage": stage, "gradient_checkpointing": ckpt,
                         "error": f"out of memory: {str(exc).splitlines()[0][:160]}"})
            _reset_peak()
        _checkpointing_off(model)
        print(json.dumps(runs[-1]))
    for r in runs:
        if "s_per_step" in r and base:
            r["ratio_vs_bare_unet"] = round(r["s_per_step"] / base["s_per_step"], 2)
    result = {
        "mode": "tiny-cpu-smoke" if tiny else "sd15-sizes-cpu" if device.type == "cpu"
        else "sd15-sizes-random-weights",
        "device": torch.cuda.get_device_name(0) if device.type == "cuda"
        else f"CPU ({torch.get_num_threads()} threads)",
        "precision": args.precision, "resolution": args.size, "frames": args.frames,
        "batch": args.batch, "timed_steps": args.steps, "build_s": round(build_s, 1),
        "bare_animatediff_unet": base, "stages": runs, "torch": torch.__version__,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
