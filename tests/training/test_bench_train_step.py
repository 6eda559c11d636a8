"""benchmarks/bench_train_step.py on tiny parts: the real Trainer steps on synthetic clips, each
variant timed, the ratio to the bare U-Net written (the GPU figures in the README come from it)."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_run_times_each_stage_and_writes_its_ratio(tmp_path):
    out = tmp_path / "train_step.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_train_step.py"), "--tiny",
                    "--steps", "1", "--stages", "2", "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    result = json.loads(out.read_text())
    assert result["mode"] == "tiny-cpu-smoke" and result["bare_animatediff_unet"]["s_per_step"] > 0
    runs = result["stages"]
    assert [(r["stage"], r["gradient_checkpointing"]) for r in runs] == [(2, True), (2, False)]
    for r in runs:
        assert r["s_per_step"] > 0 and r["trained_params_m"] > 0
        assert r["ratio_vs_bare_unet"] > 0 and all(math.isfinite(x) for x in r["losses"])
