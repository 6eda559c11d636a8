from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.training.metadata import ClipMeta, parse_aus, read_metadata, write_metadata


def test_metadata_csv_and_json_round_trip(tmp_path):
    clips = [ClipMeta("a.mp4", "happy", {4: 0.8, 10: 0.6}, "a grin", "train"),
             ClipMeta("b.mp4", "happily surprised", {}, "", "test"), ClipMeta("c.mp4", "neutral")]
    for name in ("m.csv", "m.json"):
        write_metadata(tmp_path / name, clips)
        back = read_metadata(tmp_path / name)
        assert [c.to_dict() for c in back] == [c.to_dict() for c in clips]
    assert [c.kind for c in clips] == ["single", "compound", "neutral"]
    assert parse_aus("AU4:0.8, 10:0.6") == {4: 0.8, 10: 0.6}


@pytest.mark.parametrize("row, needle", [("x.mp4,joyful-ish,,,", "unknown emotion"),
                                         ("x.mp4,happy,4:1.5,,", "AU4 intensity must be in"),
                                         ("x.mp4,happy,,,dev", "split")])
def test_metadata_bad_rows_name_the_problem(tmp_path, row, needle):
    (tmp_path / "m.csv").write_text("file,emotion,aus,text,split\n" + row + "\n")
    with pytest.raises(InputError, match=needle):
        read_metadata(tmp_path / "m.csv")


def test_prepare_keeps_good_clips_and_lists_bad_ones(prepared):
    out, report = prepared
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(r["id"] for r in manifest["kept"]) == sorted(
        ["happy_1", "happy_2", "sad_1", "angry_1", "calm_1", "mix_1"])
    reasons = {r["file"]: r["reason"] for r in manifest["skipped"]}
    assert "silent" in reasons["silent.mp4"]
    assert "too short" in reasons["short.mp4"]
    assert "no face" in reasons["noface.mp4"]
    assert not list(out.glob("clips/.*"))  # no temporary folders left


def test_prepared_clip_holds_aligned_frames_masks_audio(prepared):
    out, _ = prepared
    folder = out / "clips" / "happy_1"
    frames = np.load(folder / "frames.npz")["frames"]
    lm = np.load(folder / "landmarks.npy")
    masks = np.load(folder / "masks.npz")
    assert frames.shape == (12, 64, 64, 3) and lm.shape == (12, 478, 2)
    eyes = lm[:, [468, 473]].mean(0)  # canonical eye places: 64 * (0.5 -+ 0.15, 0.40)
    np.testing.assert_allclose(eyes, [[22.4, 25.6], [41.6, 25.6]], atol=2.0)
    for k in ("face", "lips", "mouth"):
        assert masks[k].shape == (12, 64, 64) and masks[k].any()
    assert np.all(masks["mouth"] >= masks["lips"])  # the mouth box contains the lips
    assert masks["face"].sum() > masks["mouth"].sum()
    energy = np.load(folder / "features.npz")["energy"]
    assert energy.shape == (12,) and energy.max() > 0
    import soundfile as sf
    audio, sr = sf.read(folder / "audio.wav")
    assert sr == 16000 and abs(len(audio) - 12 / 25 * 16000) < 50


def test_prepare_reuses_the_cache_and_cancels(clip_dir, prepared):
    from core.engine import CancelToken
    from core.errors import Cancelled
    from core.training.prepare import PrepareConfig, prepare_dataset

    out, _ = prepared
    again = prepare_dataset(clip_dir / "metadata.csv", out,
                            PrepareConfig(size=64, min_frames=8, min_emotion_consistency=0.0))
    assert len(again.kept) == 6
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        prepare_dataset(clip_dir / "metadata.csv", out / "other", cancel=token)


def test_a_clip_that_is_a_folder_or_empty_says_which(tmp_path):
    """Each bad row's reason names what is wrong with it (a folder was 'file not found')."""
    from core.training.prepare import PrepareConfig, prepare_dataset

    (tmp_path / "take.mp4").mkdir()
    (tmp_path / "empty.mp4").write_bytes(b"")
    write_metadata(tmp_path / "m.csv", [ClipMeta("take.mp4", "happy"),
                                        ClipMeta("empty.mp4", "sad"),
                                        ClipMeta("gone.mp4", "sad")])
    report = prepare_dataset(tmp_path / "m.csv", tmp_path / "out", PrepareConfig(size=32))
    reasons = {s["file"]: s["reason"] for s in report.skipped}
    assert "is a folder, not a video file" in reasons["take.mp4"]
    assert "cannot be opened as a video" in reasons["empty.mp4"]
    assert "file not found" in reasons["gone.mp4"]


