"""MoEEPipeline: portrait + speech + emotion -> a clip of talking frames (MoEE, CVPR 2025).

Shaped like diffusers' AnimateDiffPipeline (check_inputs, prepare_latents, decode_latents, a
numbered `__call__`, callback_on_step_end, interrupt). Conditions:
- appearance: the portrait through ReferenceNet, read by the U-Net's self-attention (bank);
- speech: wav2vec2 windows -> audio tokens, attended per frame (optionally face-masked);
- emotion: the emotion latent for the six experts, gates g (and s) by hand or by the module;
- continuity: `motion_latents`, the last frames of the previous clip, pinned at the clip's
  start (re-noised to each step's level, restored at the end), so long audio runs clip by clip.
Classifier-free guidance drops audio and emotion together (2 passes) or, with
`emotion_guidance_scale`, separately (3 passes: none, audio, audio + emotion).
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import DiffusionPipeline
from diffusers.utils import BaseOutput
from diffusers.utils.torch_utils import randn_tensor

from core.diffusion.audio import WAV2VEC_RATE, clip_audio_features
from core.diffusion.config import (
    KW_AUDIO,
    KW_AUDIO_MASK,
    KW_AUDIO_SCALE,
    KW_EMOTION,
    KW_EMOTION_SCALE,
    KW_GATES,
    KW_LOCAL_GATES,
)
from core.diffusion.reference import ReferenceBank, install_reference_writers
from core.diffusion.unet import install_moee_processors
from core.emotions import NUM_EXPERTS


@dataclass
class MoEEPipelineOutput(BaseOutput):
    frames: np.ndarray | torch.Tensor  # (b, f, H, W, 3) in [0, 1] ("np") or (b, f, 3, H, W) ("pt")
    latents: torch.Tensor  # (b, 4, f, h, w) clean latents (the next clip's motion frames)
    interrupted: bool = False


class MoEEPipeline(DiffusionPipeline):
    model_cpu_offload_seq = "audio_encoder->audio_proj->vae->reference_net->unet->vae"
    _callback_tensor_inputs: ClassVar[list[str]] = ["latents"]

    def __init__(self, vae, reference_net, unet, audio_encoder, audio_proj, moee_attention,
                 scheduler):
        super().__init__()
        self.register_modules(vae=vae, reference_net=reference_net, unet=unet,
                              audio_encoder=audio_encoder, audio_proj=audio_proj,
                              moee_attention=moee_attention, scheduler=scheduler)
        self.vae_scale_factor = 2 ** (len(self.vae.config.block_out_channels) - 1)
        self.bank = ReferenceBank()
        install_reference_writers(self.reference_net, self.bank)
        install_moee_processors(self.unet, self.moee_attention, self.bank)
        self._interrupt = False

    @property
    def interrupt(self) -> bool:
        return self._interrupt

    @property
    def do_classifier_free_guidance(self) -> bool:
        return self._guidance_scale > 1.0

    # ----- inputs
    def check_inputs(self, height, width, num_frames, emotion_latent, emotion_gates,
                     motion_latents, callback_on_step_end_tensor_inputs):
        mult = self.vae_scale_factor * 2 ** (len(self.unet.config.block_out_channels) - 1)
        if height % mult or width % mult:
            raise ValueError(f"height and width must be multiples of {mult}, got {height}x{width}")
        if num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {num_frames}")
        dim = self.moee_attention.config.emotion_dim
        if emotion_latent is not None and emotion_latent.shape[-1] != dim:
            raise ValueError(f"the emotion latent is {emotion_latent.shape[-1]} wide; the experts "
                             f"expect emotion_dim={dim}")
        if emotion_gates is not None and emotion_gates.shape[-1] != NUM_EXPERTS:
            raise ValueError(f"emotion_gates needs {NUM_EXPERTS} values per row")
        if motion_latents is not None and motion_latents.shape[2] >= num_frames:
            raise ValueError(f"{motion_latents.shape[2]} motion frames leave no new frame in a "
                             f"clip of {num_frames}")
        bad = [k for k in callback_on_step_end_tensor_inputs or [] if k not in self._callback_tensor_inputs]
        if bad:
            raise ValueError(f"callback_on_step_end_tensor_inputs {bad} not in {self._callback_tensor_inputs}")

    def prepare_reference(self, image, height: int, width: int, device, dtype) -> torch.Tensor:
        """(H, W, 3) uint8 / (b, H, W, 3) uint8 / (b, 3, H, W) in [-1, 1] -> (b, 3, height, width)."""
        if isinstance(image, np.ndarray):
            image = np.asarray(image)
            image = torch.from_numpy(image[None] if image.ndim == 3 else image).permute(0, 3, 1, 2)
            image = image.float() / 127.5 - 1.0
        if image.shape[-2:] != (height, width):
            image = F.interpolate(image.float(), size=(height, width), mode="bilinear",
                                  antialias=True, align_corners=False)
        return image.to(device=device, dtype=dtype)

    def encode_reference(self, image: torch.Tensor) -> torch.Tensor:
        """(b, 3, H, W) -> scaled latents (b, 4, h, w)."""
        latents = self.vae.encode(image).latent_dist.mode()
        return latents * self.vae.config.scaling_factor

    def encode_audio(self, audio, fps, first_frame, num_frames, device, dtype) -> torch.Tensor:
        """Whole-track samples at 16 kHz -> audio tokens (1, f, N_a, C_a) for this clip."""
        window = self.audio_proj.window
        feats = clip_audio_features(self.audio_encoder, audio, WAV2VEC_RATE, fps, first_frame,
                                    num_frames, window)
        feats = feats[None].to(device=device, dtype=self.audio_proj.dtype)
        return self.audio_proj(feats).to(dtype)

    def prepare_latents(self, batch_size, num_frames, height, width, dtype, device, generator,
                        latents=None) -> torch.Tensor:
        shape = (batch_size, self.unet.config.in_channels, num_frames,
                 height // self.vae_scale_factor, width // self.vae_scale_factor)
        if latents is None:
            latents = randn_tensor(shape, generator=generator, device=device, dtype=dtype)
        elif latents.shape != shape:
            raise ValueError(f"latents must have shape {shape}, got {tuple(latents.shape)}")
        return latents.to(device=device, dtype=dtype) * self.scheduler.init_noise_sigma

    def decode_latents(self, latents: torch.Tensor, chunk: int = 8) -> torch.Tensor:
        """(b, 4, f, h, w) -> (b, f, 3, H, W) in [0, 1], `chunk` frames at a time."""
        b, c, f, h, w = latents.shape
        flat = latents.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w) / self.vae.config.scaling_factor
        out = [self.vae.decode(flat[i:i + chunk].to(self.vae.dtype)).sample
               for i in range(0, flat.shape[0], chunk)]
        video = torch.cat(out).float().reshape(b, f, -1, *out[0].shape[-2:])
        return (video / 2 + 0.5).clamp(0, 1)

    def prepare_extra_step_kwargs(self, generator, eta):
        params = set(inspect.signature(self.scheduler.step).parameters)
        extra = {}
        if "eta" in params:
            extra["eta"] = eta
        if "generator" in params:
            extra["generator"] = generator
        return extra

    def guidance_variants(self) -> list[tuple[float, float]]:
        """(audio on, emotion on) per batch copy; the last one is the full condition."""
        if not self.do_classifier_free_guidance:
            return [(1.0, 1.0)]
        if self._emotion_guidance_scale is None:
            return [(0.0, 0.0), (1.0, 1.0)]
        return [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]

    def combine_guidance(self, pred: torch.Tensor) -> torch.Tensor:
        parts = pred.chunk(len(self.guidance_variants()))
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            return parts[0] + self._guidance_scale * (parts[1] - parts[0])
        return (parts[0] + self._guidance_scale * (parts[1] - parts[0])
                + self._emotion_guidance_scale * (parts[2] - parts[1]))

    def condition_kwargs(self, b, f, audio_tokens, audio_mask, emotion_latent, emotion_gates,
                         emotion_local_gates, device, dtype) -> dict:
        """cross_attention_kwargs for the guidance batch (V copies of b samples x f frames)."""
        variants = self.guidance_variants()
        v = len(variants)

        def per_frame(t, sample_dims: int):  # (b|1, ...) or (b, f, ...) -> (V*b*f, ...)
            if t.dim() == sample_dims + 1:  # per frame, in the U-Net's row order (sample, frame)
                rows = t.reshape(b * f, *t.shape[2:])
            else:
                rows = t.expand(b, *t.shape[1:]).repeat_interleave(f, dim=0)
            return torch.cat([rows.to(device)] * v)

        return {
            KW_AUDIO: None if audio_tokens is None else per_frame(audio_tokens, 3).to(dtype),
            KW_AUDIO_MASK: None if audio_mask is None else audio_mask.to(device, dtype),
            KW_AUDIO_SCALE: torch.tensor([a for a, _ in variants], device=device).repeat_interleave(b),
            KW_EMOTION: None if emotion_latent is None else per_frame(emotion_latent, 3).to(dtype),
            KW_GATES: None if emotion_gates is None else per_frame(emotion_gates, 2).float(),
            KW_LOCAL_GATES: None if emotion_local_gates is None else emotion_local_gates.to(device),
            KW_EMOTION_SCALE: torch.tensor([e for _, e in variants], device=device).repeat_interleave(b),
        }

    # ----- the call
    @torch.no_grad()
    def __call__(self, reference_image, audio: np.ndarray | None = None, fps: float = 25.0,
                 first_frame: int = 0, num_frames: int = 16, height: int | None = None,
                 width: int | None = None, emotion_latent: torch.Tensor | None = None,
                 emotion_gates: torch.Tensor | None = None,
                 emotion_local_gates: torch.Tensor | None = None,
                 audio_mask: torch.Tensor | None = None,
                 motion_latents: torch.Tensor | None = None, context: torch.Tensor | None = None,
                 num_inference_steps: int = 25, guidance_scale: float = 3.5,
                 emotion_guidance_scale: float | None = None, eta: float = 0.0,
                 generator: torch.Generator | None = None, latents: torch.Tensor | None = None,
                 output_type: str = "np", return_dict: bool = True, decode_chunk_size: int = 8,
                 callback_on_step_end: Callable | None = None,
                 callback_on_step_end_tensor_inputs: list[str] | None = None):
        """emotion_latent (b|1, T, D) or (b, f, T, D); emotion_gates (6,), (b, 6) or (b, f, 6)
        (None: the module's own gates); emotion_local_gates (1, 6, h, w) on the latent grid,
        NaN = module's own s; audio_mask (1, 1, h, w); motion_latents (b, 4, m, h, w)."""
        # 0. Default size and checks
        height = height or self.unet.config.sample_size * self.vae_scale_factor
        width = width or self.unet.config.sample_size * self.vae_scale_factor
        if emotion_gates is not None:
            emotion_gates = torch.as_tensor(emotion_gates, dtype=torch.float32)
            emotion_gates = emotion_gates[None] if emotion_gates.dim() == 1 else emotion_gates
        tensor_inputs = callback_on_step_end_tensor_inputs or ["latents"]
        self.check_inputs(height, width, num_frames, emotion_latent, emotion_gates,
                          motion_latents, tensor_inputs)
        self._guidance_scale = guidance_scale
        self._emotion_guidance_scale = emotion_guidance_scale
        self._interrupt = False

        # 1. Call parameters
        device, dtype = self._execution_device, self.unet.dtype
        ref = self.prepare_reference(reference_image, height, width, device, self.vae.dtype)
        b = ref.shape[0]

        try:
            # 2. Reference: one ReferenceNet pass at t = 0 fills the bank for every step
            ref_latents = self.encode_reference(ref).to(dtype)
            if context is None:
                context = torch.zeros(1, 1, self.unet.config.cross_attention_dim, device=device,
                                      dtype=dtype)  # no text condition: the pretrained attn2 idles
            self.reference_net(ref_latents.to(self.reference_net.dtype), 0,
                               encoder_hidden_states=context.to(self.reference_net.dtype),
                               return_dict=False)

            # 3. Audio tokens of this clip
            audio_tokens = None
            if audio is not None:
                audio_tokens = self.encode_audio(audio, fps, first_frame, num_frames, device,
                                                 dtype).expand(b, -1, -1, -1)
            kwargs = self.condition_kwargs(b, num_frames, audio_tokens, audio_mask, emotion_latent,
                                           emotion_gates, emotion_local_gates, device, dtype)

            # 4. Timesteps
            self.scheduler.set_timesteps(num_inference_steps, device=device)
            timesteps = self.scheduler.timesteps

            # 5. Latents (and the pinned motion frames)
            latents = self.prepare_latents(b, num_frames, height, width, dtype, device, generator,
                                           latents)
            m = 0 if motion_latents is None else motion_latents.shape[2]
            if m:
                motion_latents = motion_latents.to(device=device, dtype=dtype)
                motion_noise = randn_tensor(motion_latents.shape, generator=generator,
                                            device=device, dtype=dtype)
            extra_step_kwargs = self.prepare_extra_step_kwargs(generator, eta)
            v = len(self.guidance_variants())
            # UNetMotionModel folds frames into the batch but not the context: (V*b*f, L, C)
            frame_context = context.expand(v * b * num_frames, -1, -1)

            # 6. Denoising loop
            self._num_timesteps = len(timesteps)
            with self.progress_bar(total=num_inference_steps) as progress_bar:
                for i, t in enumerate(timesteps):
                    if self.interrupt:
                        break
                    if m:
                        latents[:, :, :m] = self.scheduler.add_noise(
                            motion_latents, motion_noise, t.reshape(1))
                    model_input = self.scheduler.scale_model_input(torch.cat([latents] * v), t)
                    pred = self.unet(model_input, t, encoder_hidden_states=frame_context,
                                     cross_attention_kwargs=kwargs, return_dict=False)[0]
                    pred = self.combine_guidance(pred)
                    latents = self.scheduler.step(pred, t, latents, **extra_step_kwargs,
                                                  return_dict=False)[0]
                    if callback_on_step_end is not None:
                        local = {"latents": latents}
                        outputs = callback_on_step_end(self, i, t, {k: local[k] for k in tensor_inputs})
                        latents = outputs.pop("latents", latents)
                    progress_bar.update()
        finally:
            self.bank.clear()  # the reference tokens never outlive the call, even on an error

        # 7. Restore the clean motion frames and decode
        if m:
            latents[:, :, :m] = motion_latents
        if output_type == "latent":
            frames = latents
        elif self.interrupt:  # stopped: the half-denoised frames are not decoded (the engine
            frames = None     # throws them away; at SD sizes a decode is seconds on a CPU)
        else:
            video = self.decode_latents(latents, decode_chunk_size)
            frames = video if output_type == "pt" else video.permute(0, 1, 3, 4, 2).cpu().numpy()

        # 8. Output
        self.maybe_free_model_hooks()
        if not return_dict:
            return frames, latents
        return MoEEPipelineOutput(frames=frames, latents=latents, interrupted=self.interrupt)

