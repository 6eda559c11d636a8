"""Audio tokens (MoEE Sec. 3.1, after hallo): wav2vec2 hidden states of all layers, per frame.

    samples --Wav2Vec2Model--> (L, T_a, C) all transformer layers (12 for wav2vec2-base)
            --resample to the video's frame times--> (f, L, C)
            --window of 2w+1 frames around each frame--> (f, 2w+1, L, C)
            --AudioProjModel--> (f, N_a, C_a) audio tokens (N_a = 32, C_a = 768 for SD 1.5)
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from core.audio.io import SAMPLE_RATE

WAV2VEC_RATE = SAMPLE_RATE  # Hz the wav2vec2 models were trained on
MARGIN_S = 0.25  # extra audio each side of a clip, so the windows see real context


@torch.no_grad()
def wav2vec_layers(encoder: nn.Module, samples: torch.Tensor) -> torch.Tensor:
    """samples (n,) float at 16 kHz -> hidden states of every transformer layer (L, T_a, C)."""
    x = samples.float()
    x = (x - x.mean()) / torch.sqrt(x.var(unbiased=False) + 1e-7)  # Wav2Vec2FeatureExtractor norm
    param = next(encoder.parameters())
    was_training = encoder.training
    encoder.eval()  # in train mode LayerDrop skips whole layers at random (wav2vec2-base: 10 %)
    try:
        out = encoder(x[None].to(param.device, param.dtype), output_hidden_states=True)
    finally:
        encoder.train(was_training)
    layers = encoder.config.num_hidden_layers  # hidden_states[0] is the CNN/position embedding
    if len(out.hidden_states) < layers:
        raise ValueError(f"wav2vec2 returned {len(out.hidden_states)} hidden states for {layers} layers")
    return torch.stack(out.hidden_states[-layers:], dim=0)[:, 0]


def resample_frames(layers: torch.Tensor, num_frames: int) -> torch.Tensor:
    """(L, T_a, C) at 50 Hz -> (num_frames, L, C) by linear interpolation along time."""
    lt = layers.permute(0, 2, 1).float()  # (L, C, T_a)
    lt = F.interpolate(lt, size=num_frames, mode="linear", align_corners=True)
    return lt.permute(2, 0, 1)


def frame_windows(per_frame: torch.Tensor, window: int) -> torch.Tensor:
    """(f, L, C) -> (f, 2w+1, L, C): each frame with its w neighbours each side (edges repeat)."""
    f = per_frame.shape[0]
    idx = torch.arange(f)[:, None] + torch.arange(-window, window + 1)[None]
    return per_frame[idx.clamp(0, f - 1)]


def clip_audio_features(encoder: nn.Module, samples: np.ndarray, sample_rate: int, fps: float,
                        first_frame: int, num_frames: int, window: int) -> torch.Tensor:
    """Windows for frames [first_frame, first_frame + num_frames) of a whole track.

    Only the clip's audio (plus a margin) runs through wav2vec2, so memory stays flat with the
    track's length; past the end of the track is silence. Returns (num_frames, 2w+1, L, C).
    """
    if sample_rate != WAV2VEC_RATE:
        raise ValueError(f"wav2vec2 needs {WAV2VEC_RATE} Hz audio, got {sample_rate} Hz")
    pad = window + int(np.ceil(MARGIN_S * fps))
    lo, hi = first_frame - pad, first_frame + num_frames + pad
    a, b = round(lo / fps * sample_rate), round(hi / fps * sample_rate)
    seg = np.zeros(b - a, np.float32)
    src = np.asarray(samples, np.float32)[max(a, 0):max(min(b, len(samples)), 0)]
    seg[max(-a, 0):max(-a, 0) + len(src)] = src
    per_frame = resample_frames(wav2vec_layers(encoder, torch.from_numpy(seg)), hi - lo)
    return frame_windows(per_frame, window)[pad:pad + num_frames]


class AudioProjModel(ModelMixin, ConfigMixin):
    """Windowed wav2vec2 features -> audio tokens (hallo's AudioProjModel, same sizes).

    forward: (B, f, 2w+1, L, C) -> (B, f, N_a, C_a).
    """

    @register_to_config
    def __init__(self, seq_len: int = 5, blocks: int = 12, channels: int = 768,
                 intermediate_dim: int = 512, output_dim: int = 768, context_tokens: int = 32):
        super().__init__()
        self.proj1 = nn.Linear(seq_len * blocks * channels, intermediate_dim)
        self.proj2 = nn.Linear(intermediate_dim, intermediate_dim)
        self.proj3 = nn.Linear(intermediate_dim, context_tokens * output_dim)
        self.norm = nn.LayerNorm(output_dim)

    @property
    def window(self) -> int:
        return (self.config.seq_len - 1) // 2

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        b, f = features.shape[:2]
        x = features.reshape(b * f, -1)
        x = torch.relu(self.proj1(x))
        x = torch.relu(self.proj2(x))
        x = self.proj3(x).reshape(b, f, self.config.context_tokens, self.config.output_dim)
        return self.norm(x)
