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


def test_curve_times_past_1000_s_keep_their_frames_apart(tmp_path):
    """A take's curves past 1000 s at 120 fps (`render --start 1000 --fps 120 --curves`): the
    CSV's times were printed to 6 significant digits, 1000.02 for two frames in a row (and
    each up to 5 ms off); the JSON form kept them."""
    from core.curves import read_curves, write_curves

    times = [1000 + i / 120 for i in range(6)]
    for name in ("take.csv", "take.json"):
        write_curves([(t, {12: 0.5}) for t in times], 120, tmp_path / name)
        _, rows = read_curves(tmp_path / name)
        assert [r[0] for r in rows] == [round(t, 6) for t in times]


def test_a_clip_too_short_for_lipsync_is_said_to_be_too_short(tmp_path, portrait_path,
                                                               speech_wav, capsys):
    """A 0.1 s clip (3 frames, of speech) has no lip-sync score: a correlation needs 4 frames.
    Its note said the mouth or the audio 'does not vary'."""
    import json

    for folder in ("gen", "ref"):
        (tmp_path / folder).mkdir()
        assert run_cli(["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                        "--start", "1.5", "--duration", "0.1", "--size", "256", "--quiet",
                        "-o", str(tmp_path / folder / "a.mp4")]) == 0
    capsys.readouterr()
    assert run_cli(["evaluate", str(tmp_path / "gen"), str(tmp_path / "ref")]) == 0
    summary = json.loads(capsys.readouterr().out)
    clip = summary["per_clip"][0]
    assert (clip["status"], clip["lipsync"]) == ("ok", None)
    assert clip["notes"] == ["lipsync: only 3 frames with a face, and a correlation needs at "
                             "least 4"]
    assert summary["missing"]["lipsync"] == ("no clip had enough frames with a face and audio "
                                             "that vary together")


