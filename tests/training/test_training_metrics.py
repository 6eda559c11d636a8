from __future__ import annotations

import json

import numpy as np

from core.emotions import EMOTIONS
from core.training.metrics import (akd, emotion_correct, emotion_scores, lipsync, prototypes)


def _lm(prepared, clip="happy_1"):
    return np.load(prepared[0] / "clips" / clip / "landmarks.npy")


def test_akd_is_zero_on_itself_and_grows_with_offset(prepared):
    lm = _lm(prepared)
    assert akd(lm, lm) == {"akd_px": 0.0, "akd_ipd": 0.0}
    moved = akd(lm + [3.0, 4.0], lm)
    assert abs(moved["akd_px"] - 5.0) < 1e-4 and moved["akd_ipd"] > 0


def test_emotion_proxy_reads_a_drawn_smile_and_brow_raise(prepared):
    lm = _lm(prepared)[:1].copy()
    smile = lm.copy()
    ipd = np.linalg.norm(lm[0, 473] - lm[0, 468])
    smile[0, 61] += [-0.08 * ipd, -0.1 * ipd]  # corners up and out (AU12)
    smile[0, 291] += [0.08 * ipd, -0.1 * ipd]
    assert EMOTIONS[int(np.argmax(emotion_scores(smile, lm[0])))] == "happy"
    assert emotion_correct(emotion_scores(smile, lm[0]), "happily surprised")
    raised = lm.copy()
    raised[0, [107, 66, 55, 65, 336, 296, 285, 295, 70, 63, 46, 53, 156, 300, 293, 276, 283, 383], 1] -= 0.12 * ipd
    raised[0, [159, 386], 1] -= 0.05 * ipd
    assert EMOTIONS[int(np.argmax(emotion_scores(raised, lm[0])))] in ("surprised", "fearful")
    assert prototypes().shape == (6, 7)


def test_lipsync_follows_mouth_opening():
    lm = np.zeros((20, 478, 2), np.float32)
    lm[:, 468], lm[:, 473] = [0, 0], [10, 0]
    energy = np.abs(np.sin(np.arange(20) / 2.0))
    lm[:, 14, 1] = 2 * energy
    assert lipsync(lm, energy) > 0.99
    assert lipsync(lm, np.roll(energy, 7)) < 0.9


def test_evaluate_cli_on_a_folder_of_videos(clip_dir, tmp_path, capsys):
    import shutil

    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    for name in ("happy_1", "sad_1"):
        shutil.copy(clip_dir / f"{name}.mp4", gen)
        shutil.copy(clip_dir / f"{name}.mp4", ref)
    assert run_cli(["evaluate", str(gen), str(ref), "--metadata",
                    str(clip_dir / "metadata.csv")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["clips"] == 2 and summary["akd_px"] == 0.0
    assert summary["emotion_judged"] == 2 and summary["lipsync"] is not None


def test_an_evaluate_stopped_mid_way_says_so_on_a_line_of_its_own(clip_dir, tmp_path, capsys,
                                                                  monkeypatch):
    """A Ctrl-C after the first pair: the line came after the progress line's padding,
    "[2/2] sad_1    ...    error: interrupted; no output was written", one line."""
    import shutil

    import core.training.metrics as metrics
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    for name in ("happy_1", "sad_1"):
        shutil.copy(clip_dir / f"{name}.mp4", gen)
        shutil.copy(clip_dir / f"{name}.mp4", ref)
    real = metrics.evaluate_folders

    def ctrl_c_at_the_second(generated, reference, labels, progress):
        def seen(done, total, name):
            progress(done, total, name)
            if done == 1:
                raise KeyboardInterrupt
        return real(generated, reference, labels, seen)

    monkeypatch.setattr(metrics, "evaluate_folders", ctrl_c_at_the_second)
    assert run_cli(["evaluate", str(gen), str(ref)]) == 130
    lines = capsys.readouterr().err.split("\n")
    assert "error: interrupted; no output was written" in lines, lines


def test_prepare_cli_lists_skipped_clips(clip_dir, tmp_path, capsys):
    from core.cli import run_cli

    assert run_cli(["prepare", str(clip_dir / "metadata.csv"), "--out", str(tmp_path / "p"),
                    "--size", "32", "--min-frames", "8", "--min-consistency", "0"]) == 0
    out = capsys.readouterr().out
    assert "kept 6 clips, skipped 3" in out and "noface.mp4" in out


def test_an_emotion_left_unjudged_says_why(clip_dir, tmp_path, capsys):
    """A clip labelled neutral is not judged (the proxy picks one of six experts), yet its row
    had correct: null with no note, and the summary said the emotion accuracy was missing
    because "no clip had an emotion label (--metadata)": the label was there. The row says why
    now, and the summary points there instead of at a missing --metadata."""
    import shutil

    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(clip_dir / "calm_1.mp4", gen)
    shutil.copy(clip_dir / "calm_1.mp4", ref)
    assert run_cli(["evaluate", str(gen), str(ref), "--metadata",
                    str(clip_dir / "metadata.csv")]) == 0
    summary = json.loads(capsys.readouterr().out)
    row = summary["per_clip"][0]
    assert row["emotion"] == "neutral" and row["correct"] is None
    assert any("neutral clip is not judged" in n for n in row["notes"])
    assert summary["emotion_accuracy"] is None and summary["emotion_judged"] == 0
    assert "--metadata" not in summary["missing"]["emotion_accuracy"]
    assert "notes" in summary["missing"]["emotion_accuracy"]
