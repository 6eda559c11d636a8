"""The one entry point for emotion conditions: EmotionMix (+ audio) -> gates, AUs and latent.

Used by the rig, the diffusion engine, the GUI's prompt box and `main.py mix`.

Rules (resolve_condition):
- suggested gates: the module's head on each given condition (prompt, label, emotion from
  audio), averaged when there are several; a label's reading is scaled so its strongest gate
  is 1 (a label names emotions, not an intensity: LABEL_FULL_FROM); a prompt far from every
  emotion keeps its reading and the condition's `note` says it is a guess, and one with no word
  at all is read as the label 'neutral' (core/latents/no_emotion.py);
- gates: hand-set or suggested as core/gate_choice.py decides; suggested gates are taken in
  the mix's mode, times `mix.intensity`;
- AU intensities: the expert AU table on the gates (core.expression). When the gates are the
  suggested ones, that is averaged with the head's own AU reading (scaled by the intensity),
  so a prompt's AU picture is the module's; the user's AU toggles (`au_overrides`) always
  set their AUs last;
- latent (1, T, D): the module's attention output for all conditions given, the AU toggles
  included as the AU-vector condition (also when hand gates decide g); with no condition at
  all, the label branch of the hand gates ('neutral' for none).
"""
from __future__ import annotations

import json
import threading
import warnings
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from core.emotions import AU_INDEX, AU_NUMBERS, NUM_AUS
from core.errors import CheckpointError, MoeeWarning
from core.expression import apply_au_overrides, au_vector_from_gates
from core.gate_choice import gate_source
from core.latents.emoji import spell_emoji
from core.latents.label import label_vector
from core.latents.module import EmotionToLatents
from core.latents.no_emotion import EmotionContent, EmotionVocabulary
from core.latents.text import MINILM, TextEncoder, load_text_encoder, text_features
from core.mix import EmotionMix
from core.paths import models_dir, resource

DEFAULT_WEIGHTS = resource("latents", "emotion_to_latents")
# A user's own module trained on a T5 encoder (scripts/train_latents.py --text-encoder ...).
USER_WEIGHTS = models_dir() / "emotion_to_latents"
USER_T5 = models_dir() / "text_encoder" / "t5"


@dataclass
class Condition:
    gates: np.ndarray                   # (6,) effective global gates g
    aus: dict[int, float]               # AU number -> intensity (zeros left out)
    latent: torch.Tensor                # (1, T, D) emotion latent for the experts
    suggested_gates: np.ndarray | None  # (6,) what prompt/label/audio suggest; None if none given
    source: str                         # "hand", "prompt", "label", "audio", "prompt+audio", ...
    note: str | None = None             # why a condition was not read as given (no emotion)


