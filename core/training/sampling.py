"""Which clips a training batch holds, and what each may teach (MoEE Sec. 3.4).

Stage 1: any clip, MoE switched off (all gates 0: the backbone learns lips, identity, motion).
Stage 2, as in the paper:
- an expert is trained on single-emotion clips with a one-hot global gate override, so the
  emotion latent reaches that expert only ("latents bypass the other experts");
- the gates are trained on compound clips, with no override: the MoE's own softmax gates run
  and a gate loss pulls them toward the compound preset's weights (losses.gate_loss);
- masked noisy emotion sampling: with probability `noise_rate` the clip drawn *for expert e*
  is one of another emotion or a neutral face (noise in the emotion condition, more person
  IDs). It still trains expert e: g = one-hot(e) and the condition is e's label, so every such
  draw has a gradient into e. With probability `mouth_mask_rate` the mouth is hidden from the
  frame the model is conditioned on (the reference) and from the loss, so experts learn
  expression, not lip shape, which stage 1 already learned from the audio;
- the reference frame comes, with probability `cross_reference_rate`, from another clip of the
  same person (the metadata's `person` column), as the portrait at render time is not a frame
  of the take.
Both stages drop the audio and the emotion condition at `audio_drop_rate` / `emotion_drop_rate`
(per sample), the null condition the pipeline's classifier-free guidance uses at render time.
g itself has one definition for training and rendering: core.diffusion.gates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.diffusion.gates import one_hot
from core.emotions import EMOTIONS, NUM_AUS, NUM_EXPERTS
from core.errors import InputError
from core.latents.label import label_vector
from core.training.data import ClipDataset, collate
from core.training.tuning import TUNING
from core.validate import counted


@dataclass
class SamplingConfig:
    stage: int = 2                                  # 1: all clips, MoE off; 2: expert/gate draws
    noise_rate: float = TUNING["noise_rate"]        # share of expert draws from other clips
    neutral_share: float = TUNING["neutral_share"]  # of those, share that are neutral clips
    mouth_mask_rate: float = 1.0                    # stage-2 draws with the mouth hidden
    compound_rate: float | None = None              # share of gate (compound) draws; None: data share
    cross_reference_rate: float = TUNING["cross_reference_rate"]  # reference from another clip
    audio_drop_rate: float = TUNING["audio_drop_rate"]      # CFG: audio condition dropped
    emotion_drop_rate: float = TUNING["emotion_drop_rate"]  # CFG: emotion condition dropped


@dataclass
class Draw:
    index: int                      # clip whose frames and audio the model learns
    g_override: np.ndarray | None   # (6,) global gates forced on the MoE, or None (gates run)
    expert: str | None = None       # the expert an expert draw trains
    noisy: bool = False             # another emotion's or a neutral clip, drawn for `expert`
    mask_mouth: bool = False        # mouth hidden in the reference frame and in the loss
    reference: int | None = None    # clip the reference frame comes from (None: this clip)
    drop_audio: bool = False        # classifier-free guidance: no audio condition
    drop_emotion: bool = False      # classifier-free guidance: no emotion condition


def training_gates(expert: str | None) -> np.ndarray | None:
    """g of a stage-2 draw: one-hot for an expert draw, None (the softmax gate) for a gate draw."""
    return None if expert is None else one_hot(expert)


def experts_without_clips(dataset: ClipDataset) -> list[str]:
    """The experts no single-emotion clip of `dataset` is labelled for, in EMOTIONS' order."""
    return [e for e in EMOTIONS if not dataset.indices(kind="single", emotion=e)]


def expert_coverage_warning(dataset: ClipDataset) -> str | None:
    """Stage 2 on clips labelled for only some of the six experts trains only those: an expert
    draw's g is one-hot, and EmotionMoE skips an expert whose gate is 0, so the others get no
    gradient (AdamW leaves them as they are). Only the compound clips' softmax gates reach
    them. None when every expert has clips, or when none has and no compound clip is there
    either (EmotionSampler refuses that)."""
    missing = experts_without_clips(dataset)
    compound = len(dataset.indices(kind="compound"))
    if not missing or (len(missing) == len(EMOTIONS) and not compound):
        return None
    one = len(missing) == 1
    names = missing[0] if one else f"{', '.join(missing[:-1])} or {missing[-1]}"
    them, their = ("this expert", "its") if one else (f"these {len(missing)} experts", "their")
    change = (f"{their} weights will not change in this run" if not compound else
              f"{their} weights change only through the softmax gates on the "
              f"{counted(compound, 'compound clip')}, never trained as {their} emotion's expert")
    return (f"stage 2: no training clip is labelled {names}, so {them} "
            f"{'gets' if one else 'get'} no clips of {their} own and {change}; add clips "
            f"labelled so (`main.py prepare`) to train {'it' if one else 'them'}")


