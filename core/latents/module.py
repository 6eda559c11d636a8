"""Emotion-to-Latents (MoEE, CVPR 2025, Sec. 3.3): conditions -> emotion latent tokens + a gate head.

Each modality has its own encoder (text: MiniLM/T5 + cues; label: a 2-layer MLP as in the
paper; AU vector; audio emotion), an FC projection to one width D, and T learned query offsets.
The queries attend to M learnable embeddings (keys/values); the result is the emotion latent
z (B, T, D) that the MoE experts of both engines consume (`emotion_dim` = D). A small head reads
suggested gates g_hat (six expert weights, 0..1, free mode) and AU intensities off z so the GUI
can show what a condition means.

Saved ConfigMixin-style: config.json (the dataclass) + model.safetensors.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from torch import nn

from core.emotions import NUM_AUS, NUM_EXPERTS
from core.errors import CheckpointError
from core.latents.cues import NUM_CUES

MODALITIES: tuple[str, ...] = ("text", "label", "au", "audio")
LABEL_DIM = NUM_EXPERTS + 1  # six preset weights + a neutral flag
AUDIO_DIM = NUM_EXPERTS + 1  # six audio-emotion scores + a neutral (calm speech) score


@dataclass
class LatentsConfig:
    text_encoder: str = "all-MiniLM-L6-v2"  # name of the text encoder the weights were trained on
    text_dim: int = 384          # sentence embedding width of that encoder
    latent_dim: int = 256        # D: width of the emotion latent (the experts' emotion_dim)
    num_tokens: int = 8          # T: latent tokens per condition
    num_embeddings: int = 32     # M: learnable key/value embeddings
    num_heads: int = 4           # attention heads of the query->embedding attention
    hidden: int = 256            # width of the modality MLPs and the gate head
    dropout: float = 0.1         # on the text features during training

    @property
    def text_in(self) -> int:
        return 3 * self.text_dim + NUM_CUES  # full, affirmed, negated embeddings + cues


def _mlp(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.GELU(), nn.Linear(hidden, d_out))


class EmotionToLatents(nn.Module):
    def __init__(self, config: LatentsConfig | None = None):
        super().__init__()
        self.config = c = config or LatentsConfig()
        self.proj = nn.ModuleDict({
            "text": nn.Sequential(nn.Dropout(c.dropout), _mlp(c.text_in, c.hidden, c.latent_dim)),
            "label": _mlp(LABEL_DIM, c.hidden // 2, c.latent_dim),
            "au": _mlp(NUM_AUS, c.hidden // 2, c.latent_dim),
            "audio": _mlp(AUDIO_DIM, c.hidden // 2, c.latent_dim),
        })
        self.query_pos = nn.Parameter(torch.randn(c.num_tokens, c.latent_dim) * 0.02)
        self.embeddings = nn.Parameter(torch.randn(c.num_embeddings, c.latent_dim) * 0.02)
        self.attn = nn.MultiheadAttention(c.latent_dim, c.num_heads, batch_first=True)
        self.norm = nn.LayerNorm(c.latent_dim)
        self.head = _mlp(c.latent_dim, c.hidden // 2, NUM_EXPERTS + NUM_AUS)

    def query(self, modality: str, x: torch.Tensor) -> torch.Tensor:
        """x: (B, modality input) -> projected query (B, D)."""
        if modality not in self.proj:
            raise ValueError(f"unknown modality {modality!r}; expected one of {MODALITIES}")
        return self.proj[modality](x)

    def latent(self, q: torch.Tensor) -> torch.Tensor:
        """q: (B, D) -> emotion latent z (B, T, D): T queries attend to the M embeddings."""
        queries = q.unsqueeze(1) + self.query_pos.unsqueeze(0)
        kv = self.embeddings.unsqueeze(0).expand(q.shape[0], -1, -1)
        out, _ = self.attn(queries, kv, kv, need_weights=False)
        return self.norm(queries + out)

    def read_head(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z: (B, T, D) -> suggested gates (B, 6) and AU intensities (B, NUM_AUS), both in [0, 1]."""
        out = torch.sigmoid(self.head(z.mean(1)))
        return out[:, :NUM_EXPERTS], out[:, NUM_EXPERTS:]

    def forward(self, conditions: dict[str, torch.Tensor]):
        """conditions: modality -> (B, input); several are averaged in query space.
        Returns z (B, T, D), gates (B, 6), aus (B, NUM_AUS)."""
        qs = [self.query(m, x) for m, x in conditions.items()]
        if not qs:
            raise ValueError("no condition given")
        z = self.latent(torch.stack(qs).mean(0))
        gates, aus = self.read_head(z)
        return z, gates, aus

    # ----- ConfigMixin-style persistence
    def save_pretrained(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(asdict(self.config), indent=2) + "\n")
        state = {k: v.detach().to(torch.float16).contiguous() for k, v in self.state_dict().items()}
        save_file(state, str(folder / "model.safetensors"))

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> EmotionToLatents:
        from safetensors.torch import load_file

        folder = Path(folder)
        cfg_path, w_path = folder / "config.json", folder / "model.safetensors"
        if not cfg_path.is_file() or not w_path.is_file():
            raise CheckpointError(f"Emotion-to-Latents folder {folder} needs config.json and "
                                  "model.safetensors (train them with scripts/train_latents.py)")
        from core.model_files import loading

        known = {f.name for f in fields(LatentsConfig)}
        with loading("Emotion-to-Latents module", folder):
            raw = json.loads(cfg_path.read_text(encoding="utf-8"))
            cfg = LatentsConfig(**{k: v for k, v in raw.items() if k in known})
            model = cls(cfg)
            state = {k: v.float() for k, v in load_file(str(w_path)).items()}
        try:
            model.load_state_dict(state)
        except RuntimeError as exc:
            raise CheckpointError(f"Emotion-to-Latents weights in {folder} do not match their "
                                  f"config.json: {str(exc).splitlines()[0]}") from None
        return model.eval()
