"""MoEEPipeline end to end on tiny parts: frames, reference bank lifetime, interrupt, continuation."""
from __future__ import annotations

import pytest
import torch

from tests.diffusion.conftest import EMOTION_DIM, SIZE

F = 4


def _call(pipe, ref_image, speech, **kw):
    args = {"audio": speech, "fps": 8, "num_frames": F, "height": SIZE, "width": SIZE,
                "emotion_latent": torch.randn(1, 8, EMOTION_DIM, generator=torch.Generator().manual_seed(0)),
                "emotion_gates": torch.tensor([0.7, 0, 0, 0, 0, 0.3]), "num_inference_steps": 2,
                "generator": torch.Generator().manual_seed(0)}
    return pipe(ref_image, **{**args, **kw})


def test_pipeline_runs_end_to_end_with_guidance(pipe, ref_image, speech):
    seen = []

    def on_step(p, i, t, kw):
        seen.append((i, len(p.bank)))  # the bank holds the reference while denoising
        return kw
    out = _call(pipe, ref_image, speech, guidance_scale=2.0, emotion_guidance_scale=1.5,
                callback_on_step_end=on_step)
    assert out.frames.shape == (1, F, SIZE, SIZE, 3)
    assert 0 <= out.frames.min() and out.frames.max() <= 1
    assert out.latents.shape == (1, 4, F, SIZE // 2, SIZE // 2)
    assert [i for i, _ in seen] == [0, 1] and all(n > 0 for _, n in seen)
    assert len(pipe.bank) == 0 and not out.interrupted


def test_reference_bank_empty_even_after_an_error(pipe, ref_image, speech):
    def boom(p, i, t, kw):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        _call(pipe, ref_image, speech, callback_on_step_end=boom)
    assert len(pipe.bank) == 0


def test_interrupt_stops_the_loop(pipe, ref_image, speech):
    steps = []

    def stop(p, i, t, kw):
        steps.append(i)
        p._interrupt = True
        return kw
    out = _call(pipe, ref_image, speech, num_inference_steps=3, callback_on_step_end=stop,
                output_type="latent")
    assert steps == [0] and out.interrupted


def test_an_interrupted_clip_is_not_decoded(pipe, ref_image, speech, monkeypatch):
    """The engine throws a stopped clip away: decoding it made a cancel wait for the VAE."""
    def stop(p, i, t, kw):
        p._interrupt = True
        return kw
    decoded = []
    monkeypatch.setattr(pipe, "decode_latents", lambda *a, **k: decoded.append(1))
    out = _call(pipe, ref_image, speech, num_inference_steps=3, callback_on_step_end=stop)
    assert out.interrupted and out.frames is None and decoded == []


def test_clip_continues_from_the_last_two_frames(pipe, ref_image, speech):
    first = _call(pipe, ref_image, speech, output_type="latent")
    motion = first.latents[:, :, -2:]
    second = _call(pipe, ref_image, speech, first_frame=F - 2, motion_latents=motion)
    torch.testing.assert_close(second.latents[:, :, :2], motion)
    decoded = pipe.decode_latents(motion)  # the pinned frames decode to the previous clip's tail
    torch.testing.assert_close(torch.from_numpy(second.frames[0, :2]),
                               decoded[0].permute(0, 2, 3, 1), rtol=0, atol=1e-5)


def test_emotion_gates_change_the_frames(pipe, ref_image, speech):
    from tests.diffusion.conftest import randomize_outputs

    saved = {k: v.clone() for k, v in pipe.moee_attention.state_dict().items()}
    try:
        randomize_outputs(pipe.moee_attention)
        happy = _call(pipe, ref_image, speech, emotion_gates=torch.eye(6)[0], output_type="latent")
        sad = _call(pipe, ref_image, speech, emotion_gates=torch.eye(6)[1], output_type="latent")
        assert (happy.latents - sad.latents).abs().max() > 1e-4
    finally:
        pipe.moee_attention.load_state_dict(saved)


def test_bad_inputs_are_named(pipe, ref_image, speech):
    with pytest.raises(ValueError, match="emotion_dim"):
        _call(pipe, ref_image, speech, emotion_latent=torch.randn(1, 8, EMOTION_DIM + 1))
    with pytest.raises(ValueError, match="multiples"):
        _call(pipe, ref_image, speech, height=SIZE + 2)


def test_dpm_solver_runs_with_motion_frames(pipe, ref_image, speech):
    from core.diffusion.loading import make_scheduler

    ddim = pipe.scheduler
    pipe.scheduler = make_scheduler(ddim, "dpm++")
    try:
        first = _call(pipe, ref_image, speech, output_type="latent", num_inference_steps=3)
        second = _call(pipe, ref_image, speech, first_frame=F - 2, output_type="latent",
                       motion_latents=first.latents[:, :, -2:], num_inference_steps=3)
    finally:
        pipe.scheduler = ddim
    assert torch.isfinite(second.latents).all()
    torch.testing.assert_close(second.latents[:, :, :2], first.latents[:, :, -2:])
