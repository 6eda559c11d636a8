"""DiffusionEngine: the paper's network behind core.engine.Engine, rendering clip by clip.

Long audio becomes clips of `clip_frames`; each clip after the first starts from the last
`motion_frames` (2, as in the paper) latents of the previous one and emits only its new frames,
so memory stays flat with length. Progress and cancel go through the pipeline's
callback_on_step_end and interrupt. Keyframed mixes change gates and latents per frame.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import cv2
import numpy as np
import torch

from core.audio.io import SAMPLE_RATE, resample
from core.cache import BoundedCache
from core.diffusion.config import DiffusionConfig
from core.diffusion.gates import GateMode, expert_gates, render_gates
from core.diffusion.portrait import (
    DiffusionPortrait,
    portrait_from_landmarks,
    portrait_without_face,
)
from core.engine import CancelToken, Engine, Frame, ProgressFn, RenderJob
from core.errors import Cancelled, CheckpointError, InputError, MoeeError
from core.mix import REGIONS, EmotionMix
from core.validate import counted

# mix -> (gates (6,) float32 or None for the module's own gates, latent (1, T, D))
# (mix, audio-emotion scores or None) -> (g or None, latent)
ConditionFn = Callable[[EmotionMix, "np.ndarray | None"], tuple[np.ndarray | None, torch.Tensor]]


def plan_clips(n: int, clip: int, motion: int) -> list[tuple[int, int, int]]:
    """(first frame, first new frame, end) per clip over n frames; clip k+1 starts `motion`
    frames before clip k ends. The last clip may run past n (padded; nothing past n is emitted)."""
    if clip <= motion:
        raise InputError(f"clip_frames ({clip}) must exceed motion_frames ({motion})")
    plans, s = [], 0
    while True:
        plans.append((s, s if not plans else s + motion, min(s + clip, n)))
        if s + clip >= n:
            return plans
        s += clip - motion


def default_condition(mix: EmotionMix, gate_mode: GateMode = "simplex",
                      audio_scores: np.ndarray | None = None
                      ) -> tuple[np.ndarray | None, torch.Tensor]:
    """Emotion-to-Latents' latent for the mix's condition (prompt, label, the speech's emotion
    when `audio_scores` is given, AU toggles; the hand gates only when nothing else is given)
    and g by core.diffusion.gates' one definition."""
    from core.latents.resolve import resolve_condition

    cond = resolve_condition(mix, audio_scores=audio_scores)
    return render_gates(mix, cond.source, gate_mode), cond.latent


