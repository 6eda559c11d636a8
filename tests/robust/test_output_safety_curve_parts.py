"""A render killed outright (SIGKILL, out of memory) while writing --curves leaves its hidden
temp file; the next writer of the same curves removes it once its process is gone, and never a
live writer's file or anything else (core/curves.py remove_stale_parts)."""
from __future__ import annotations

import os

from core.atomic import host_tag, process_start
from core.curves import CurveWriter
from tests.robust.checks import dead_pid


def test_a_killed_writers_part_goes_and_a_live_ones_stays(tmp_path):
    me = os.getpid()
    stale = tmp_path / f".c.csv.{host_tag()}.{dead_pid()}-123.abcd_123.part"
    live = tmp_path / f".c.csv.{host_tag()}.{me}-{process_start(me)}.zz99yy88.part"
    others = [tmp_path / f".c.csv.ffffff.{dead_pid()}-1.abcd1234.part",  # another machine's
              tmp_path / f".d.csv.{host_tag()}.{dead_pid()}-1.abcd1234.part",  # other curves
              tmp_path / ".c.csv.abcd1234.part"]  # no owner in its name (older versions')
    for f in [stale, live, *others]:
        f.write_text("time,AU1\n")
    w = CurveWriter(tmp_path / "c.csv", 25)
    assert not stale.exists() and live.exists() and all(f.exists() for f in others)
    # the writer's own temp file carries its owner, so a killed writer's is found the same way
    assert os.path.basename(w._tmp).startswith(f".c.csv.{host_tag()}.{me}-{process_start(me)}.")
    w.write_aus(0.0, {12: 0.5})
    assert w.close().read_text().startswith("time")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live.name, "c.csv", *(f.name for f in others)])
