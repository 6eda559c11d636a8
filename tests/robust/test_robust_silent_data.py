"""Category 1, silently wrong data: a prepared clip is reused only for the same file and row;
an evaluation counts clips it could not score and never writes NaN or a summary over nothing.
On main, `prepare` reused clips/<stem>/clip.json whatever the metadata said, and `evaluate`
wrote NaN (invalid JSON) for a clip without a face."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

from core.training.metadata import ClipMeta, write_metadata
from core.training.prepare import PrepareConfig, prepare_dataset

CFG = PrepareConfig(size=32, min_frames=4)


def _row(out, name="face"):
    return json.loads((out / "clips" / name / "clip.json").read_text())


def test_relabelled_moved_or_replaced_clips_are_prepared_again(clips_copy, tmp_path):
    # the cache is what is tested: the emotion-consistency filter stays out of it (the smiling
    # clip relabelled sad scored at its threshold, 0.29-0.31 depending on the AU basis' tuning)
    cfg = replace(CFG, min_emotion_consistency=0.0)
    out = tmp_path / "prepared"
    meta = clips_copy / "metadata.csv"
    write_metadata(meta, [ClipMeta("face.mp4", "happy")])
    prepare_dataset(meta, out, cfg)
    assert _row(out)["emotion"] == "happy" and _row(out)["split"] == "train"

    write_metadata(meta, [ClipMeta("face.mp4", "sad", split="test")])  # relabel + move to test
    report = prepare_dataset(meta, out, cfg)
    assert report.kept[0]["emotion"] == "sad" and report.kept[0]["split"] == "test"
    assert _row(out)["emotion"] == "sad" and _row(out)["split"] == "test"

    key = _row(out)["cache_key"]
    again = prepare_dataset(meta, out, cfg)  # nothing changed: the cache is reused as is
    assert again.kept[0]["cache_key"] == key

    shutil.copy(clips_copy / "blank.mp4", clips_copy / "face.mp4")  # another file, same name
    replaced = prepare_dataset(meta, out, cfg)
    assert replaced.kept == [] and "no face" in replaced.skipped[0]["reason"]


def test_a_damaged_cache_entry_is_rebuilt(clips_copy, tmp_path):
    out = tmp_path / "prepared"
    meta = clips_copy / "metadata.csv"
    write_metadata(meta, [ClipMeta("face.mp4", "happy")])
    prepare_dataset(meta, out, CFG)
    (out / "clips" / "face" / "clip.json").write_text("{half")
    report = prepare_dataset(meta, out, CFG)
    assert len(report.kept) == 1 and _row(out)["emotion"] == "happy"
    (out / "clips" / "face" / "masks.npz").unlink()
    prepare_dataset(meta, out, CFG)
    assert (out / "clips" / "face" / "masks.npz").is_file()


def test_evaluate_counts_faceless_and_unreadable_clips_and_writes_valid_json(
        tiny_clips, tmp_path, capsys):
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(tiny_clips / "blank.mp4", gen / "a.mp4")   # no face anywhere
    shutil.copy(tiny_clips / "blank.mp4", ref / "a.mp4")
    (gen / "b.mp4").write_bytes(b"not a video at all")    # unreadable
    shutil.copy(tiny_clips / "face.mp4", ref / "b.mp4")
    out = tmp_path / "summary.json"
    assert run_cli(["evaluate", str(gen), str(ref), "--out", str(out)]) == 0
    text = out.read_text()
    assert "NaN" not in text and "Infinity" not in text
    summary = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert summary["clips"] == 2 and summary["scored"] == 0
    assert summary["no_face"] == 1 and summary["unreadable"] == 1
    assert summary["akd_px"] is None and "face" in summary["missing"]["akd_px"]
    assert summary["averaged_over"]["akd_px"] == 0
    rows = {r["clip"]: r for r in summary["per_clip"]}
    assert rows["a"]["status"] == "no face" and rows["a"]["notes"]
    assert rows["b"]["status"] == "unreadable" and "b.mp4" in rows["b"]["notes"][0]
    assert json.loads(capsys.readouterr().out) == summary


def _file_size_limit(limit: int):
    def apply() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_failed_evaluate_out_keeps_the_previous_summary(tiny_clips, tmp_path):
    """--out is written atomically: when the write fails part-way (here a file-size limit, as a
    full disk would), the previous summary is intact and no temp file is left. On main the file
    was opened in place, truncated, and left holding a fragment."""
    import subprocess
    import sys

    from tests.robust.helpers import ROOT, one_error_line

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    for folder in (gen, ref):
        folder.mkdir()
        shutil.copy(tiny_clips / "face.mp4", folder)
    out = tmp_path / "summary.json"
    previous = '{"previous": true}\n'
    out.write_text(previous)
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "evaluate", str(gen), str(ref),
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
                          preexec_fn=_file_size_limit(256), timeout=300)
    assert proc.returncode == 1, proc.stderr
    one_error_line(proc.stderr, "cannot write")
    assert out.read_text() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen", "ref", "summary.json"]
