"""Curve export: names, ARKit mapping, streaming, atomic files."""
from __future__ import annotations

import pytest

from core.curves import (ARKIT_52, AU_COLUMNS, CURVE_NAMES, CurveWriter, arkit_weights,
                         read_curves, write_curves)
from core.emotions import AU_NUMBERS
from core.errors import InputError


def test_names():
    assert len(ARKIT_52) == 52 and len(set(ARKIT_52)) == 52
    assert CURVE_NAMES[0] == "time" and "AU12" in AU_COLUMNS
    assert {"jawOpen", "mouthSmileLeft", "mouthSmileRight", "eyeBlinkLeft"} <= set(ARKIT_52)
    assert len(CURVE_NAMES) == 1 + len(AU_NUMBERS) + 52


def test_arkit_mapping():
    w = arkit_weights({12: 0.8, 26: 0.6, 25: 0.5, 45: 1.0, 1: 0.3})
    assert w["mouthSmileLeft"] == w["mouthSmileRight"] == pytest.approx(0.8)
    assert w["jawOpen"] == pytest.approx(0.3)  # AU26 is a partial jaw drop
    assert w["mouthClose"] == pytest.approx(0.15)
    assert w["eyeBlinkLeft"] == w["eyeBlinkRight"] == 1.0
    assert w["browInnerUp"] == pytest.approx(0.3)
    assert arkit_weights({27: 0.9, 26: 1.0})["jawOpen"] == pytest.approx(0.9)
    assert set(arkit_weights({}).values()) == {0.0}


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_round_trip(tmp_path, suffix):
    rows = [(i / 25, {12: i / 10, 45: 1.0 if i == 3 else 0.0}) for i in range(10)]
    path = write_curves(rows, 25, tmp_path / f"out{suffix}")
    names, data = read_curves(path)
    assert names == list(CURVE_NAMES) and len(data) == 10
    assert data[4][names.index("AU12")] == pytest.approx(0.4)
    assert data[4][names.index("mouthSmileLeft")] == pytest.approx(0.4)
    assert data[3][names.index("eyeBlinkRight")] == 1.0
    assert data[9][0] == pytest.approx(9 / 25)
    assert [p.name for p in tmp_path.iterdir()] == [f"out{suffix}"]


def test_csv_header_is_one_plain_row(tmp_path):
    path = write_curves([(0.0, {})], 30, tmp_path / "c.csv")
    first = path.read_text().splitlines()[0]
    assert first.startswith("time,AU1,AU2,") and first.endswith(",tongueOut")


def test_abort_leaves_nothing(tmp_path):
    w = CurveWriter(tmp_path / "x.json", 25)
    w.write_aus(0.0, {12: 1.0})
    w.abort()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError):
        with CurveWriter(tmp_path / "y.csv", 25) as w:
            w.write_aus(0.0, {})
            raise RuntimeError("cancel")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, words", [("c.txt", "must end in"),
                                         ("no/dir/c.csv", "does not exist")])
def test_bad_paths(tmp_path, name, words):
    with pytest.raises(InputError, match=words):
        CurveWriter(tmp_path / name, 25)


def test_curves_file_gets_the_mode_a_file_should_get(tmp_path):
    """Like every other output (core/atomic.py): the umask's mode for a new file (mkstemp alone
    gave 0600), the old file's mode when it replaces one."""
    import os
    import stat

    from core.atomic import umask

    new = write_curves([(0.0, {12: 1.0})], 25, tmp_path / "new.csv")
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o666 & ~umask()
    old = tmp_path / "shared.json"
    old.write_text("{}")
    os.chmod(old, 0o664)
    write_curves([(0.0, {12: 1.0})], 25, old)
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o664 and read_curves(old)[1]
