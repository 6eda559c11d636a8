"""A tiny stand-in for the diffusion engine that honours core.training.model.TrainModel: a frozen
4x VAE, a conv "ReferenceNet", a conv "U-Net" with an EmotionMoE over its spatial tokens
(cross-attention experts on the emotion latent, zero-init output as in the engine) and a small
Emotion-to-Latents. The trainer's contract is tested on it; the engine adapter on the real parts."""
from __future__ import annotations

import torch
from torch import nn

from core.latents.module import EmotionToLatents, LatentsConfig
from core.moe import EmotionMoE
from core.training.model import Prediction

C, DIM, D = 4, 16, 16


class CrossExpert(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(DIM, 2, kdim=D, vdim=D, batch_first=True)
        self.out = nn.Linear(DIM, DIM)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, context):
        return self.out(self.attn(x, context, context, need_weights=False)[0])


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(C, DIM, 3, padding=1)
        self.audio = nn.Linear(1, DIM)   # "audio attention": per-frame energy
        self.temporal = nn.Conv1d(DIM, DIM, 3, padding=1)
        self.time = nn.Embedding(1000, DIM)
        self.moe = EmotionMoE(DIM, [CrossExpert() for _ in range(6)])
        self.conv_out = nn.Conv2d(DIM, C, 3, padding=1)


class TinyModel(nn.Module):
    prediction_type = "epsilon"

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.vae_enc = nn.Conv2d(3, C, 4, stride=4)
        self.vae_dec = nn.ConvTranspose2d(C, 3, 4, stride=4)
        self.reference_net = nn.Conv2d(C, DIM, 3, padding=1)
        self.unet = TinyUNet()
        self.latents = EmotionToLatents(LatentsConfig(latent_dim=D, num_tokens=2, num_embeddings=4,
                                                      num_heads=2, hidden=16, text_dim=8))
        self.vae = nn.ModuleDict({"enc": self.vae_enc, "dec": self.vae_dec})

    def parts(self):
        return {"reference_net": self.reference_net, "unet": self.unet, "latents": self.latents,
                "vae": self.vae}

    def encode(self, frames):
        b, f = frames.shape[:2]
        z = self.vae_enc(frames.flatten(0, 1))
        return z.view(b, f, *z.shape[1:])

    def decode(self, latents):
        b, f = latents.shape[:2]
        x = self.vae_dec(latents.flatten(0, 1))
        return x.view(b, f, *x.shape[1:])

    def predict(self, noisy, t, batch, g_override):
        b, f, c, h, w = noisy.shape
        u = self.unet
        ref = self.reference_net(self.encode(batch["reference"][:, None])[:, 0])  # (B, DIM, h, w)
        x = u.conv_in(noisy.flatten(0, 1)).view(b, f, DIM, h, w) + ref[:, None]
        x = x + u.audio(batch["energy"][..., None])[..., None, None] + u.time(t)[:, None, :, None, None]
        tok = x.permute(0, 3, 4, 1, 2).reshape(b * h * w, f, DIM)
        tok = tok + u.temporal(tok.transpose(1, 2)).transpose(1, 2)
        x = tok.view(b, h * w, f, DIM).permute(0, 2, 1, 3).reshape(b, f * h * w, DIM)
        z, _, _ = self.latents({"label": batch["label"], "au": batch["aus"]})
        out = u.moe(x, g_override=g_override, context=z)
        y = out.hidden.view(b, f, h, w, DIM).permute(0, 1, 4, 2, 3).flatten(0, 1)
        return Prediction(u.conv_out(y).view(b, f, c, h, w), out.g)
