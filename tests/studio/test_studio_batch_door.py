"""`batch`'s driver refuses a row at its door with render's own checks, so a row that cannot be
written costs no worker process, and a bad row's reason names where the value came from."""
from __future__ import annotations

import pytest

from core.batch.manifest import read_manifest
from core.batch.runner import preflight


@pytest.fixture
def cells(tmp_path, portrait_path, speech_wav) -> dict:
    return {"portrait": str(portrait_path), "audio": str(speech_wav),
            "out": str(tmp_path / "take.mp4")}


@pytest.mark.parametrize("column, name, words", [
    ("out", "take.txt", "must end in .mp4"),  # passed on to a worker that refused it there
    ("curves", "take.txt", "must end in .csv or .json"),
    ("curves", "take.csv/", "folder")])
def test_an_output_that_cannot_be_written_fails_in_the_driver(cells, tmp_path, column, name,
                                                              words):
    if name.endswith("/"):
        (tmp_path / name).mkdir()
    cells[column] = str(tmp_path / name)
    assert words in preflight(cells)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["take.csv"] if "/" in name else [])


def test_a_bad_mix_cell_is_named_as_the_cell_not_a_flag(cells):
    """The reason said `--mix: ...` for a manifest that has no flags."""
    assert preflight({**cells, "mix": "happy=nan"}).startswith("the mix cell: ")


def test_an_output_that_is_its_own_rows_input_names_that_row(tmp_path):
    """Two rows read b.wav and line 3 writes over it: the reason named the last row that reads
    it (line 4), not line 3 itself."""
    p = tmp_path / "m.csv"
    p.write_text("portrait,audio,out\nf.png,a.wav,a.mp4\nf.png,b.wav,b.wav\nf.png,b.wav,c.mp4\n")
    rows = read_manifest(p)
    assert rows[1].problem == "b.wav is an input of line 3"
