"""Numbers the commands print are right, or absent with the right reason: no progress at 100 %
before the end, no rounding that makes two values one."""
from __future__ import annotations

import re

from core.cli import run_cli


def test_the_batch_bar_says_100_percent_only_when_every_row_is_finished(tmp_path, capsys):
    """199 of 200 rows finished is 99.5 %: it was drawn as a full bar and "100%"."""
    rows = "".join(f"none.png,a.wav,o{i}.mp4\n" for i in range(200))
    manifest = tmp_path / "m.csv"
    manifest.write_text("portrait,audio,out\n" + rows)
    assert run_cli(["batch", str(manifest)]) == 1
    bars = [re.search(r"\[([#.]+)\] (\d+)/200 rows +(\d+)%", ln)
            for ln in capsys.readouterr().err.splitlines() if "/200 rows" in ln]
    assert [int(m[2]) for m in bars] == list(range(1, 201))
    shown = [(m[1].count("#"), int(m[3])) for m in bars]
    assert shown[-2:] == [(29, 99), (30, 100)]
    assert all(pct < 100 and fill < 30 for fill, pct in shown[:-1])
