from __future__ import annotations

import numpy as np
import pytest

from core.emotions import EMOTIONS
from core.training.data import ClipDataset
from core.training.sampling import EmotionSampler, SamplingConfig


@pytest.fixture(scope="module")
def dataset(prepared):
    return ClipDataset(prepared[0], split="train", n_frames=8, resolution=32)


def test_dataset_windows(dataset):
    w = dataset.window(0, np.random.default_rng(0))
    assert w["frames"].shape == (8, 3, 32, 32) and w["reference"].shape == (3, 32, 32)
    assert -1 <= float(w["frames"].min()) and float(w["frames"].max()) <= 1
    assert w["mouth_mask"].shape == (8, 1, 32, 32) and w["audio"].shape == (int(8 / 25 * 16000),)


def test_noisy_sampling_mixes_other_emotions_at_the_set_rate(dataset):
    sampler = EmotionSampler(dataset, SamplingConfig(noise_rate=0.3, compound_rate=0.0), seed=1)
    draws = [sampler.draw() for _ in range(3000)]
    noisy = [d for d in draws if d.noisy]
    assert abs(len(noisy) / len(draws) - 0.3) < 0.03
    kinds = {dataset.clips[d.index].kind for d in noisy}
    assert kinds == {"single", "neutral"}  # other emotions and neutral clips both come in
    for d in draws:  # every override is the clip's own label: one-hot, or zeros for neutral
        np.testing.assert_array_equal(d.g_override, dataset.clips[d.index].meta.gates)
    assert all(d.mask_mouth for d in draws)


def test_compound_draws_run_the_gates(dataset):
    sampler = EmotionSampler(dataset, SamplingConfig(compound_rate=1.0), seed=0)
    batch, draws = sampler.batch(2)
    assert all(d.g_override is None for d in draws) and not batch["use_override"].any()
    assert all(dataset.clips[d.index].kind == "compound" for d in draws)


def test_batch_masks_the_mouth_from_the_loss(dataset):
    sampler = EmotionSampler(dataset, SamplingConfig(compound_rate=0.0), seed=0)
    batch, _ = sampler.batch(3)
    mouth, mask = batch["mouth_mask"], batch["loss_mask"]
    assert mouth.sum() > 0
    assert float((mask * mouth).sum()) == 0.0  # nothing of the mouth counts
    assert float(((1 - mask) * (1 - mouth)).sum()) == 0.0  # everything else does
    assert batch["use_override"].all()
    assert set(batch["g_override"].sum(1).tolist()) <= {0.0, 1.0}


def test_stage1_draws_switch_the_moe_off(dataset):
    sampler = EmotionSampler(dataset, SamplingConfig(stage=1), seed=0)
    batch, _ = sampler.batch(4)
    assert float(batch["g_override"].abs().sum()) == 0 and float(batch["loss_mask"].min()) == 1.0
    assert len(EMOTIONS) == batch["g_override"].shape[1]
