"""models/ layout: a tiny SD-layout folder written by diffusers' save_pretrained loads; missing
and mismatched parts are named with their path."""
from __future__ import annotations

import pytest
import torch

from core.diffusion.loading import build_pipeline, load_parts, save_moee
from core.errors import CheckpointError


def _write_standard(parts, root):
    parts["unet2d"].save_pretrained(root / "sd15" / "unet")
    parts["vae"].save_pretrained(root / "sd15" / "vae")
    parts["scheduler"].save_pretrained(root / "sd15" / "scheduler")
    parts["motion_adapter"].save_pretrained(root / "motion_adapter")
    parts["audio_encoder"].save_pretrained(root / "wav2vec2")


def test_standard_folders_load_and_moee_round_trips(parts, pipe, tmp_path):
    _write_standard(parts, tmp_path)
    fresh = load_parts(tmp_path, require_moee=False)  # the start of training: identity modules
    assert fresh["unet"].config.cross_attention_dim == parts["unet"].config.cross_attention_dim
    save_moee(pipe, tmp_path / "moee")
    for sub in ("audio_proj", "moee_attention", "reference_net", "unet"):
        assert (tmp_path / "moee" / sub / "config.json").is_file()
    loaded = build_pipeline(load_parts(tmp_path))
    for name in ("moee_attention", "audio_proj", "unet", "reference_net"):
        a, b = getattr(pipe, name).state_dict(), getattr(loaded, name).state_dict()
        assert a.keys() == b.keys(), name
        assert all(torch.equal(a[k], b[k]) for k in a), name


def test_missing_part_names_part_and_path(tmp_path):
    with pytest.raises(CheckpointError, match=r"U-Net is missing: .*sd15/unet"):
        load_parts(tmp_path)


def test_missing_moee_modules_are_named(parts, tmp_path):
    _write_standard(parts, tmp_path)
    with pytest.raises(CheckpointError, match=r"MoEE audio projection is missing: .*moee/audio_proj"):
        load_parts(tmp_path)


def test_mismatched_parts_are_named(parts, pipe, tmp_path):
    _write_standard(parts, tmp_path)
    save_moee(pipe, tmp_path / "moee", with_unets=False)
    (tmp_path / "sd15" / "vae" / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"VAE at .*sd15/vae could not be loaded"):
        load_parts(tmp_path)
    parts["vae"].save_pretrained(tmp_path / "sd15" / "vae")
    from core.diffusion.audio import AudioProjModel
    AudioProjModel(blocks=3, channels=8, output_dim=8).save_pretrained(tmp_path / "moee" / "audio_proj")
    with pytest.raises(CheckpointError, match=r"expects a wav2vec2 with 3 layers"):
        load_parts(tmp_path)


def test_a_weights_file_of_another_model_is_refused_not_filled_with_random_values(parts, pipe,
                                                                                  tmp_path):
    """wav2vec2/ holding another model's safetensors loaded: transformers gave every tensor the
    file lacked random values and logged a table, so the engine would render with a random
    audio encoder. sd15/unet holding the VAE's weights was blamed on the motion adapter."""
    import shutil

    _write_standard(parts, tmp_path)
    save_moee(pipe, tmp_path / "moee", with_unets=False)
    proj = tmp_path / "moee" / "audio_proj" / "diffusion_pytorch_model.safetensors"
    w2v = tmp_path / "wav2vec2" / "model.safetensors"
    kept = w2v.read_bytes()
    shutil.copy(proj, w2v)
    with pytest.raises(CheckpointError, match=r"wav2vec2 audio encoder at .*wav2vec2 could not be "
                       r"loaded .*weights are not a Wav2Vec2Model's: \d+ of the \d+ tensors"):
        load_parts(tmp_path)
    w2v.write_bytes(kept)
    vae = tmp_path / "sd15" / "vae" / "diffusion_pytorch_model.safetensors"
    shutil.copy(vae, tmp_path / "sd15" / "unet" / "diffusion_pytorch_model.safetensors")
    with pytest.raises(CheckpointError, match=r"U-Net at .*sd15/unet could not be loaded .*"
                       r"not a UNet2DConditionModel's"):
        load_parts(tmp_path)
