"""Optional audio-emotion encoder from a local folder (wav2vec2 / emotion2vec exported to transformers).

Layout of models/audio_emotion/:
    config.json, model.safetensors (or pytorch_model.bin)  a transformers Wav2Vec2Model
    preprocessor_config.json                               optional (feature normalisation)
    head.safetensors                                       weight (7, hidden), bias (7,)
The head maps the time-averaged last hidden state to six emotions + neutral (softmax).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from core.audio.io import SAMPLE_RATE
from core.errors import CheckpointError

NUM_OUT = 7  # six emotions (paper order) + neutral


@dataclass
class AudioEmotionModel:
    encoder: torch.nn.Module
    weight: torch.Tensor  # (7, hidden)
    bias: torch.Tensor    # (7,)
    sample_rate: int = SAMPLE_RATE
    normalize: bool = True

    @torch.inference_mode()
    def predict(self, track) -> tuple[np.ndarray, float]:
        """AudioTrack at 16 kHz -> (six scores, neutral score); averages 20 s windows."""
        if track.sample_rate != self.sample_rate:
            raise CheckpointError(f"the audio-emotion model wants {self.sample_rate} Hz audio, "
                                  f"got {track.sample_rate} Hz")
        x = torch.from_numpy(np.asarray(track.samples, np.float32))
        if self.normalize:
            x = (x - x.mean()) / (x.std() + 1e-7)
        win = 20 * self.sample_rate
        pooled = [self.encoder(x[i:i + win][None]).last_hidden_state.mean(1)
                  for i in range(0, max(len(x) - 400, 1), win)]
        probs = torch.softmax(torch.cat(pooled).mean(0) @ self.weight.T + self.bias, -1).numpy()
        return probs[:6].astype(np.float32), float(probs[6])


def _missing(folder: Path) -> list[str]:
    need = []
    if not (folder / "config.json").is_file():
        need.append("config.json")
    if not any((folder / n).is_file() for n in ("model.safetensors", "pytorch_model.bin")):
        need.append("model.safetensors")
    if not (folder / "head.safetensors").is_file():
        need.append("head.safetensors")
    return need


@lru_cache(maxsize=2)
def load_audio_emotion_model(folder: str | Path) -> AudioEmotionModel:
    folder = Path(folder)
    missing = _missing(folder)
    if missing:
        raise CheckpointError(
            f"the audio-emotion folder {folder} is incomplete: missing {', '.join(missing)}; "
            "it needs a transformers Wav2Vec2 model plus head.safetensors (weight (7, hidden), "
            "bias (7,)), or remove the folder to use the built-in prosody estimator")
    from safetensors.torch import load_file
    from transformers import Wav2Vec2Model

    from core.model_files import pretrained

    try:
        encoder = pretrained(Wav2Vec2Model)(folder, local_files_only=True).eval()
        head = load_file(str(folder / "head.safetensors"))
        weight, bias = head["weight"].float(), head["bias"].float()
    except Exception as exc:  # noqa: BLE001 - a damaged file fails anywhere in transformers/safetensors
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise CheckpointError(f"cannot load the audio-emotion model in {folder}: {first}") from None
    if weight.shape != (NUM_OUT, encoder.config.hidden_size) or bias.shape != (NUM_OUT,):
        raise CheckpointError(
            f"head.safetensors in {folder} has weight {tuple(weight.shape)}, expected "
            f"({NUM_OUT}, {encoder.config.hidden_size}) for six emotions + neutral")
    return AudioEmotionModel(encoder, weight, bias)
