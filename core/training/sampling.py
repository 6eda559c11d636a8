"""Which clips a training batch holds, and what each may teach (MoEE Sec. 3.4).

Stage 1: any clip, MoE switched off (all gates 0: the backbone learns lips, identity, motion).
Stage 2, as in the paper:
- an expert is trained on single-emotion clips with a one-hot global gate override, so the
  emotion latent reaches that expert only ("latents bypass the other experts");
- the gates are trained on compound clips, with no override: the MoE's own gates run and a gate
  loss pulls them toward the compound preset's weights (losses.gate_loss);
- masked noisy emotion sampling: with probability `noise_rate` the clip drawn for an expert is
  swapped for one of another emotion or a neutral clip (its own label's gates, zeros for
  neutral), and the mouth box is removed from the loss (with probability `mouth_mask_rate`) so
  experts learn expression, not lip shape, which stage 1 already learned from the audio.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.emotions import EMOTIONS, NUM_EXPERTS
from core.training.data import ClipDataset, collate
from core.training.tuning import TUNING


@dataclass
class SamplingConfig:
    stage: int = 2                                  # 1: all clips, MoE off; 2: expert/gate draws
    noise_rate: float = TUNING["noise_rate"]        # share of expert draws swapped (noisy)
    neutral_share: float = TUNING["neutral_share"]  # of the swaps, share that are neutral clips
    mouth_mask_rate: float = 1.0                    # stage-2 draws whose mouth is masked in the loss
    compound_rate: float | None = None              # share of gate (compound) draws; None: data share


@dataclass
class Draw:
    index: int                      # clip index in the dataset
    g_override: np.ndarray | None   # (6,) global gates forced on the MoE, or None (gates run)
    noisy: bool = False             # swapped for another emotion / neutral
    mask_mouth: bool = False        # mouth box removed from the loss


class EmotionSampler:
    def __init__(self, dataset: ClipDataset, config: SamplingConfig | None = None, seed: int = 0):
        self.ds, self.cfg = dataset, config or SamplingConfig()
        self.rng = np.random.default_rng(seed)
        self.by_emotion = {e: dataset.indices(kind="single", emotion=e) for e in EMOTIONS}
        self.experts = [e for e in EMOTIONS if self.by_emotion[e]]
        self.neutral = dataset.indices(kind="neutral")
        self.compound = dataset.indices(kind="compound")

    def draw(self) -> Draw:
        if self.cfg.stage == 1:
            return Draw(int(self.rng.integers(len(self.ds))), np.zeros(NUM_EXPERTS, np.float32))
        rate = self.cfg.compound_rate
        if rate is None:
            rate = len(self.compound) / max(1, len(self.compound) + sum(map(len, self.by_emotion.values())))
        if self.compound and (not self.experts or self.rng.random() < rate):
            return Draw(int(self.rng.choice(self.compound)), None, mask_mouth=self._mask())
        return self._expert_draw()

    def _expert_draw(self) -> Draw:
        expert = self.experts[int(self.rng.integers(len(self.experts)))]
        if self.rng.random() < self.cfg.noise_rate:
            noisy = self._noise_clip(expert)
            if noisy is not None:
                return Draw(noisy, self._own_gates(noisy), noisy=True, mask_mouth=self._mask())
        idx = int(self.rng.choice(self.by_emotion[expert]))
        return Draw(idx, self._own_gates(idx), mask_mouth=self._mask())

    def _noise_clip(self, expert: str) -> int | None:
        others = [i for e in self.experts if e != expert for i in self.by_emotion[e]]
        use_neutral = self.neutral and (not others or self.rng.random() < self.cfg.neutral_share)
        pool = self.neutral if use_neutral else others
        return int(self.rng.choice(pool)) if pool else None

    def _own_gates(self, index: int) -> np.ndarray:
        return self.ds.clips[index].meta.gates  # one-hot, or zeros for neutral

    def _mask(self) -> bool:
        return bool(self.rng.random() < self.cfg.mouth_mask_rate)

    def batch(self, size: int) -> tuple[dict, list[Draw]]:
        """One batch of one kind: all expert draws (gates forced) or all gate (compound) draws."""
        first = self.draw()
        gates_run = first.g_override is None
        rest = [self.draw() if self.cfg.stage == 1 else
                Draw(int(self.rng.choice(self.compound)), None, mask_mouth=self._mask()) if gates_run
                else self._expert_draw() for _ in range(size - 1)]
        draws = [first, *rest]
        return make_batch(self.ds, draws, self.rng), draws


def make_batch(ds: ClipDataset, draws: list[Draw], rng: np.random.Generator) -> dict:
    """Collated windows plus: loss_mask (B, F, 1, R, R), g_override (B, 6), use_override (B,)."""
    batch = collate([ds.window(d.index, rng) for d in draws])
    mouth = batch["mouth_mask"]
    keep = torch.tensor([d.mask_mouth for d in draws], dtype=mouth.dtype).view(-1, 1, 1, 1, 1)
    batch["loss_mask"] = 1.0 - mouth * keep
    batch["use_override"] = torch.tensor([d.g_override is not None for d in draws])
    batch["g_override"] = torch.stack([
        torch.from_numpy(np.asarray(d.g_override, np.float32)) if d.g_override is not None
        else torch.zeros(NUM_EXPERTS) for d in draws])
    batch["noisy"] = torch.tensor([d.noisy for d in draws])
    return batch
