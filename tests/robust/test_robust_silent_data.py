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


def _faststart(src, dest):
    """A copy with its index (moov) first, as players and renderers write for streaming: cut
    short, it still opens, and OpenCV decodes what is left without a word."""
    import subprocess

    from core.training.video import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(src), "-c", "copy",
                    "-movflags", "+faststart", str(dest)], check=True)


def test_evaluate_refuses_pairs_it_cannot_compare_frame_by_frame(
        tiny_clips, portrait, tmp_path, capfd):
    """On main a clip cut short, or at another frame rate, was scored on the frames both videos
    share with "status": "ok", and FFmpeg's "moov atom not found" reached the terminal."""
    from core.cli import run_cli
    from core.training.video import read_video, write_video
    from tests.training.conftest import synthetic_frames

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    long = write_video(tmp_path / "long.mp4", synthetic_frames(portrait, 40), 25)
    for name in ("short", "fast", "cut", "noindex"):
        shutil.copy(long, ref / f"{name}.mp4")
    frames, _ = read_video(long)
    write_video(gen / "short.mp4", frames[:20], 25)            # 0.8 s of a 1.6 s clip
    write_video(gen / "fast.mp4", frames, 30)                  # same frames, other rate
    _faststart(long, tmp_path / "streamable.mp4")
    data = (tmp_path / "streamable.mp4").read_bytes()
    (gen / "cut.mp4").write_bytes(data[:len(data) // 2])      # a half-finished download
    (gen / "noindex.mp4").write_bytes(long.read_bytes()[:len(data) // 2])  # its moov is last

    assert run_cli(["evaluate", str(gen), str(ref)]) == 0
    out, err = capfd.readouterr()
    assert "moov" not in err and "partial file" not in err and "[mov" not in err, err
    summary = json.loads(out)
    rows = {r["clip"]: r for r in summary["per_clip"]}
    assert rows["short"]["status"] == "length_mismatch"
    assert rows["short"]["generated"] == {"frames": 20, "seconds": 0.8, "fps": 25.0}
    assert rows["short"]["reference"] == {"frames": 40, "seconds": 1.6, "fps": 25.0}
    assert "20 frames (0.80 s)" in rows["short"]["notes"][0]
    assert rows["fast"]["status"] == "fps_mismatch" and "30 fps" in rows["fast"]["notes"][0]
    assert rows["cut"]["status"] == "unreadable" and "cut off" in rows["cut"]["notes"][0]
    assert "of the 40 frames" in rows["cut"]["notes"][0]
    assert rows["noindex"]["status"] == "unreadable"
    assert "cannot be opened" in rows["noindex"]["notes"][0]
    for row in rows.values():
        assert "akd_px" not in row and "lipsync" not in row and len(row["notes"]) == 1
    assert summary["scored"] == 0 and summary["unreadable"] == 2
    assert summary["length_mismatch"] == 1 and summary["fps_mismatch"] == 1
    assert summary["akd_px"] is None and summary["averaged_over"]["akd_px"] == 0
    assert summary["missing"]["akd_px"].startswith("no clip could be scored (1 fps_mismatch, "
                                                   "1 length_mismatch, 2 unreadable")


def test_evaluate_scores_a_clip_one_frame_short_and_averages_only_scored_clips(
        tiny_clips, tmp_path, capsys):
    """An encoder's dropped last frame is within tolerance; a mismatched clip beside it is
    counted but left out of the averages."""
    from core.cli import run_cli
    from core.training.video import read_video, write_video

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    frames, fps = read_video(tiny_clips / "face.mp4")
    for name in ("a", "b"):
        shutil.copy(tiny_clips / "face.mp4", ref / f"{name}.mp4")
    write_video(gen / "a.mp4", frames[:-1], fps, tiny_clips / "speech.wav")
    write_video(gen / "b.mp4", frames[:3], fps)
    assert run_cli(["evaluate", str(gen), str(ref)]) == 0
    summary = json.loads(capsys.readouterr().out)
    rows = {r["clip"]: r for r in summary["per_clip"]}
    assert rows["a"]["status"] == "ok" and rows["a"]["akd_px"] is not None
    assert rows["b"]["status"] == "length_mismatch"
    assert summary["scored"] == 1 and summary["averaged_over"]["akd_px"] == 1
    assert summary["akd_px"] == rows["a"]["akd_px"]


def test_evaluate_does_not_score_two_framings_of_a_clip(tiny_clips, tmp_path, capsys):
    """Face points are compared after scaling by the heights' ratio: a generated take framed
    otherwise than its ground truth (a `render --frame face` square against the whole picture)
    was scored, akd_px 36 and status ok, a number about the framing. It is listed as
    framing_mismatch with both sizes and left out; the same framing at half size is scored."""
    import cv2

    from core.cli import run_cli
    from core.training.video import read_video, write_video

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    frames, fps = read_video(tiny_clips / "face.mp4")  # 256x256
    for name in ("crop", "half"):
        shutil.copy(tiny_clips / "face.mp4", ref / f"{name}.mp4")
    write_video(gen / "crop.mp4", [f[:, 40:216] for f in frames], fps)  # 176x256: narrower
    write_video(gen / "half.mp4", [cv2.resize(f, (128, 128)) for f in frames], fps)
    assert run_cli(["evaluate", str(gen), str(ref)]) == 0
    summary = json.loads(capsys.readouterr().out)
    rows = {r["clip"]: r for r in summary["per_clip"]}
    assert rows["crop"]["status"] == "framing_mismatch" and "akd_px" not in rows["crop"]
    assert rows["crop"]["notes"] == [
        "the generated video is 176x256, the ground truth 256x256: different framings, so "
        "their face points cannot be compared; the clip is not scored (render or crop it to "
        "the ground truth's framing)"]
    assert rows["half"]["status"] == "ok" and rows["half"]["akd_px"] < 3
    assert summary["framing_mismatch"] == 1 and summary["averaged_over"]["akd_px"] == 1