class EmotionSampler:
    def __init__(self, dataset: ClipDataset, config: SamplingConfig | None = None, seed: int = 0):
        self.ds, self.cfg = dataset, config or SamplingConfig()
        self.rng = np.random.default_rng(seed)
        self.by_emotion = {e: dataset.indices(kind="single", emotion=e) for e in EMOTIONS}
        self.experts = [e for e in EMOTIONS if self.by_emotion[e]]
        self.neutral = dataset.indices(kind="neutral")
        self.compound = dataset.indices(kind="compound")
        if self.cfg.stage == 2 and not self.experts and not self.compound:
            raise InputError(f"stage 2 trains the emotion experts and their gates, and the "
                             f"training clips ({counted(len(dataset), 'clip')}) are all "
                             "neutral: none is labelled with an emotion for an expert or with "
                             "a compound for the gates; add such clips (`main.py prepare`), or "
                             "train stage 1 on these")

    def draw(self) -> Draw:
        if self.cfg.stage == 1:
            d = Draw(int(self.rng.integers(len(self.ds))), np.zeros(NUM_EXPERTS, np.float32))
            return self._finish(d)
        rate = self.cfg.compound_rate
        if rate is None:
            rate = len(self.compound) / max(1, len(self.compound) + sum(map(len, self.by_emotion.values())))
        if self.compound and (not self.experts or self.rng.random() < rate):
            return self._gate_draw()
        return self._expert_draw()

    def _gate_draw(self) -> Draw:
        return self._finish(Draw(int(self.rng.choice(self.compound)), training_gates(None),
                                 mask_mouth=self._mask()))

    def _expert_draw(self) -> Draw:
        expert = self.experts[int(self.rng.integers(len(self.experts)))]
        idx, noisy = None, False
        if self.rng.random() < self.cfg.noise_rate:
            idx = self._noise_clip(expert)
            noisy = idx is not None
        if idx is None:
            idx = int(self.rng.choice(self.by_emotion[expert]))
        return self._finish(Draw(idx, training_gates(expert), expert=expert, noisy=noisy,
                                 mask_mouth=self._mask()))

    def _noise_clip(self, expert: str) -> int | None:
        others = [i for e in self.experts if e != expert for i in self.by_emotion[e]]
        use_neutral = self.neutral and (not others or self.rng.random() < self.cfg.neutral_share)
        pool = self.neutral if use_neutral else others
        return int(self.rng.choice(pool)) if pool else None

    def _finish(self, d: Draw) -> Draw:
        """Reference clip and classifier-free-guidance drops, drawn for every kind of draw."""
        same_person = self.ds.same_person(d.index)
        if same_person and self.rng.random() < self.cfg.cross_reference_rate:
            d.reference = int(self.rng.choice(same_person))
        d.drop_audio = bool(self.rng.random() < self.cfg.audio_drop_rate)
        d.drop_emotion = self.cfg.stage == 2 and bool(self.rng.random() < self.cfg.emotion_drop_rate)
        return d

    def _mask(self) -> bool:
        return bool(self.rng.random() < self.cfg.mouth_mask_rate)

    def batch(self, size: int) -> tuple[dict, list[Draw]]:
        """One batch of one kind: all expert draws (gates forced) or all gate (compound) draws."""
        first = self.draw()
        gates_run = first.g_override is None
        rest = [self.draw() if self.cfg.stage == 1 else
                self._gate_draw() if gates_run else self._expert_draw() for _ in range(size - 1)]
        draws = [first, *rest]
        return make_batch(self.ds, draws, self.rng), draws


def make_batch(ds: ClipDataset, draws: list[Draw], rng: np.random.Generator) -> dict:
    """Collated windows plus: loss_mask (B, F, 1, R, R), g_override (B, 6), use_override (B,),
    audio_scale / emotion_scale (B,) (0 = dropped for guidance), noisy (B,). The reference's mouth
    is filled with mid-grey (0 in [-1, 1]) where the draw masks it; a noisy draw's condition is
    its expert's label (no AU or text of the clip it borrowed)."""
    items = [ds.window(d.index, rng, reference_from=d.reference) for d in draws]
    for d, it in zip(draws, items):
        if d.mask_mouth:
            it["reference"] = it["reference"] * (1.0 - it["reference_mouth"])
        if d.noisy:
            it["label"] = torch.from_numpy(label_vector(d.expert))
            it["aus"] = torch.zeros(NUM_AUS)
            it["text"] = ""
    batch = collate(items)
    mouth = batch["mouth_mask"]
    keep = torch.tensor([d.mask_mouth for d in draws], dtype=mouth.dtype).view(-1, 1, 1, 1, 1)
    batch["loss_mask"] = 1.0 - mouth * keep
    batch["use_override"] = torch.tensor([d.g_override is not None for d in draws])
    batch["g_override"] = torch.stack([
        torch.from_numpy(np.asarray(d.g_override, np.float32)) if d.g_override is not None
        else torch.zeros(NUM_EXPERTS) for d in draws])
    batch["noisy"] = torch.tensor([d.noisy for d in draws])
    batch["audio_scale"] = torch.tensor([0.0 if d.drop_audio else 1.0 for d in draws])
    batch["emotion_scale"] = torch.tensor([0.0 if d.drop_emotion else 1.0 for d in draws])
    return batch