class DiffusionEngine(Engine):
    name = "diffusion"

    def __init__(self, models_dir: str | None = None, config: DiffusionConfig | None = None,
                 pipeline=None, condition_fn: ConditionFn | None = None):
        self.config = config or DiffusionConfig()
        if pipeline is None:
            pipeline = self._load(models_dir, own_latents=condition_fn is None)
        self.pipe = pipeline
        self.pipe.set_progress_bar_config(disable=True)
        self.condition_fn = condition_fn or (
            lambda mix, audio_scores=None: default_condition(mix, self.config.gate_mode,
                                                             audio_scores))
        self._conditions: BoundedCache[tuple[np.ndarray | None, torch.Tensor]] = BoundedCache(64)
        self._audio_emotion: BoundedCache[np.ndarray] = BoundedCache(4)
        self._pass_s: float | None = None  # one frame pass, once measured (off a GPU)

    def _load(self, models_dir, own_latents: bool = True):
        from core.diffusion.loading import (
            build_pipeline,
            check_present,
            config_problem,
            load_parts,
            resolve_device,
        )

        check_present(models_dir)  # a missing part is named before anything heavy loads
        # so are widths that disagree (config.json alone); the emotion latent's only when the
        # engine conditions on Emotion-to-Latents (a caller's condition_fn brings its own)
        problem = config_problem(models_dir, latents=own_latents)
        if problem:
            raise CheckpointError(problem)
        pipe = build_pipeline(load_parts(models_dir, scheduler=self.config.scheduler))
        device, dtype = resolve_device(self.config)
        return pipe.to(device, dtype)

    @classmethod
    def tiny(cls, seed: int = 0, config: DiffusionConfig | None = None) -> DiffusionEngine:
        """Random tiny parts on the CPU (tests, `doctor --tiny`); the emotion latent is random."""
        from core.diffusion.tiny import tiny_pipeline

        pipe = tiny_pipeline(seed)
        dim = pipe.moee_attention.config.emotion_dim
        cfg = config or DiffusionConfig(resolution=64, clip_frames=4, num_inference_steps=2,
                                        guidance_scale=1.0, device="cpu", dtype="fp32")

        def condition(mix: EmotionMix, audio_scores=None):
            gen = torch.Generator().manual_seed(int(mix.gates().argmax()))
            return expert_gates(mix.weights, mix.intensity), torch.randn(1, 8, dim, generator=gen)
        return cls(config=cfg, pipeline=pipe, condition_fn=condition)

    def describe(self) -> dict[str, str]:
        device = self.pipe.device
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
        return {"engine": self.name, "device": f"{name} ({str(self.pipe.unet.dtype).removeprefix('torch.')})"}

    def speed_note(self, job: RenderJob) -> str | None:
        """Off a GPU, the take's least time, measured: one ReferenceNet pass over one frame at
        the render size (a U-Net pass of one frame without its motion, reference and audio
        layers) times the frame passes the take needs. `render` said nothing, and showed no
        progress before the first of 25 steps ended (over 10 min on 2 cores with tiny parts)."""
        self.measure_speed()
        if self._pass_s is None:
            return None
        cfg, one = self.config, self._pass_s
        clips = len(plan_clips(job.frame_count(), cfg.clip_frames, cfg.motion_frames))
        passes = self._passes()
        total = one * clips * cfg.num_inference_steps * passes * cfg.clip_frames
        return (f"no CUDA GPU: the diffusion engine runs on the CPU, about {_duration(total)} "
                f"or more for this take ({counted(clips, 'clip')} x {cfg.num_inference_steps} "
                f"steps x {passes} passes x {cfg.clip_frames} frames; one {cfg.resolution} px "
                f"frame pass took {one:.2f} s here); the rig engine renders it in real time")

    def measure_speed(self) -> None:
        if self._pass_s is None and self.pipe.device.type != "cuda":
            self._pass_s = self._one_frame_pass()

    def speed_line(self) -> str | None:
        """Per frame of a long take: a clip's passes over its new frames (the motion frames
        are carried over); a preview frame renders every clip up to it."""
        if self._pass_s is None:
            return None
        cfg = self.config
        clip = self._pass_s * cfg.num_inference_steps * self._passes() * cfg.clip_frames
        per_frame = clip / (cfg.clip_frames - cfg.motion_frames)
        return (f"diffusion on CPU: about {_duration(per_frame)} per frame or more, measured "
                f"here; the rig engine previews in real time")

    def _passes(self) -> int:
        """Network passes per step: 1 without guidance, 2 with, 3 with separate emotion."""
        cfg = self.config
        return 1 if cfg.guidance_scale <= 1 else 2 if cfg.emotion_guidance_scale is None else 3

    def _one_frame_pass(self) -> float:
        """Seconds of one ReferenceNet pass over one frame at the render size."""
        pipe, h = self.pipe, self.config.resolution // self.pipe.vae_scale_factor
        net = pipe.reference_net
        latents = torch.zeros(1, net.config.in_channels, h, h, dtype=net.dtype, device=net.device)
        context = torch.zeros(1, 1, net.config.cross_attention_dim, dtype=net.dtype,
                              device=net.device)
        t0 = time.perf_counter()
        try:
            with torch.no_grad():
                net(latents, 0, encoder_hidden_states=context, return_dict=False)
        finally:
            pipe.bank.clear()
        return time.perf_counter() - t0

    # ----- Engine
    def prepare(self, image: np.ndarray, detect: bool = True) -> DiffusionPortrait:
        """Face crop and masks at the model's resolution (NoFaceError when there is no face)."""
        from core.face.image_io import as_rgb_uint8

        rgb = as_rgb_uint8(image)
        size = self.config.resolution
        if not detect:
            return portrait_without_face(rgb, size)
        from core.face.landmarks import detect_face

        face = detect_face(rgb)
        return portrait_from_landmarks(rgb, face.xy, size, self.config.crop_scale, face.notes)

    def frames(self, job: RenderJob, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> Iterator[Frame]:
        job.validate()
        if not isinstance(job.portrait, DiffusionPortrait):
            raise InputError("the diffusion engine needs a portrait from its own prepare()")
        cfg, n = self.config, job.frame_count()
        samples = self._samples(job)
        mask = self._latent_map(job.portrait.audio_mask()[None]) if cfg.face_mask_audio else None
        generator = torch.Generator().manual_seed(job.seed)
        prev, done = None, 0
        for k, (s, new, end) in enumerate(plan_clips(n, cfg.clip_frames, cfg.motion_frames)):
            if cancel is not None:
                cancel.raise_if_cancelled()
            cond = self._clip_condition(job, s)
            callback = self._callback(progress, cancel, done, end - new, n)
            out = self._run(job, samples, s, cond, mask, prev, generator, callback)
            if out.interrupted:
                raise Cancelled()
            prev = out.latents[:, :, -cfg.motion_frames:] if cfg.motion_frames else None
            for j in range(new, end):
                yield self._frame(job, j, out.frames[0, j - s], cond, j - s, k)
            done += end - new
            if progress is not None:
                progress(done, n)

    # ----- pieces
    def _samples(self, job: RenderJob) -> np.ndarray:
        """The rendered range's audio at 16 kHz (silence for a job without audio)."""
        start, end = job.time_range()
        if job.audio is None:
            return np.zeros(round((end - start) * SAMPLE_RATE), np.float32)
        track = job.audio.slice(start, end)
        return resample(np.asarray(track.samples, np.float32), track.sample_rate, SAMPLE_RATE)

    def _condition(self, mix: EmotionMix, audio_scores: np.ndarray | None = None):
        # head and gaze don't condition the network: keyed head moves keep one latent
        key = json.dumps({k: v for k, v in mix.as_dict().items() if k not in ("head", "gaze")},
                         sort_keys=True)
        if audio_scores is not None:
            key += np.asarray(audio_scores, np.float32).tobytes().hex()
        known = self._conditions.get(key)
        if known is None:
            gates, latent = self.condition_fn(mix, audio_scores)
            dim = self.pipe.moee_attention.config.emotion_dim
            if latent.shape[-1] != dim:
                raise CheckpointError(f"the Emotion-to-Latents module gives {latent.shape[-1]}-wide "
                                      f"latents but the MoEE experts expect {dim} "
                                      "(models/emotion_to_latents and models/moee disagree)")
            known = (gates, latent)
            self._conditions.put(key, known)
        return known

    def _audio_scores(self, job: RenderJob) -> np.ndarray | None:
        """The speech's emotion for the audio branch, estimated once per take and audio."""
        if not job.emotion_from_audio or job.audio is None:
            return None
        x = np.asarray(job.audio.samples)
        key = (job.audio.sample_rate, len(x), hash(x[:: max(1, len(x) // 4096)].tobytes()))
        scores = self._audio_emotion.get(key)
        if scores is None:
            from core.latents.resolve import audio_scores_of

            scores = audio_scores_of(job.audio)
            self._audio_emotion.put(key, scores)
        return scores

    def _clip_condition(self, job: RenderJob, first: int) -> dict:
        """Per-frame gates (1, f, 6) or None, latents (1, f, T, D), local gates of the clip."""
        n, f = job.frame_count(), self.config.clip_frames
        mixes = [job.mix_at(job.frame_time(min(first + i, n - 1))) for i in range(f)]
        scores = self._audio_scores(job)
        conds = [self._condition(m, scores) for m in mixes]
        gates = None
        if all(g is not None for g, _ in conds):
            gates = torch.from_numpy(np.stack([g for g, _ in conds]).astype(np.float32))[None]
        latents = torch.cat([z for _, z in conds])[None]
        return {"gates": gates, "latents": latents, "local": self._local_gates(job, mixes[0]),
                "mix_gates": np.stack([m.gates() for m in mixes])}

    def _local_gates(self, job: RenderJob, mix: EmotionMix) -> torch.Tensor | None:
        """The mix's per-region s overrides as a (1, 6, h, w) latent map, NaN elsewhere."""
        regions = job.portrait.regions
        if not mix.local_gates or not regions:
            return None
        size = self.config.resolution
        s = np.full((6, size, size), np.nan, np.float32)
        for name in REGIONS:
            if name in mix.local_gates and name in regions:
                s[:, regions[name]] = np.asarray(mix.local_gates[name], np.float32)[:, None]
        return self._latent_map(s, nearest=True)

    def _latent_map(self, m: np.ndarray, nearest: bool = False) -> torch.Tensor:
        """(C, R, R) pixel map -> (1, C, h, w) on the latent grid."""
        h = self.config.resolution // self.pipe.vae_scale_factor
        interp = cv2.INTER_NEAREST if nearest else cv2.INTER_AREA
        out = np.stack([cv2.resize(c, (h, h), interpolation=interp) for c in m])
        return torch.from_numpy(out)[None]

    def _callback(self, progress, cancel, done, new, total):
        steps = self.config.num_inference_steps

        def on_step_end(pipe, i, t, kwargs):
            if cancel is not None and cancel.cancelled:
                pipe._interrupt = True
            if progress is not None:
                progress(done + int(new * (i + 1) / steps * 0.999), total)
            return kwargs
        return on_step_end

    def _run(self, job, samples, first, cond, mask, prev, generator, callback):
        cfg = self.config
        try:
            return self.pipe(
                job.portrait.image, audio=samples, fps=job.fps, first_frame=first,
                num_frames=cfg.clip_frames, height=cfg.resolution, width=cfg.resolution,
                emotion_latent=cond["latents"], emotion_gates=cond["gates"],
                emotion_local_gates=cond["local"], audio_mask=mask, motion_latents=prev,
                num_inference_steps=cfg.num_inference_steps, guidance_scale=cfg.guidance_scale,
                emotion_guidance_scale=cfg.emotion_guidance_scale, generator=generator,
                decode_chunk_size=cfg.decode_chunk_size, callback_on_step_end=callback)
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
            raise MoeeError(oom_message(cfg)) from None

    def _frame(self, job: RenderJob, index: int, image: np.ndarray, cond: dict, row: int,
               clip: int) -> Frame:
        img = (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
        if img.shape[0] != job.size:
            interp = cv2.INTER_AREA if img.shape[0] > job.size else cv2.INTER_CUBIC
            img = cv2.resize(img, (job.size, job.size), interpolation=interp)
        return Frame(index=index, time=job.frame_time(index), image=img,
                     gates=cond["mix_gates"][row], info={"clip": clip})


def _duration(seconds: float) -> str:
    """'3 h 10 min', '12 min', '40 s'."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"
    return f"{round(seconds / 60)} min" if seconds >= 60 else f"{max(1, round(seconds))} s"


def oom_message(cfg: DiffusionConfig) -> str:
    """What to change when the GPU runs out of memory: halve the clip, then the resolution."""
    free = ""
    if torch.cuda.is_available():
        f, total = torch.cuda.mem_get_info()
        free = f" ({f / 2**30:.1f} of {total / 2**30:.1f} GiB free)"
    smaller = replace(cfg, clip_frames=max(cfg.motion_frames + 2, cfg.clip_frames // 2))
    hint = f"clip_frames={smaller.clip_frames}"
    if cfg.emotion_guidance_scale is not None:
        hint += " or emotion_guidance_scale=None (2 guidance passes instead of 3)"
    return (f"the GPU ran out of memory rendering {cfg.clip_frames}-frame clips at "
            f"{cfg.resolution} px{free}; try {hint}, or decode_chunk_size=2")