class LatentsRuntime:
    """A loaded module and its text encoder; `get_runtime()` keeps one per process."""

    def __init__(self, model: EmotionToLatents, encoder: TextEncoder):
        if encoder.dim != model.config.text_dim:
            raise CheckpointError(
                f"Emotion-to-Latents weights expect a {model.config.text_dim}-wide text encoder "
                f"({model.config.text_encoder}), got {encoder.name} ({encoder.dim})")
        self.model, self.encoder = model, encoder
        self.lock = threading.Lock()  # the GUI's prompt box and a render worker may share it
        self._text_cache = lru_cache(maxsize=512)(self._text_query)
        self.vocabulary = EmotionVocabulary(encoder)
        self._content_cache = lru_cache(maxsize=512)(self.vocabulary.content)

    @classmethod
    def load(cls, weights: str | Path | None = None, text_encoder: str | Path | None = None):
        return cls(EmotionToLatents.from_pretrained(weights or DEFAULT_WEIGHTS),
                   load_text_encoder(text_encoder))

    @torch.inference_mode()
    def _text_query(self, text: str) -> torch.Tensor:
        return self.model.query("text", text_features(self.encoder, [text]))

    @torch.inference_mode()
    def query(self, modality: str, value) -> torch.Tensor:
        """One condition -> its projected query (1, D). value: text, label name or vector."""
        if modality == "text":
            with self.lock:
                return self._text_cache(spell_emoji(str(value)))
        if modality == "label" and isinstance(value, str):
            value = label_vector(value)
        x = torch.as_tensor(np.asarray(value, np.float32)).reshape(1, -1)
        return self.model.query(modality, x)

    @torch.inference_mode()
    def content(self, text: str) -> EmotionContent:
        """How near a prompt is to the emotion vocabulary (no_emotion.py)."""
        with self.lock:
            return self._content_cache(spell_emoji(str(text)))

    def prompt_query(self, text: str) -> tuple[torch.Tensor, str | None]:
        """A prompt's query (1, D) and note: the label 'neutral' for text with no word to read
        an emotion from (no_emotion.py)."""
        content = self.content(text)
        query = self.query("label", "neutral") if content.neutral else self.query("text", text)
        return query, content.note(text)

    @torch.inference_mode()
    def read(self, queries: list[torch.Tensor]) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
        """Queries (each (1, D)) -> latent (1, T, D), gates (6,), AUs (NUM_AUS,)."""
        z = self.model.latent(torch.stack(queries).mean(0))
        gates, aus = self.model.read_head(z)
        return z, gates[0].numpy(), aus[0].numpy()

    @torch.inference_mode()
    def suggest_texts(self, texts: list[str]) -> np.ndarray:
        """Batch of prompts -> suggested gates (N, 6) (evaluation path); zeros where a prompt
        has no word to read an emotion from, as the label 'neutral' reads."""
        x = text_features(self.encoder, [spell_emoji(t) for t in texts])
        gates = self.model.read_head(self.model.latent(self.model.query("text", x)))[0].numpy()
        gates[[self.content(t).neutral for t in texts]] = 0.0
        return gates


_RUNTIME: LatentsRuntime | None = None
_RUNTIME_LOCK = threading.Lock()


def get_runtime() -> LatentsRuntime:
    """The process-wide module: loads the encoder once (a user T5 module when both are present)."""
    global _RUNTIME
    with _RUNTIME_LOCK:
        if _RUNTIME is None:
            _RUNTIME = LatentsRuntime.load(*_pick_weights())
        return _RUNTIME


def _pick_weights() -> tuple[Path, Path | None]:
    """models/emotion_to_latents (with models/text_encoder/t5 when trained on T5) beats the
    shipped MiniLM module; a T5-trained module without its encoder falls back, with a warning."""
    cfg = USER_WEIGHTS / "config.json"
    if not cfg.is_file():
        return DEFAULT_WEIGHTS, None
    from core.model_files import loading

    with loading("Emotion-to-Latents module", USER_WEIGHTS):
        encoder = json.loads(cfg.read_text(encoding="utf-8")).get("text_encoder", MINILM)
    if encoder == MINILM:
        return USER_WEIGHTS, None
    if USER_T5.is_dir():
        return USER_WEIGHTS, USER_T5
    warnings.warn(f"{USER_WEIGHTS} was trained on {encoder} but {USER_T5} is missing; using the "
                  "shipped MiniLM Emotion-to-Latents", MoeeWarning, stacklevel=3)
    return DEFAULT_WEIGHTS, None


def read_prompt(text: str) -> tuple[np.ndarray, str | None]:
    """Prompt -> suggested gates (6,) in [0, 1] and a note when it names no emotion (the GUI's
    prompt box shows it); zeros and no note for empty text."""
    if not text.strip():
        return np.zeros(6, np.float32), None
    rt = get_runtime()
    query, note = rt.prompt_query(text)
    return rt.read([query])[1], note


def suggest_from_text(text: str) -> np.ndarray:
    """Prompt -> suggested gates (6,) in [0, 1]; see read_prompt."""
    return read_prompt(text)[0]


def _condition_queries(rt: LatentsRuntime, mix: EmotionMix, audio_scores
                       ) -> tuple[dict[str, torch.Tensor], str | None]:
    out, note = {}, None
    if mix.prompt.strip():
        out["prompt"], note = rt.prompt_query(mix.prompt)
    if mix.label.strip():
        out["label"] = rt.query("label", mix.label)
    if audio_scores is not None:
        out["audio"] = rt.query("audio", audio_scores)
    return out, note


