"""The diffusion engine end to end, as `render --engine diffusion` drives it: parts written to a
models/ folder in the layout core/diffusion/loading.py reads, loaded from there by
DiffusionEngine, a portrait prepared, a take rendered through `Engine.frames` (clips continued
from each other's last latents, progress reported, frames composed), then a second take
cancelled after its first denoising step. Random weights at SD 1.5 sizes on CUDA (512 px, 16-frame
clips, 25 steps, guidance 3.5, bf16: DiffusionConfig's defaults); `--tiny` runs tiny random parts on
the CPU (the fast suite runs that, so this script stays working).

What it checks (exit status 1 and the reason when one fails): every frame arrives, in order, of
the asked size, uint8 and not flat; progress rises to the frame count and never falls; the
cancelled take raises Cancelled within one denoising step of the cancel.

What it measures, with the baseline in the same process: seconds per output frame through the
engine against the bare pipeline call on the same portrait, audio, conditioning and frame count
(`bench_diffusion._render`: no face crop, frame compose or per-frame conditioning), so the ratio
is what the engine's own work costs; also the models folder's load time, the time to the first
frame (what a user waits for), peak GPU memory and the cancel latency.

    .venv/bin/python benchmarks/bench_diffusion_engine.py            # CUDA: SD 1.5 sizes
    .venv/bin/python benchmarks/bench_diffusion_engine.py --tiny     # CPU, tiny parts, seconds
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
OUT = ROOT / "benchmarks" / "results" / "diffusion_engine.json"


def write_models(parts: dict, pipe, root: Path) -> Path:
    """The models/ layout (loading.py's docstring) from freshly built parts."""
    from core.diffusion.loading import save_moee

    parts["unet2d"].save_pretrained(root / "sd15" / "unet")
    parts["vae"].save_pretrained(root / "sd15" / "vae")
    parts["scheduler"].save_pretrained(root / "sd15" / "scheduler")
    parts["motion_adapter"].save_pretrained(root / "motion_adapter")
    parts["audio_encoder"].save_pretrained(root / "wav2vec2")
    save_moee(pipe, root / "moee")
    return root


def speech_like(seconds: float, rate: int = 16000) -> np.ndarray:
    """A voiced buzz (120 Hz and harmonics) in syllable-long bursts: audio the wav2vec2 reads."""
    t = np.arange(int(seconds * rate)) / rate
    voice = sum(np.sin(2 * np.pi * 120 * k * t) / k for k in range(1, 8))
    bursts = np.clip(np.sin(2 * np.pi * 3.5 * t), 0, None)
    return (0.2 * voice * bursts).astype(np.float32)


def condition_fn(dim: int):
    """The engine's own conditioning (Emotion-to-Latents on its shipped text encoder) where that
    encoder is installed; else the mix's gates and a fixed random latent (what it is, said)."""
    from core.diffusion.engine import default_condition
    from core.diffusion.gates import expert_gates
    from core.mix import EmotionMix

    try:
        _, z = default_condition(EmotionMix.from_preset("happy"))
        if z.shape[-1] == dim:
            return None, "Emotion-to-Latents (shipped)"
        why = f"its latent is {z.shape[-1]} wide, these parts' experts take {dim}"
    except Exception as exc:  # noqa: BLE001 - any failure to load it: say why, render on
        why = f"{type(exc).__name__}: {exc}"[:160]

    def fixed(mix, audio_scores=None):
        gen = torch.Generator().manual_seed(int(mix.gates().argmax()))
        return expert_gates(mix.weights, mix.intensity), torch.randn(1, 8, dim, generator=gen)
    return fixed, f"mix gates + a fixed random latent (Emotion-to-Latents unavailable: {why})"


class Checks:
    def __init__(self):
        self.failed: list[str] = []

    def that(self, ok: bool, what: str) -> None:
        if not ok:
            self.failed.append(what)
            print(f"FAILED: {what}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiny", action="store_true", help="tiny random parts on the CPU")
    ap.add_argument("--seconds", type=float, default=None, help="take length (2.2; tiny 0.6)")
    ap.add_argument("--json", type=Path, default=None, help="where to write the results")
    ap.add_argument("--scheduler", choices=("ddim", "dpm++"), default="ddim")
    ap.add_argument("--emotion-guidance", type=float, default=None,
                    help="separate emotion guidance (3 passes; DiffusionConfig's)")
    args = ap.parse_args()
    from diffusers.utils import logging as diffusers_logging

    from core.audio.io import AudioTrack
    from core.diffusion.config import DiffusionConfig
    from core.diffusion.engine import DiffusionEngine, plan_clips
    from core.diffusion.tiny import SD15, TINY, build_parts
    from core.engine import CancelToken, RenderJob
    from core.errors import Cancelled
    from core.mix import EmotionMix
    from bench_diffusion import _pipeline, _render, _sync

    diffusers_logging.set_verbosity_error()
    torch.manual_seed(0)
    cuda = torch.cuda.is_available() and not args.tiny
    if not cuda and not args.tiny:
        print("no CUDA GPU: running --tiny (tiny random parts on the CPU)")
    chosen = {"scheduler": args.scheduler, "emotion_guidance_scale": args.emotion_guidance}
    if cuda:
        config, sizes, seconds = DiffusionConfig(**chosen), SD15, args.seconds or 2.2
    else:
        torch.set_num_threads(1)
        config = DiffusionConfig(resolution=64, clip_frames=4, num_inference_steps=2,
                                 guidance_scale=1.0 if args.emotion_guidance is None else 2.0,
                                 device="cpu", dtype="fp32", **chosen)
        sizes, seconds = TINY, args.seconds or 0.6
    check = Checks()
    with tempfile.TemporaryDirectory(prefix="moee-models-") as tmp:
        t0 = time.perf_counter()
        parts = build_parts(sizes)
        write_models(parts, _pipeline(parts, "cpu", torch.float32), Path(tmp))
        del parts
        write_s = time.perf_counter() - t0
        cond, cond_note = condition_fn(sizes.emotion_dim)  # the engine checks the width
        t0 = time.perf_counter()
        engine = DiffusionEngine(models_dir=tmp, config=config, condition_fn=cond)
        _sync()
        load_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    picture = (rng.random((640, 512, 3)) * 255).astype(np.uint8)  # not square: the crop's work
    portrait = engine.prepare(picture, detect=False)  # a face detector is not this bench's work
    audio = AudioTrack(speech_like(seconds + 0.5), 16000)
    size = 512 if cuda else 96  # the output size differs from the model's: the compose resizes
    job = RenderJob(portrait=portrait, audio=audio, mix=EmotionMix.from_preset("angrily disgusted"),
                    fps=25, size=size, duration=seconds, seed=3)
    n = job.frame_count()

    # warm-up: one clip's worth (kernels, allocator, cuDNN choices), not timed
    warm = RenderJob(portrait=portrait, audio=audio, mix=job.mix, fps=25, size=size,
                     duration=config.clip_frames / 25, seed=1)
    for _ in engine.frames(warm):
        pass
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    seen: list[int] = []
    _sync()
    t0 = time.perf_counter()
    first_s, frames = None, []
    for frame in engine.frames(job, progress=lambda done, total: seen.append(done)):
        if first_s is None:
            first_s = time.perf_counter() - t0
        frames.append(frame)
    _sync()
    engine_s = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
    check.that(len(frames) == n, f"{len(frames)} frames of {n}")
    check.that([f.index for f in frames] == list(range(n)), "frames out of order")
    check.that(all(f.image.shape == (size, size, 3) and f.image.dtype == np.uint8
                   for f in frames), "a frame of the wrong size or type")
    check.that(all(float(f.image.std()) > 1.0 for f in frames), "a flat frame")
    check.that(bool(seen) and seen[-1] == n and all(b >= a for a, b in zip(seen, seen[1:])),
               f"progress {seen[:3]}...{seen[-3:]} does not rise to {n}")

    # the baseline: the bare pipeline on the same frame count (its clips continued the same way)
    clips = len(plan_clips(n, config.clip_frames, config.motion_frames))
    base_s, base_new = _render(engine.pipe, config.resolution, config.clip_frames,
                               config.num_inference_steps, clips, 25, config.guidance_scale,
                               emotion_guidance_scale=config.emotion_guidance_scale)

    # cancel after the first denoising step: Cancelled, within one more step
    token, when = CancelToken(), []

    def cancel_soon(done, total):
        if not token.cancelled:
            token.cancel()
            when.append(time.perf_counter())
    t0 = time.perf_counter()
    try:
        for _ in engine.frames(job, progress=cancel_soon, cancel=token):
            pass
        check.that(False, "a cancelled take ran to its end")
    except Cancelled:
        pass
    cancel_s = time.perf_counter() - when[0] if when else None
    step_s = engine_s / (clips * config.num_inference_steps)
    check.that(cancel_s is not None and cancel_s < 2 * step_s + 0.5,
               f"the cancel took {cancel_s} s (a step takes {step_s:.3f} s)")

    result = {
        "mode": "sd15-sizes-random-weights" if cuda else "tiny-cpu",
        "device": engine.describe()["device"],
        "resolution": config.resolution, "output_size": size, "steps": config.num_inference_steps,
        "clip_frames": config.clip_frames, "guidance_scale": config.guidance_scale,
        "scheduler": config.scheduler, "emotion_guidance_scale": config.emotion_guidance_scale,
        "take_s": seconds, "frames": n, "clips": clips,
        "conditioning": cond_note,
        "write_models_s": round(write_s, 1), "load_models_s": round(load_s, 1),
        "first_frame_s": round(first_s or 0.0, 2), "seconds": round(engine_s, 2),
        "s_per_frame": round(engine_s / n, 4),
        "baseline_pipeline_s_per_frame": round(base_s / base_new, 4),
        "ratio_vs_pipeline": round((engine_s / n) / (base_s / base_new), 2),
        "cancel_latency_s": None if cancel_s is None else round(cancel_s, 3),
        "step_s": round(step_s, 4),
        "peak_gpu_mem_gib": None if peak is None else round(peak, 2),
        "torch": torch.__version__,
        "checks_failed": check.failed,
    }
    print(f"engine {result['s_per_frame']} s/frame, bare pipeline "
          f"{result['baseline_pipeline_s_per_frame']} s/frame: {result['ratio_vs_pipeline']}x; "
          f"first frame {result['first_frame_s']} s; cancel {result['cancel_latency_s']} s")
    out = args.json or (OUT if cuda else None)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