def test_every_clip_gets_a_folder_of_its_own(tmp_path, portrait):
    """x.mp4, d/x.mp4 and x_2.mp4 were all kept, but the last two shared clips/x_2 (the first's
    frames were replaced by the second's); a clip named '..mp4' went into clips/. and replaced
    every clip prepared before it. Each kept row now names a folder that holds its own clip."""
    from core.training.prepare import PrepareConfig, _clip_ids, prepare_dataset
    from core.training.video import write_video
    from tests.conftest import make_speech
    from tests.training.conftest import synthetic_frames

    speech = make_speech(tmp_path / "speech.wav", "Hello there, papa.", rate=220)
    names = ["x.mp4", "d/x.mp4", "x_2.mp4", "..mp4"]
    (tmp_path / "d").mkdir()
    for i, name in enumerate(names):
        write_video(tmp_path / name, synthetic_frames(portrait, 10, seed=i), 25, speech)
    write_metadata(tmp_path / "m.csv", [ClipMeta(n, "happy") for n in names])
    out = tmp_path / "out"
    report = prepare_dataset(tmp_path / "m.csv", out,
                             PrepareConfig(size=32, min_frames=8, min_emotion_consistency=0.0))
    assert len(report.kept) == len(names)
    for row in report.kept:
        clip = json.loads((out / "clips" / row["id"] / "clip.json").read_text(encoding="utf-8"))
        assert clip["file"] == row["file"]
    assert len({p.name for p in (out / "clips").iterdir()}) == len(names)
    ids = _clip_ids([ClipMeta(n, "sad") for n in ("A.mp4", "a.mp4", ".mp4", "...mp4")])
    assert len({i.lower() for i in ids}) == 4 and not any(set(i) == {"."} for i in ids)


def test_metadata_named_like_the_manifest_is_not_overwritten(tmp_path):
    """`prepare data/manifest.json -o data`: the metadata was replaced by prepare's own manifest
    (the user's rows lost; the next run said 'manifest.json lists no clips')."""
    from core.errors import InputError
    from core.training.prepare import prepare_dataset

    meta = tmp_path / "manifest.json"
    write_metadata(meta, [ClipMeta("a.mp4", "happy")])
    before = meta.read_bytes()
    with pytest.raises(InputError, match="rename it or give another --out"):
        prepare_dataset(meta, tmp_path)
    with pytest.raises(InputError, match="manifest.shard-1-of-2.json"):
        shard_meta = tmp_path / "manifest.shard-1-of-2.json"
        shard_meta.write_bytes(before)
        prepare_dataset(shard_meta, tmp_path, shard=(1, 2))
    assert meta.read_bytes() == before and not (tmp_path / "clips").exists()


