"""benchmarks/bench_diffusion_engine.py on tiny parts: the diffusion engine loaded from a models/
folder it wrote, a take rendered through Engine.frames and checked, another cancelled; its ratio to
the bare pipeline written (the GPU figures in the README come from it)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("options", [[], ["--scheduler", "dpm++", "--emotion-guidance", "1.5"]],
                         ids=["ddim", "dpm++, emotion guidance"])
def test_tiny_run_renders_checks_cancels_and_writes_its_ratio(tmp_path, options):
    out = tmp_path / "engine.json"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_diffusion_engine.py"),
                          "--tiny", "--seconds", "0.4", "--json", str(out), *options],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["mode"] == "tiny-cpu" and result["checks_failed"] == []
    assert result["scheduler"] == ("dpm++" if options else "ddim")
    assert result["frames"] == 10 and result["clips"] == 4  # 4-frame clips, 2 carried over
    assert result["s_per_frame"] > 0 and result["ratio_vs_pipeline"] > 0
    assert 0 < result["cancel_latency_s"] < 2 * result["step_s"] + 0.5
