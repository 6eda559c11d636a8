"""batch: a row never writes over the manifest itself; a header naming a column twice is
refused; the worker count announced is the one started."""
from __future__ import annotations

import os

import pytest
import soundfile as sf

from core.batch.manifest import read_manifest
from core.cli import run_cli
from core.errors import InputError


@pytest.fixture
def take_dir(tmp_path, portrait_path, speech_wav):
    """face.png and 0.3 s of speech (short.wav) beside the manifest."""
    (tmp_path / "face.png").write_bytes(portrait_path.read_bytes())
    data, sr = sf.read(speech_wav, dtype="float32")
    sf.write(tmp_path / "short.wav", data[int(0.6 * sr):int(0.9 * sr)], sr)
    return tmp_path


def test_curves_that_are_the_manifest_fail_the_row_and_write_nothing(take_dir, capsys):
    manifest = take_dir / "lines.csv"
    text = "portrait,audio,keys,out,curves\nface.png,short.wav,,o1.mp4,lines.csv\n"
    manifest.write_text(text)
    before = sorted(p.name for p in take_dir.iterdir())
    assert run_cli(["batch", str(manifest), "--size", "64"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert "line 2 (o1.mp4): curves lines.csv is the manifest itself; give it another name" \
        in out.out
    assert manifest.read_text() == text  # the script is not lost
    assert sorted(p.name for p in take_dir.iterdir()) == before  # no video, no record


@pytest.mark.parametrize("cell", ["lines.csv", "sub/../lines.csv", "link.csv", "hard.csv",
                                  "LINK/lines.csv"])
def test_the_manifest_named_any_way_is_refused_as_an_output(tmp_path, cell):
    manifest = tmp_path / "lines.csv"
    manifest.write_text(f"portrait,audio,out,curves\nf.png,a.wav,{cell},c.csv\n"
                        f"f.png,a.wav,b.mp4,{cell}\nf.png,a.wav,ok.mp4,ok.csv\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(manifest)
    os.link(manifest, tmp_path / "hard.csv")
    (tmp_path / "LINK").symlink_to(tmp_path)
    rows = read_manifest(manifest)
    name = os.path.basename(cell)
    assert rows[0].problem == f"out {name} is the manifest itself; give it another name"
    assert rows[1].problem == f"curves {name} is the manifest itself; give it another name"
    assert rows[2].problem == ""


def test_a_column_named_twice_is_refused(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("portrait,audio,out,Portrait\nf.png,a.wav,a.mp4,g.png\n")
    with pytest.raises(InputError, match=r"column\(s\) 'portrait' given twice"):
        read_manifest(manifest)


def test_the_workers_announced_are_the_workers_started(tmp_path, capsys):
    """The rows here fail their door checks, so no worker process starts: the first line said
    "on 2 worker process(es)" (--jobs 50 on 2 rows) all the same. The processes are told when
    they start, as many as the rows left (tests/studio/test_studio_batch.py)."""
    manifest = tmp_path / "m.csv"
    manifest.write_text("portrait,audio,out\nnone.png,a.wav,a.mp4\nnone.png,b.wav,b.mp4\n")
    assert run_cli(["batch", str(manifest), "--jobs", "50"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"batch: 2 rows from {manifest}"
    assert "worker process" not in err


@pytest.mark.parametrize("record", [b"[]", b"null", b'"done"', b"[" * 100000])
def test_a_damaged_record_means_not_done(tmp_path, record):
    """A record beside the output that is JSON but not an object, or nested past Python's
    stack, stopped the whole batch with a traceback (AttributeError, RecursionError) before
    any row ran; the row is just not done, and renders again."""
    from core.batch.record import is_done, record_path

    out = tmp_path / "o1.mp4"
    out.write_bytes(b"video")
    record_path(out).write_bytes(record)
    assert is_done({"out": str(out)}, {}) is False