def test_an_error_after_the_keys_progress_starts_on_its_own_line(tmp_path, portrait_path,
                                                                  speech_wav, capsys,
                                                                  monkeypatch):
    """A long keyframe file shows 'loading keys N/M' as it loads; a bad key after the first
    report was told on that line: 'loading keys 50000/60000error: ...'."""
    import json

    import core.keyframes

    monkeypatch.setattr(core.keyframes, "PROGRESS_EVERY", 2)  # 50 000 keys' reports, on 5
    keys = [{"time": i, "mix": {"weights": {"happy": 0.5}}} for i in range(5)]
    keys[3]["mix"]["weights"]["happy"] = "x"
    path = tmp_path / "take.json"
    path.write_text(json.dumps({"format": "moee-keyframes", "version": 1, "keys": keys}))
    assert run_cli(["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                    "--keys", str(path), "-o", str(tmp_path / "take.mp4")]) == 1
    lines = capsys.readouterr().err.split("\n")
    assert lines[-3:] == ["\rloading keys 2/5", "error: take.json: key 4: the weight of happy "
                          "must be a number, got 'x'", ""]


def test_live_reports_the_seconds_of_audio_its_frames_came_from(speech_wav, capsys):
    """`live --seconds 0.03` renders a frame from 0.03 s of audio; the report said 'over 0.0 s
    of audio' (one decimal)."""
    import math

    from core.live.tuning import LIVE

    assert run_cli(["live", "--input", str(speech_wav), "--seconds", "0.03"]) == 0
    m = re.fullmatch(r"(\d+) frames? \((\d+) skipped\) over ([\d.]+) s of audio; .*",
                     capsys.readouterr().out.strip())
    frames, skipped, seconds = int(m[1]), int(m[2]), float(m[3])
    assert 0.03 <= seconds < 0.1
    assert frames + skipped == math.ceil(seconds * LIVE["fps"] - 1e-6) >= 1


def test_the_batch_eta_counts_only_rows_that_took_work(tmp_path, portrait_path, speech_wav,
                                                       capsys):
    """20 rows already done and 2 to render: the done rows were counted as progress made in the
    time spent, so after the first render (seconds) the bar said 21/22 done and 'ETA 0:00' for
    the second; and every skipped row said 'ETA 0:00' before anything had rendered."""
    import shutil

    import soundfile as sf

    from core.batch import record

    shutil.copy(portrait_path, tmp_path / "face.png")
    data, sr = sf.read(speech_wav, dtype="float32")
    sf.write(tmp_path / "line.wav", data[int(0.5 * sr):int(1.5 * sr)], sr)  # 1 s of speech
    settings = {"fps": 25, "size": 64, "seed": 0, "engine": "rig"}
    rows = []
    for i in range(20):
        cells = {"portrait": str(tmp_path / "face.png"), "audio": str(tmp_path / "line.wav"),
                 "out": str(tmp_path / f"done{i}.mp4")}
        (tmp_path / f"done{i}.mp4").write_bytes(b"a take rendered before")
        record.write_record(cells, record.identity(cells, settings))
        rows.append(f"face.png,line.wav,done{i}.mp4\n")
    rows += ["face.png,line.wav,new0.mp4\n", "face.png,line.wav,new1.mp4\n"]
    (tmp_path / "m.csv").write_text("portrait,audio,out\n" + "".join(rows))
    assert run_cli(["batch", str(tmp_path / "m.csv"), "--size", "64"]) == 0
    log = capsys.readouterr().err.splitlines()
    skipped = [ln for ln in log if ln.startswith("skipped")]
    assert len(skipped) == 20 and all(ln.endswith("ETA --:--") for ln in skipped), skipped
    first = next(ln for ln in log if ln.startswith("ok") and "21/22 rows" in ln)
    took = float(re.search(r"frames in ([\d.]+) s", first)[1])
    minutes, seconds = re.search(r"ETA (\d+):(\d\d)$", first).groups()
    assert 60 * int(minutes) + int(seconds) >= int(took), first  # one more such row to go


def test_akd_over_a_take_that_lost_the_face_says_over_how_many_frames(tiny_clips, tmp_path,
                                                                       capsys):
    """AKD skips frames without a face: a generated take that kept its face in 3 of 10 frames
    read akd_px 0.25 against its own ground truth, as good as a whole take, with no word of the
    7 frames lost. The clip's notes now say how many it lost and what AKD is over."""
    import json

    import numpy as np

    from core.training.video import read_video, write_video

    frames, fps = read_video(tiny_clips / "face.mp4")
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    blank = np.full_like(frames[0], 128)
    write_video(gen / "a.mp4", [*frames[:3], *[blank] * (len(frames) - 3)], fps,
                tiny_clips / "speech.wav")
    write_video(ref / "a.mp4", list(frames), fps, tiny_clips / "speech.wav")
    assert run_cli(["evaluate", str(gen), str(ref)]) == 0
    row = json.loads(capsys.readouterr().out)["per_clip"][0]
    assert row["status"] == "ok" and row["akd_px"] is not None
    assert (f"akd: the generated video has no face in 7 of the {len(frames)} frames where the "
            "ground truth has one (70%); akd_px and akd_ipd are over the 3 frames with a face "
            "in both") in row["notes"]


def test_an_odd_size_is_never_exceeded(portrait_path, speech_wav, tmp_path, capsys):
    """--size is the video's longest side; its sides are even (H.264), and an odd --size 131
    was rounded up: a 132 px video, over the size asked. It is rounded down now (130)."""
    from core.training.video import read_video

    out = tmp_path / "take.mp4"
    assert run_cli(["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                    "-o", str(out), "--size", "131", "--duration", "0.04", "--quiet"]) == 0
    frames, _ = read_video(out)
    assert max(frames.shape[1:3]) == 130 and frames.shape[1] % 2 == frames.shape[2] % 2 == 0


def test_evaluate_says_a_take_too_long_to_read_whole_is_not_scored(tiny_clips, tmp_path,
                                                                   monkeypatch):
    """evaluate reads each video whole: past ten minutes (MAX_FRAMES) a take was cut there and
    scored on its start as if whole. It is now listed unscored, saying why."""
    import shutil

    import core.training.video as video
    from core.training.metrics import evaluate_folders

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(tiny_clips / "face.mp4", gen / "face.mp4")
    shutil.copy(tiny_clips / "face.mp4", ref / "face.mp4")
    monkeypatch.setattr(video, "MAX_FRAMES", 4)  # the clip's frames are over this limit
    row = evaluate_folders(gen, ref)["per_clip"][0]
    assert row["status"] == "unreadable" and "clips are read whole" in row["notes"][0], row
    monkeypatch.undo()
    assert evaluate_folders(gen, ref)["per_clip"][0]["status"] == "ok"
