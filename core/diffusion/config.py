"""Settings of the diffusion engine and the names of its per-call attention inputs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.diffusion.gates import GateMode

# Per-call inputs of the added processors, passed in the U-Net's `cross_attention_kwargs`
# (diffusers drops keys a processor's signature does not name, so every MoEE processor names all).
KW_AUDIO = "audio_tokens"          # (B, N_a, C_a) audio tokens of each frame
KW_AUDIO_MASK = "audio_mask"       # (B, 1, h, w) face/lip weight of the audio attention, latent grid
KW_AUDIO_SCALE = "audio_scale"     # (B,) 0 drops audio (classifier-free guidance), 1 keeps it
KW_EMOTION = "emotion_latent"      # (B, T, D) emotion latent from Emotion-to-Latents
KW_GATES = "emotion_gates"         # (B, 6) hand-set global gates g; None: the module's softmax gate
KW_LOCAL_GATES = "emotion_local_gates"  # (B, 6, h, w) hand-set local gates s; NaN keeps the module's
KW_EMOTION_SCALE = "emotion_scale"  # (B,) 0 drops the MoE (classifier-free guidance)
MOEE_KWARGS = (KW_AUDIO, KW_AUDIO_MASK, KW_AUDIO_SCALE, KW_EMOTION, KW_GATES, KW_LOCAL_GATES,
               KW_EMOTION_SCALE)

SchedulerName = Literal["ddim", "dpm++"]
DtypeName = Literal["auto", "bf16", "fp16", "fp32"]


@dataclass
class DiffusionConfig:
    resolution: int = 512          # square render size in pixels (SD 1.5 was trained at 512)
    clip_frames: int = 16          # frames denoised together (AnimateDiff's motion window)
    motion_frames: int = 2         # each clip starts from the last frames of the previous one
    num_inference_steps: int = 25  # denoising steps per clip
    guidance_scale: float = 3.5    # classifier-free guidance on audio (and emotion)
    emotion_guidance_scale: float | None = None  # separate emotion guidance (3 passes); None: joint
    scheduler: SchedulerName = "ddim"  # DDIM or DPM-Solver++ (multistep)
    dtype: DtypeName = "auto"      # auto: bf16 on CUDA when supported, else fp16; fp32 on CPU
    device: str = "auto"           # "auto", "cuda", "cuda:1", "cpu"
    face_mask_audio: bool = True   # weight audio attention by the face/lip mask (hallo-style)
    crop_scale: float = 2.0        # crop side as a multiple of the face box's larger side
    decode_chunk_size: int = 8     # frames decoded by the VAE at once
    gate_mode: GateMode = "simplex"  # hand-set gates: renormalised to sum 1, or "free" (gates.py)
