"""The emotion latent of a training batch: Emotion-to-Latents on each clip's own condition.

Every clip has a label; many have AU intensities (the metadata's, or measured by prepare) and a
`text` description. At render time a user gives one of them or a few (core.latents.resolve
averages the given conditions' queries), so training shows the experts a random non-empty subset
of each clip's conditions per sample, averaged the same way: each available modality is kept with
probability `keep_rate`, and one is forced when none was kept. The text goes through the text
branch with the encoder the module was trained on (the bundled MiniLM, or models/text_encoder/t5
for a T5-trained module).
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from core.training.tuning import TUNING


class TextFeatures:
    """Prompts -> text-branch inputs (N, text_in), each distinct text encoded once."""

    def __init__(self, encoder_name: str, models_dir: str | Path | None = None):
        self.encoder_name, self.models_dir = encoder_name, models_dir
        self._encoder = None
        self._cache: dict[str, torch.Tensor] = {}

    def encoder(self):
        if self._encoder is None:
            from core.latents.text import MINILM, load_text_encoder

            path = None
            if self.encoder_name != MINILM:
                path = Path(self.models_dir or "models") / "text_encoder" / "t5"
            self._encoder = load_text_encoder(path)
        return self._encoder

    def __call__(self, texts: list[str]) -> torch.Tensor:
        from core.latents.text import text_features

        new = sorted({t for t in texts if t not in self._cache})
        if new:
            rows = text_features(self.encoder(), new)
            self._cache.update((t, r.clone()) for t, r in zip(new, rows))  # out of inference mode
        return torch.stack([self._cache[t] for t in texts])


def emotion_latent(module: nn.Module, batch: dict, text: TextFeatures | None,
                   keep_rate: float = TUNING["condition_keep_rate"]) -> torch.Tensor:
    """batch label (B, 7), aus (B, NUM_AUS), text (B strings) -> latent z (B, T, D)."""
    label = batch["label"].float()
    b, device = label.shape[0], label.device
    queries = [module.query("label", label)]
    avail = [torch.ones(b, dtype=torch.bool, device=device)]
    aus = batch["aus"].float()
    has_au = aus.abs().sum(-1) > 0
    if bool(has_au.any()):
        queries.append(module.query("au", aus))
        avail.append(has_au)
    texts = [str(t or "").strip() for t in batch.get("text", [""] * b)]
    has_text = torch.tensor([bool(t) for t in texts], device=device)
    if text is not None and bool(has_text.any()):
        idx = [i for i, t in enumerate(texts) if t]
        rows = text([texts[i] for i in idx]).to(device)
        feats = rows.new_zeros(b, rows.shape[1])
        feats[idx] = rows
        queries.append(module.query("text", feats))
        avail.append(has_text)
    a = torch.stack(avail).float()  # (M, B)
    keep = (torch.rand(a.shape, device=device) < keep_rate).float() * a
    forced = torch.zeros_like(a).scatter_(0, (torch.rand(a.shape, device=device) * a).argmax(0,
                                          keepdim=True), 1.0)
    w = torch.where(keep.sum(0, keepdim=True) > 0, keep, forced)
    q = (w[..., None] * torch.stack(queries)).sum(0) / w.sum(0)[:, None]
    return module.latent(q)
