from __future__ import annotations

import numpy as np
import pytest
import torch

from core.emotions import EMOTIONS
from core.latents.label import label_vector
from core.training.data import ClipDataset
from core.training.sampling import EmotionSampler, SamplingConfig, make_batch


@pytest.fixture(scope="module")
def dataset(prepared):
    return ClipDataset(prepared[0], split="train", n_frames=8, resolution=32)


def test_dataset_windows(dataset):
    w = dataset.window(0, np.random.default_rng(0))
    assert w["frames"].shape == (8, 3, 32, 32) and w["reference"].shape == (3, 32, 32)
    assert -1 <= float(w["frames"].min()) and float(w["frames"].max()) <= 1
    assert w["mouth_mask"].shape == (8, 1, 32, 32) and w["audio"].shape == (int(8 / 25 * 16000),)


def test_noisy_sampling_draws_other_emotions_and_neutral_for_the_expert(dataset):
    """Masked noisy emotion sampling (MoEE Sec. 3.4): the clip drawn for expert e is, at the set
    rate, another emotion's or a neutral one, and it still trains e (g = one-hot(e), e's label)."""
    cfg = SamplingConfig(noise_rate=0.3, neutral_share=0.5, compound_rate=0.0)
    sampler = EmotionSampler(dataset, cfg, seed=1)
    draws = [sampler.draw() for _ in range(4000)]
    for e in sampler.experts:
        mine = [d for d in draws if d.expert == e]
        noisy = [d for d in mine if d.noisy]
        assert abs(len(noisy) / len(mine) - 0.3) < 0.05, e
        kinds = [dataset.clips[d.index].kind for d in noisy]
        assert abs(kinds.count("neutral") / len(kinds) - 0.5) < 0.1, e
        others = {dataset.clips[d.index].meta.emotion for d in noisy} - {"neutral"}
        assert others and e not in others
        for d in mine:
            np.testing.assert_array_equal(d.g_override, np.eye(6, dtype=np.float32)[EMOTIONS.index(e)])
        assert all(dataset.clips[d.index].meta.emotion == e for d in mine if not d.noisy)
    batch = make_batch(dataset, [d for d in draws if d.noisy][:3], np.random.default_rng(0))
    for i, d in enumerate([d for d in draws if d.noisy][:3]):  # the condition is e's label
        np.testing.assert_array_equal(batch["label"][i].numpy(), label_vector(d.expert))
    assert float(batch["aus"].abs().sum()) == 0 and batch["text"] == ["", "", ""]
    assert all(d.mask_mouth for d in draws)


def test_the_mouth_is_masked_in_the_conditioning_frame(dataset):
    sampler = EmotionSampler(dataset, SamplingConfig(compound_rate=0.0, noise_rate=1.0), seed=2)
    batch, draws = sampler.batch(3)
    mouth = batch["reference_mouth"]
    assert all(d.noisy and d.mask_mouth for d in draws) and float(mouth.sum()) > 0
    assert float((batch["reference"] * mouth).abs().sum()) == 0.0  # mid-grey where the mouth was
    assert float((batch["reference"] * (1 - mouth)).abs().sum()) > 0


def test_references_come_from_other_clips_of_the_same_person(dataset):
    sampler = EmotionSampler(dataset, SamplingConfig(cross_reference_rate=0.5, compound_rate=0.0),
                             seed=3)
    draws = [sampler.draw() for _ in range(2000)]
    paired = [d for d in draws if dataset.same_person(d.index)]
    crossed = [d for d in paired if d.reference is not None]
    assert abs(len(crossed) / len(paired) - 0.5) < 0.05
    for d in crossed:
        a, b = dataset.clips[d.index], dataset.clips[d.reference]
        assert a.meta.person == b.meta.person != "" and d.reference != d.index
    assert not [d for d in draws if not dataset.same_person(d.index) and d.reference is not None]


def test_guidance_drops_at_the_set_rates(dataset):
    cfg = SamplingConfig(audio_drop_rate=0.1, emotion_drop_rate=0.2, compound_rate=0.0)
    sampler = EmotionSampler(dataset, cfg, seed=4)
    scales = [sampler.batch(4)[0] for _ in range(500)]
    audio = torch.cat([b["audio_scale"] for b in scales])
    emotion = torch.cat([b["emotion_scale"] for b in scales])
    assert set(audio.tolist()) == set(emotion.tolist()) == {0.0, 1.0}
    assert abs(float((audio == 0).float().mean()) - 0.1) < 0.02
    assert abs(float((emotion == 0).float().mean()) - 0.2) < 0.03
    stage1 = EmotionSampler(dataset, SamplingConfig(stage=1, emotion_drop_rate=1.0), seed=4)
    assert float(stage1.batch(4)[0]["emotion_scale"].min()) == 1.0  # the MoE is off anyway


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