def test_a_full_disk_stops_with_one_line_that_says_what_is_kept(tmp_path, portrait):
    """A write that fails (here: files capped at 48 KB by RLIMIT_FSIZE, as a full disk fails)
    ended `prepare` with numpy's traceback and 'OSError: [Errno 28] No space left on device',
    not a word about the clips already done. Now one line, and the finished clip stays."""
    import os
    import resource
    import signal
    import subprocess
    import sys

    from core.training.prepare import PrepareConfig, prepare_dataset
    from core.training.video import write_video
    from tests.conftest import make_speech
    from tests.robust.helpers import ROOT, one_error_line
    from tests.training.conftest import synthetic_frames

    speech = make_speech(tmp_path / "speech.wav", "Hello there, papa.", rate=220)
    for i, name in enumerate(("a.mp4", "b.mp4")):
        write_video(tmp_path / name, synthetic_frames(portrait, 10, seed=i), 25, speech)
    out = tmp_path / "out"
    write_metadata(tmp_path / "one.csv", [ClipMeta("a.mp4", "happy")])
    cfg = PrepareConfig(size=64, min_frames=8, min_emotion_consistency=0.0)
    prepare_dataset(tmp_path / "one.csv", out, cfg)
    done = (out / "clips" / "a" / "frames.npz").read_bytes()
    write_metadata(tmp_path / "two.csv", [ClipMeta("a.mp4", "happy"), ClipMeta("b.mp4", "sad")])

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (48_000, 48_000))

    proc = subprocess.run([sys.executable, "main.py", "prepare", str(tmp_path / "two.csv"), "-o",
                           str(out), "--size", "64", "--min-frames", "8", "--min-consistency",
                           "0"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          preexec_fn=small_files,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 1, proc.stderr
    line = one_error_line(proc.stderr, "cannot write the prepared clip")
    assert f"the 1 clip finished before it is kept in {out} (a rerun reuses it)" in line
    assert (out / "clips" / "a" / "frames.npz").read_bytes() == done
    assert sorted(p.name for p in (out / "clips").iterdir()) == ["a"]  # no half clip b


def test_one_clip_kept_is_counted_in_the_singular(tmp_path, portrait, capsys):
    """A run that kept one clip said 'kept 1 clips', and a Ctrl-C after it '1 finished clips
    are kept ... (a rerun reuses them)'."""
    from core.cli import run_cli
    from core.cli.prepare import _interrupted
    from core.training.video import write_video
    from tests.conftest import make_speech
    from tests.training.conftest import synthetic_frames

    speech = make_speech(tmp_path / "speech.wav", "Hello there, papa.", rate=220)
    write_video(tmp_path / "a.mp4", synthetic_frames(portrait, 10, seed=0), 25, speech)
    write_metadata(tmp_path / "one.csv", [ClipMeta("a.mp4", "happy")])
    out = tmp_path / "out"
    assert run_cli(["prepare", str(tmp_path / "one.csv"), "-o", str(out), "--size", "64",
                    "--min-frames", "8", "--min-consistency", "0"]) == 0
    assert capsys.readouterr().out.startswith("kept 1 clip, skipped 0 ")
    # what a Ctrl-C now (the clip's manifest written) says: the command's own stop handler
    assert _interrupted(KeyboardInterrupt(), str(out)) == 130
    line = capsys.readouterr().err.strip()
    assert line == (f"error: interrupted; 1 clip already finished is kept in {out} "
                    "(a rerun reuses it)")


def test_a_second_prepare_into_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    """Two `prepare` runs into one --out (no shards): each rewrote manifest.json after every
    clip, and the last to write it won, listing only its own clips. While one runs (here a
    process holding its lock), another is refused before it writes anything; a shard of its
    own (its own manifest) is not held up."""
    import subprocess
    import sys

    from core.errors import InputError
    from core.training.prepare import prepare_dataset

    meta = tmp_path / "meta.json"
    write_metadata(meta, [ClipMeta("missing.mp4", "happy")])
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         f"fd = os.open({str(out / '.manifest.json.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, str(os.getpid()).encode())\n"
         "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match=rf"being written by another run \(process "
                                             rf"{holder.pid}\); wait for it"):
            prepare_dataset(meta, out)
        assert not (out / "manifest.json").exists()
        report = prepare_dataset(meta, out, shard=(0, 2))  # its own manifest: runs
        assert report.manifest != "manifest.json" and report.skipped
    finally:
        holder.kill()
        holder.wait()
    assert prepare_dataset(meta, out).skipped  # the lock went with its process


@pytest.mark.parametrize("name, text", [
    ("m.csv", "file,emotions,split\na.mp4,happy,train\nb.mp4,sad,test\n"),
    ("m.json", '[{"file": "a.mp4", "emotions": "happy"}, {"file": "b.mp4", "emotion": "sad"}]')])
def test_metadata_with_an_unknown_column_is_refused(tmp_path, name, text):
    """'emotions' for 'emotion': every clip was read as neutral, and prepared and trained so,
    without a word; an unknown column is now named with the ones there are."""
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=r"unknown column 'emotions'.*file, emotion, aus, text, "
                                         r"split, person"):
        read_metadata(tmp_path / name)
    # a column's name is read whatever its case, in JSON as in a CSV header
    (tmp_path / name).write_text(text.replace("emotions", "Emotion"))
    assert [c.emotion for c in read_metadata(tmp_path / name)] == ["happy", "sad"]


def test_metadata_row_with_more_cells_than_columns_is_refused(tmp_path):
    """An unquoted comma in the last column: 'a bitter, tired smile' was read as 'a bitter' and
    the rest dropped without a word (and the clip was trained on half its description)."""
    (tmp_path / "m.csv").write_text("file,emotion,text\na.mp4,sad,a quiet sigh\n"
                                    "b.mp4,happy,a bitter, tired smile\n")
    with pytest.raises(InputError, match=r"m.csv, clip 2: 4 cells but the header has 3 columns "
                                         r"\(a comma inside a value needs quotes\)"):
        read_metadata(tmp_path / "m.csv")
    (tmp_path / "m.csv").write_text('file,emotion,text\nb.mp4,happy,"a bitter, tired smile"\n')
    assert read_metadata(tmp_path / "m.csv")[0].text == "a bitter, tired smile"


def test_a_rerun_removes_what_a_killed_run_left_of_its_clips(clip_dir, tmp_path):
    """A prepare killed (SIGKILL, the out-of-memory killer: a whole clip is held in memory)
    while writing a clip left its hidden temp folder in clips/ (20 MB for a 5 s clip at 256 px),
    or the old clip set aside, and no rerun ever removed them; a rerun now removes those of its
    own clips, and leaves anything else."""
    import shutil
    import tempfile

    from core.training.prepare import PrepareConfig, prepare_dataset

    (tmp_path / "m.csv").write_text("file,emotion\nhappy_1.mp4,happy\n")
    shutil.copy(clip_dir / "happy_1.mp4", tmp_path)
    clips = tmp_path / "out" / "clips"
    clips.mkdir(parents=True)
    left = [tempfile.mkdtemp(prefix=".happy_1-", dir=clips),  # as core.atomic.folder names them
            tempfile.mkdtemp(prefix=".happy_1-old-", dir=clips)]
    (Path(left[0]) / "frames.npz").write_bytes(b"\0" * 1000)
    other = Path(tempfile.mkdtemp(prefix=".sad_1-", dir=clips))  # not a clip of this run
    report = prepare_dataset(tmp_path / "m.csv", tmp_path / "out",
                             PrepareConfig(size=64, min_frames=8, min_emotion_consistency=0.0))
    assert [r["id"] for r in report.kept] == ["happy_1"]
    assert sorted(p.name for p in clips.iterdir()) == sorted(["happy_1", other.name])


def test_a_clip_too_long_to_hold_is_skipped_with_why_not_cut_or_killed(tmp_path, portrait,
                                                                       monkeypatch):
    """prepare reads a clip whole: one over ten minutes was cut there without a word, and one
    whose frames outgrow the memory (a minute of 1080p is 9 GB, twice with the stacked copy)
    had the out-of-memory killer end the whole run. Told from the header, before decoding:
    the clip is skipped with its length or size and the memory free, and the rest go on."""
    import core.training.video as video
    from core.training.prepare import PrepareConfig, prepare_dataset
    from core.training.video import write_video
    from tests.conftest import make_speech
    from tests.training.conftest import synthetic_frames

    speech = make_speech(tmp_path / "speech.wav", "Hello there, papa.", rate=220)
    write_video(tmp_path / "a.mp4", synthetic_frames(portrait, 10, seed=0), 25, speech)
    write_metadata(tmp_path / "m.csv", [ClipMeta("a.mp4", "happy")])
    config = PrepareConfig(size=32, min_frames=8, min_emotion_consistency=0.0)

    monkeypatch.setattr(video, "MAX_FRAMES", 6)  # a limit of 6 frames: a.mp4 (10) is over it
    report = prepare_dataset(tmp_path / "m.csv", tmp_path / "out", config)
    reason = report.skipped[0]["reason"]
    assert "a.mp4 is 0.0 min long (10 frames); clips are read whole" in reason, reason
    assert "cut it into shorter clips" in reason

    monkeypatch.setattr(video, "MAX_FRAMES", 10**9)
    monkeypatch.setattr(video, "memory_free", lambda: 1 << 20)  # 1 MiB free
    report = prepare_dataset(tmp_path / "m.csv", tmp_path / "out2", config)
    reason = report.skipped[0]["reason"]
    assert reason.startswith("a.mp4 is 10 frames at ") and "GiB of memory is free" in reason

    monkeypatch.undo()
    report = prepare_dataset(tmp_path / "m.csv", tmp_path / "out3", config)
    assert not report.skipped and len(report.kept) == 1
