"""`main.py doctor`: lists models/ parts (missing ones with their expected content), the
device, and with --tiny renders a few frames on tiny random parts."""
from __future__ import annotations

import argparse

from core.cli import doctor


def _args(**kw) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    doctor.add_arguments(parser)
    return parser.parse_args([f"--{k}={v}" if v is not True else f"--{k}" for k, v in kw.items()])


def test_doctor_names_missing_parts_and_device(tmp_path, capsys):
    assert doctor.run(_args(models=str(tmp_path))) == doctor.NOT_INSTALLED == 3
    out = capsys.readouterr().out
    assert "MISSING" in out and str(tmp_path / "sd15" / "unet") in out
    assert "GPU" in out and "not ready" in out


def test_doctor_tiny_render(tmp_path, capsys):
    assert doctor.run(_args(models=str(tmp_path), tiny=True)) == doctor.NOT_INSTALLED
    out, err = capsys.readouterr()
    assert "tiny diffusion render: 4 frames" in out
    # its 15 s (on 2 cores) had no word on stderr; now a progress line, ended
    shown = [ln.strip() for ln in err.split("\r") if ln.strip()]
    assert shown[:2] == ["tiny diffusion render: building tiny random parts",
                         "tiny diffusion render: 0/4 frames"]
    assert shown[-1] == "tiny diffusion render: 4/4 frames"
    assert err.endswith("\n")


def test_doctor_counts_the_cpus_this_process_may_use(tmp_path, capsys):
    """Under `taskset -c 0` on a 2-CPU machine doctor said '2 CPU threads'; torch used 1."""
    import os

    import pytest

    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if len(allowed) < 2:
        pytest.skip("needs a process allowed on 2 CPUs or more")
    os.sched_setaffinity(0, {min(allowed)})
    try:
        assert doctor.run(_args(models=str(tmp_path))) == doctor.NOT_INSTALLED
    finally:
        os.sched_setaffinity(0, allowed)
    assert ", 1 CPU threads" in capsys.readouterr().out


def test_doctor_tiny_says_nothing_about_an_empty_list_of_modules():
    """diffusers warned "There are modules in UNetMotionModel that should be kept in float32:
    []. Casting directly with `to()` can lead to inconsistent results ..." on every U-Net build
    (`doctor --tiny`, `train`, the diffusion engine's first render): a warning about nothing,
    in the report a user reads to see whether the setup is right."""
    import subprocess
    import sys
    from pathlib import Path

    proc = subprocess.run([sys.executable, "main.py", "doctor", "--tiny"], text=True,
                          cwd=Path(__file__).resolve().parents[2], capture_output=True,
                          timeout=300)
    assert "tiny diffusion render:" in proc.stdout, proc.stdout + proc.stderr
    assert "kept in float32" not in proc.stdout + proc.stderr, proc.stderr


def test_doctor_is_not_ready_when_the_experts_and_emotion_to_latents_disagree(parts, pipe,
                                                                             tmp_path, capsys):
    """Every part loaded on its own, so doctor said "ready" (exit 0) over experts trained for
    16-wide emotion latents; the shipped Emotion-to-Latents gives 256, and `render --engine
    diffusion` loaded everything, analysed the face, then stopped at the first clip."""
    from core.diffusion.engine import DiffusionEngine
    from core.diffusion.loading import save_moee
    from core.errors import CheckpointError
    from core.latents.resolve import DEFAULT_WEIGHTS

    for rel, name in (("sd15/unet", "unet2d"), ("sd15/vae", "vae"), ("sd15/scheduler", "scheduler"),
                      ("motion_adapter", "motion_adapter"), ("wav2vec2", "audio_encoder")):
        parts[name].save_pretrained(tmp_path / rel)
    save_moee(pipe, tmp_path / "moee", with_unets=False)  # emotion_dim 16 (tiny)
    assert doctor.run(_args(models=str(tmp_path))) == doctor.BROKEN
    out = capsys.readouterr().out
    assert "do not fit together: the Emotion-to-Latents module at" in out
    assert f"{DEFAULT_WEIGHTS} gives 256-wide latents" in out and "expect 16" in out
    import pytest
    with pytest.raises(CheckpointError, match="gives 256-wide latents .* expect 16"):
        DiffusionEngine(models_dir=str(tmp_path))


def test_a_half_written_optional_folder_is_broken_not_absent(parts, tmp_path, capsys):
    """The loader takes moee/unet/ whenever the folder exists, doctor only when it holds a
    config: over a folder with weights but no config.json (a copy cut short) doctor said
    "ready" and the render failed loading it."""
    import shutil

    import pytest

    from core.diffusion.audio import AudioProjModel
    from core.diffusion.engine import DiffusionEngine
    from core.diffusion.unet import MoEEAttentionAdapter
    from core.errors import CheckpointError

    for rel, name in (("sd15/unet", "unet2d"), ("sd15/vae", "vae"), ("sd15/scheduler", "scheduler"),
                      ("motion_adapter", "motion_adapter"), ("wav2vec2", "audio_encoder")):
        parts[name].save_pretrained(tmp_path / rel)
    AudioProjModel(blocks=2, channels=8, output_dim=8).save_pretrained(tmp_path / "moee/audio_proj")
    MoEEAttentionAdapter.for_unet(parts["unet"], audio_dim=8, emotion_dim=256).save_pretrained(
        tmp_path / "moee/moee_attention")
    assert doctor.run(_args(models=str(tmp_path))) == doctor.READY
    capsys.readouterr()
    (tmp_path / "moee/unet").mkdir()
    shutil.copy(tmp_path / "sd15/unet/diffusion_pytorch_model.safetensors", tmp_path / "moee/unet")
    assert doctor.run(_args(models=str(tmp_path))) == doctor.BROKEN
    out = capsys.readouterr().out
    assert f"BROKEN  MoEE denoising U-Net: {tmp_path / 'moee/unet'}" in out
    assert "cannot load: no config.json in it (half downloaded or half written?)" in out
    with pytest.raises(CheckpointError, match=r"denoising U-Net at .*moee/unet cannot load: no "
                       r"config.json in it"):
        DiffusionEngine(models_dir=str(tmp_path))
