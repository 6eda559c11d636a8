"""prepare's AU measurement (the rig's AU basis run backwards), the emotion-consistency filter,
the person-ID column and sharded preparation."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from core.emotions import AU_INDEX, AU_NUMBERS
from core.training.au_fit import fit_aus
from core.training.consistency import emotion_score
from core.training.tuning import TUNING


@pytest.fixture(scope="module")
def rest():
    """The sample portrait's landmarks, its face frame and its AU basis."""
    from core.face.frame import FaceFrame
    from core.face.landmarks import detect_face
    from core.rig.au_basis import AUBasis
    from core.samples import sample_portrait

    xy = detect_face(sample_portrait()).xy[:, :2].astype(np.float64)
    frame = FaceFrame.from_landmarks(xy)
    p0 = frame.to_frame(xy)
    return xy, frame, p0, AUBasis.build(p0)


def take(rest, aus: dict[int, float], n: int = 8) -> np.ndarray:
    """Landmarks (n, 478, 2) of a take that eases from rest into `aus`, filmed with a roll of
    6 degrees, 1.3x zoom and a drift (what alignment must undo)."""
    _, frame, p0, basis = rest
    idx = basis.index()
    ang = np.radians(6)
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    out = []
    for k in range(n):
        w = np.zeros(len(basis.keys), np.float32)
        for au, v in aus.items():
            w[idx[(au, "R")]] = w[idx[(au, "L")]] = v * k / (n - 1)
        img = frame.to_image(p0 + basis.displacement(w))
        out.append((img - 200) @ rot.T * 1.3 + 240 + 2 * k)
    return np.stack(out)


def test_aus_are_recovered_from_landmarks(rest):
    truth = {12: 0.8, 6: 0.5}
    aus = fit_aus(take(rest, truth))
    assert aus.shape == (8, len(AU_NUMBERS)) and aus.min() >= 0 and aus.max() <= 1
    np.testing.assert_allclose(aus[0], 0, atol=1e-3)  # the first frame is the rest
    for au in AU_NUMBERS:
        assert abs(aus[-1, AU_INDEX[au]] - truth.get(au, 0.0)) < 0.05, au
    sad = fit_aus(take(rest, {1: 0.6, 4: 0.8, 15: 0.9}))[-1]
    assert sad[AU_INDEX[15]] > 0.8 and sad[AU_INDEX[4]] > 0.7 and sad[AU_INDEX[12]] < 0.05


def test_consistency_keeps_a_take_that_shows_its_label(rest):
    from core.training.consistency import inconsistency

    smile = fit_aus(take(rest, {12: 0.8, 6: 0.5, 25: 0.3}))
    frown = fit_aus(take(rest, {1: 0.6, 4: 0.8, 15: 0.9}))
    threshold = TUNING["emotion_consistency_min"]
    assert emotion_score(smile, "happy") > 0.9 and emotion_score(frown, "sad") > 0.8
    assert emotion_score(smile, "sad") < threshold and emotion_score(frown, "happy") < threshold
    assert emotion_score(smile, "neutral") is None
    row = {"emotion": "sad", "emotion_score": emotion_score(smile, "sad")}
    assert "emotion inconsistent" in inconsistency(row, threshold)
    assert inconsistency({"emotion": "happy", "emotion_score": 0.95}, threshold) is None


def test_prepare_stores_aus_person_and_reports_filtered_clips(prepared, clip_dir, tmp_path):
    from core.training.data import ClipDataset
    from core.training.prepare import PrepareConfig, prepare_dataset

    out, report = prepared
    row = next(r for r in report.kept if r["id"] == "sad_1")
    assert row["person"] == "astronaut" and isinstance(row["emotion_score"], float)
    aus = np.load(out / "clips" / "sad_1" / "aus.npy")
    assert aus.shape == (12, len(AU_NUMBERS)) and np.isfinite(aus).all()
    window = ClipDataset(out, n_frames=8, resolution=32).window(2, np.random.default_rng(0))
    assert window["aus"].shape == (len(AU_NUMBERS),)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)  # cached clips: only the filter runs again
    strict = prepare_dataset(clip_dir / "metadata.csv", copy,
                             PrepareConfig(size=64, min_frames=8, min_emotion_consistency=1.01))
    assert [r["id"] for r in strict.kept] == ["calm_1"]  # neutral clips have no prototype
    reasons = {r["file"]: r["reason"] for r in strict.skipped}
    assert "emotion inconsistent" in reasons["sad_1.mp4"] and "'sad'" in reasons["sad_1.mp4"]


def test_shards_prepare_one_dataset_together(prepared, clip_dir, tmp_path):
    from core.errors import InputError
    from core.training.prepare import PrepareConfig, prepare_dataset, read_manifest
    from core.training.shards import parse_shard

    out = tmp_path / "sharded"
    shutil.copytree(prepared[0] / "clips", out / "clips")  # the faces were found once already
    cfg = PrepareConfig(size=64, min_frames=8, min_emotion_consistency=0.0)
    parts = [prepare_dataset(clip_dir / "metadata.csv", out, cfg, shard=(i, 2)) for i in (0, 1)]
    assert not (out / "manifest.json").exists()
    names = sorted(p.name for p in out.glob("manifest*.json"))
    assert names == ["manifest.shard-0-of-2.json", "manifest.shard-1-of-2.json"]
    assert not {r["id"] for r in parts[0].kept} & {r["id"] for r in parts[1].kept}
    merged = read_manifest(out)
    whole = json.loads((prepared[0] / "manifest.json").read_text())
    assert sorted(r["id"] for r in merged["kept"]) == sorted(r["id"] for r in whole["kept"])
    assert len(merged["skipped"]) == len(whole["skipped"])
    assert parse_shard("1/4") == (1, 4)
    for bad in ("4/4", "x", "1/0"):
        with pytest.raises(InputError, match="--shard"):
            parse_shard(bad)