def _audio_scores(audio, emotion_from_audio: bool):
    return audio_scores_of(audio) if audio is not None and emotion_from_audio else None


def audio_scores_of(audio) -> np.ndarray:
    """The audio branch's input for a whole track (six emotion scores + calm), once per take."""
    from core.latents.audio_emotion import estimate_audio_emotion

    return estimate_audio_emotion(audio).as_input()


def resolve_condition(mix: EmotionMix, audio=None, emotion_from_audio: bool = False,
                      audio_scores: np.ndarray | None = None) -> Condition:
    """See the module docstring for the rules. audio: an AudioTrack (core.audio.io);
    audio_scores: its audio-emotion estimate when already computed (`audio_scores_of`)."""
    rt = get_runtime()
    if audio_scores is None:
        audio_scores = _audio_scores(audio, emotion_from_audio)
    conds, note = _condition_queries(rt, mix, audio_scores)
    suggested, head_aus = None, None
    if conds:
        per = []
        for name, q in conds.items():
            gates, aus = rt.read([q])[1:]
            per.append(_full_label(gates, aus) if name == "label" else (gates, aus))
        suggested = np.mean([p[0] for p in per], 0).astype(np.float32)
        head_aus = np.mean([p[1] for p in per], 0).astype(np.float32)
    if gate_source(mix, suggested is not None) == "hand":
        gates, source, head_aus = mix.gates(), "hand", None
    else:
        gates, source = replace(mix, weights=tuple(suggested)).gates(), "+".join(conds)
    au_vec = au_vector_from_gates(gates)
    if head_aus is not None:
        au_vec = 0.5 * (au_vec + np.clip(head_aus * mix.intensity, 0, 1))
    au_vec = apply_au_overrides(au_vec, mix.au_overrides)
    aus = {au: round(float(v), 4) for au, v in zip(AU_NUMBERS, au_vec) if v > 0.005}
    latent = _latent(rt, conds, mix, gates if source == "hand" else None)
    return Condition(gates.astype(np.float32), aus, latent, suggested, source, note)


# A label names its emotions, not how strongly: the head learned a compound label's gates as
# the preset's shares (0.55 + 0.45), half strength each, while the palette's preset and
# `--mix "sadly surprised"` set the head emotion at 1 (CompoundPreset.gates). Its reading is
# scaled so the strongest gate is 1, unless it is below this (the label 'neutral' reads ~0).
LABEL_FULL_FROM = 0.2


def _full_label(gates: np.ndarray, aus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    top = float(gates.max())
    if top < LABEL_FULL_FROM:
        return gates, aus
    return np.clip(gates / top, 0, 1), np.clip(aus / top, 0, 1)


def _latent(rt: LatentsRuntime, conds: dict[str, torch.Tensor], mix: EmotionMix,
            hand_gates: np.ndarray | None) -> torch.Tensor:
    """The given conditions (prompt, label, audio, AU toggles) make the latent even when the
    sliders decide the gates: the experts attend to what the user described (MoEE Sec. 3.3).
    Hand gates enter as a label-branch vector only when nothing else is given."""
    queries = list(conds.values())
    if not queries:
        g = mix.gates() if hand_gates is None else hand_gates
        queries.append(rt.query("label", np.append(np.clip(g, 0, 1), np.float32(g.sum() == 0))))
    if mix.au_overrides:
        vec = np.zeros(NUM_AUS, np.float32)
        for au, v in mix.au_overrides.items():
            vec[AU_INDEX[au]] = v
        queries.append(rt.query("au", vec))
    return rt.read(queries)[0].clone()


def resolved_mix(mix: EmotionMix, condition: Condition) -> EmotionMix:
    """The mix an engine renders: the condition's gates as free-mode weights at intensity 1,
    the user's AU toggles and local gates kept (engines apply those themselves)."""
    return replace(mix, weights=tuple(float(x) for x in condition.gates), mode="free",
                   intensity=1.0, gate_override=True)
