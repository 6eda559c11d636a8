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
    assert "tiny diffusion render: 4 frames" in capsys.readouterr().out


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
