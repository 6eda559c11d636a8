"""Held-out evaluation: AKD, an emotion-accuracy proxy, and lip-sync, from MediaPipe landmarks.

- AKD (average keypoint distance): mean distance between the 478 Face Mesh points of generated
  and ground-truth frames, in pixels of the ground truth and in IPD (face-size free).
- Emotion accuracy (a proxy, not a trained classifier): landmarks -> seven expression features in
  the face frame (brows, eyes, lip corners, width, upper lip); the clip's median change from the
  reference frame (the portrait the generator saw: the ground truth's first frame) is compared by
  cosine with each expert's prototype change (core/expression.py AU intensities x the AU motion
  table below); correct when the best expert is the label (or one of a compound's experts).
  Mouth opening is left out: speech owns it.
- Lip-sync: Pearson correlation between mouth opening (inner lips 13/14, in IPD) and the audio's
  per-frame energy, best over +-lipsync_max_lag_frames.

Frames are compared one to one, so a pair at different frame rates or lengths more than a frame
apart is not scored (status fps_mismatch / length_mismatch, both lengths given), and a file
that decodes fewer frames than its header declares is unreadable.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from core.emotions import AU_INDEX, EMOTIONS, NUM_AUS
from core.errors import InputError, MoeeError
from core.expression import expert_matrix
from core.face.frame import FaceFrame
from core.face.regions import ipd
from core.latents.label import canonical_label, label_weights
from core.training.tuning import TUNING
from core.validate import counted

# Face Mesh indices (FACS.md): inner/outer brows, mid lids, lip corners, inner lip midpoints.
INNER_BROWS = [107, 66, 55, 65, 336, 296, 285, 295]
OUTER_BROWS = [70, 63, 46, 53, 156, 300, 293, 276, 283, 383]
R_INNER_BROW, L_INNER_BROW = [107, 66, 55, 65], [336, 296, 285, 295]
LIDS = ((159, 145), (386, 374))  # (upper, lower) mid-lid, right then left eye
CORNERS = (61, 291)
UPPER_LIP_MID, INNER_UPPER, INNER_LOWER = 0, 13, 14

FEATURES = ("inner_brow_up", "outer_brow_up", "brow_gap", "eye_open", "corner_up",
            "mouth_width", "upper_lip_up")
# AU -> feature change at full strength, in IPD (FACS.md "Action Units" table, mid-range values).
AU_MOTION: dict[int, dict[str, float]] = {
    1: {"inner_brow_up": 0.12}, 2: {"outer_brow_up": 0.12},
    4: {"inner_brow_up": -0.06, "outer_brow_up": -0.03, "brow_gap": -0.04},
    5: {"eye_open": 0.05}, 6: {"eye_open": -0.02, "corner_up": 0.02}, 7: {"eye_open": -0.03},
    9: {"upper_lip_up": 0.03, "inner_brow_up": -0.02}, 10: {"upper_lip_up": 0.06},
    12: {"corner_up": 0.10, "mouth_width": 0.10}, 14: {"mouth_width": -0.03},
    15: {"corner_up": -0.06}, 17: {"upper_lip_up": 0.01}, 18: {"mouth_width": -0.2},
    20: {"mouth_width": 0.12, "corner_up": -0.01}, 22: {"mouth_width": -0.15},
    23: {"mouth_width": -0.05}, 24: {"mouth_width": -0.03},
}


def au_motion_matrix() -> np.ndarray:
    m = np.zeros((NUM_AUS, len(FEATURES)), np.float32)
    for au, moves in AU_MOTION.items():
        for name, v in moves.items():
            m[AU_INDEX[au], FEATURES.index(name)] = v
    return m


def prototypes() -> np.ndarray:
    """(6, len(FEATURES)): each expert's expected feature change."""
    return expert_matrix() @ au_motion_matrix()


def landmark_track(frames) -> np.ndarray:
    """(N, 478, 2) Face Mesh points per frame; NaN where no face was found."""
    from core.face.landmarks import detect_face

    out = []
    for f in frames:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(detect_face(f).xy.astype(np.float32))
        except MoeeError:
            out.append(np.full((478, 2), np.nan, np.float32))
    return np.stack(out)


def akd(gen: np.ndarray, ref: np.ndarray, ref_scale: float = 1.0) -> dict[str, float]:
    """gen, ref: (N, 478, 2) -> mean point distance in ref pixels and in IPD (NaN frames skipped).
    `ref_scale` maps gen pixels to ref pixels when the videos differ in size."""
    n = min(len(gen), len(ref))
    d = np.linalg.norm(gen[:n] * ref_scale - ref[:n], axis=-1).mean(-1)  # (n,)
    ok = np.isfinite(d)
    if not ok.any():
        return {"akd_px": float("nan"), "akd_ipd": float("nan")}
    return {"akd_px": float(d[ok].mean()), "akd_ipd": float((d[ok] / ipd(ref[:n])[ok]).mean())}


def expression_features(lm: np.ndarray) -> np.ndarray:
    """(N, 478, 2) -> (N, len(FEATURES)) in the face frame (IPD units, up = positive)."""
    out = np.full((len(lm), len(FEATURES)), np.nan, np.float32)
    for i, pts in enumerate(lm):
        if not np.isfinite(pts).all():
            continue
        p = FaceFrame.from_landmarks(pts).to_frame(pts)
        out[i] = [-p[INNER_BROWS, 1].mean(), -p[OUTER_BROWS, 1].mean(),
                  p[L_INNER_BROW, 0].mean() - p[R_INNER_BROW, 0].mean(),
                  np.mean([p[lo, 1] - p[up, 1] for up, lo in LIDS]),
                  -p[list(CORNERS), 1].mean(), p[CORNERS[1], 0] - p[CORNERS[0], 0],
                  -p[UPPER_LIP_MID, 1]]
    return out


def emotion_scores(lm: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Cosine of the clip's median feature change from `baseline` (478, 2) with each expert (6,)."""
    features = expression_features(lm)
    if not np.isfinite(features).any(axis=0).all():  # no frame with a face: nanmedian warns
        return np.full(len(EMOTIONS), np.nan)
    delta = np.nanmedian(features, axis=0) - expression_features(baseline[None])[0]
    if not np.isfinite(delta).all():
        return np.full(len(EMOTIONS), np.nan)
    protos = prototypes()
    return protos @ delta / (np.linalg.norm(protos, axis=1) * np.linalg.norm(delta) + 1e-9)


def emotion_correct(scores: np.ndarray, label: str) -> bool | None:
    """Best expert is the label (or one of a compound's experts); None for neutral/unknown."""
    key = canonical_label(label)
    w = label_weights(key)
    if key == "neutral" or not np.isfinite(scores).all():
        return None
    return bool(w[int(np.argmax(scores))] > 0)


def mouth_opening(lm: np.ndarray) -> np.ndarray:
    return np.linalg.norm(lm[:, INNER_LOWER] - lm[:, INNER_UPPER], axis=-1) / ipd(lm)


LIPSYNC_MIN_FRAMES = 4  # frames with a face (at one lag) that a correlation is taken over


def lipsync(lm: np.ndarray, energy: np.ndarray) -> float:
    """Best Pearson correlation of mouth opening with audio energy over small lags."""
    mouth = mouth_opening(lm)
    n = min(len(mouth), len(energy))
    mouth, energy = mouth[:n], np.asarray(energy[:n], np.float64)
    best = float("nan")
    lag_max = int(TUNING["lipsync_max_lag_frames"])
    for lag in range(-lag_max, lag_max + 1):
        a = mouth[max(lag, 0):n + min(lag, 0)]
        b = energy[max(-lag, 0):n - max(lag, 0)]
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() < LIPSYNC_MIN_FRAMES or a[ok].std() < 1e-9 or b[ok].std() < 1e-9:
            continue
        r = float(np.corrcoef(a[ok], b[ok])[0, 1])
        best = r if not np.isfinite(best) else max(best, r)
    return best


def audio_energy(video: Path, fps: float, n: int) -> np.ndarray | None:
    from core.audio.features import compute_features
    from core.audio.io import load_audio

    try:
        e = compute_features(load_audio(video), fps).energy
    except InputError:
        return None
    out = np.zeros(n, np.float32)
    out[:min(n, len(e))] = e[:n]
    return out


def evaluate_pair(generated: Path, reference: Path, emotion: str | None = None) -> dict:
    """Metrics of one generated video against its ground truth (audio from either). A metric
    that cannot be measured is None, and `notes` says why (never NaN: it is not valid JSON).
    A pair that cannot be compared frame by frame gets no metrics (`_mismatch`)."""
    from core.training.video import read_video, too_long_to_read

    for video in (generated, reference):  # read whole: past ten minutes it was cut unsaid
        too_long = too_long_to_read(video)
        if too_long:
            raise InputError(too_long)
    gen_frames, fps = read_video(generated, complete=True)
    ref_frames, ref_fps = read_video(reference, complete=True)
    mismatch = _mismatch(generated.stem, (len(gen_frames), fps, gen_frames.shape[1:3]),
                         (len(ref_frames), ref_fps, ref_frames.shape[1:3]))
    if mismatch:
        return mismatch
    gen, ref = landmark_track(gen_frames), landmark_track(ref_frames)
    scale = ref_frames.shape[1] / gen_frames.shape[1]
    row = {"clip": generated.stem, "status": "ok", **akd(gen, ref, scale)}
    notes = []
    faces_gen, faces_ref = _has_face(gen), _has_face(ref)
    if not faces_gen.any() or not faces_ref.any():
        row["status"] = "no face"
        notes.append("no face found in the " + ("generated" if not faces_gen.any() else
                                                "ground-truth") + " video")
    elif row["akd_px"] is None or not np.isfinite(row["akd_px"]):
        notes.append("akd: no frame has a face in both videos")
    else:
        lost = _face_lost(faces_gen, faces_ref)
        if lost:
            notes.append(lost)
    energy = audio_energy(generated, fps, len(gen))
    if energy is None:
        energy = audio_energy(reference, fps, len(gen))
    row["lipsync"] = lipsync(gen, energy) if energy is not None else float("nan")
    if energy is None:
        notes.append("lipsync: neither video has readable audio")
    elif not np.isfinite(row["lipsync"]) and row["status"] == "ok":
        notes.append(_no_lipsync_reason(gen, len(energy)))
    if emotion:
        scores = emotion_scores(gen * scale, ref[0])
        row.update(emotion=emotion, predicted=EMOTIONS[int(np.nanargmax(scores))]
                   if np.isfinite(scores).all() else None, correct=emotion_correct(scores, emotion))
        if row["correct"] is None:
            notes.append(_not_judged(emotion, scores, gen, ref))
    if notes:
        row["notes"] = notes
    return _finite_or_none(row)


def _face_lost(faces_gen: np.ndarray, faces_ref: np.ndarray) -> str | None:
    """The frames whose face the generated video lost, which AKD skips: a take with a face in 1
    of 50 frames read akd_px 0.5, as good as a whole one (FOMM reports AKD with this missing
    keypoint rate, MKR)."""
    n = min(len(faces_gen), len(faces_ref))
    truth = faces_ref[:n]
    lost = int((truth & ~faces_gen[:n]).sum())
    if not lost:
        return None
    return (f"akd: the generated video has no face in {lost} of the {int(truth.sum())} frames "
            f"where the ground truth has one ({lost / truth.sum():.0%}); akd_px and akd_ipd "
            f"are over the {counted(int((truth & faces_gen[:n]).sum()), 'frame')} with a face "
            "in both")


def _not_judged(emotion: str, scores: np.ndarray, gen: np.ndarray, ref: np.ndarray) -> str:
    """Why a labelled clip has no emotion verdict (emotion_correct gave None)."""
    if canonical_label(emotion) == "neutral":
        return "emotion: a neutral clip is not judged (the proxy picks one of the six experts)"
    if not _has_face(ref[:1]).all():
        return ("emotion: the ground truth's first frame, the reference the change is measured "
                "from, has no face")
    if not _has_face(gen).any():
        return "emotion: no generated frame has a face"
    return "emotion: the expression features could not be measured"


def _no_lipsync_reason(track: np.ndarray, n_energy: int) -> str:
    """Why a clip with a face has no lip-sync score: too few frames with a face to correlate
    (a 0.1 s clip's 3 frames were said not to vary), or a mouth or a sound that stays still."""
    faces = int(_has_face(track[:n_energy]).sum())
    if faces < LIPSYNC_MIN_FRAMES:
        return (f"lipsync: only {counted(faces, 'frame')} with a face, and a "
                f"correlation needs at least {LIPSYNC_MIN_FRAMES}")
    return "lipsync: mouth opening or audio energy does not vary"


# Frame rates closer than this are one rate (a container's rounding); 29.97 against 30 is not.
FPS_TOLERANCE = 0.01
LENGTH_TOLERANCE_FRAMES = 1  # an encoder's last frame dropped or doubled
SHAPE_TOLERANCE_PX = 2  # ground-truth pixels a side may miss its scaled size by: even sides


def _mismatch(clip: str, gen: tuple[int, float, tuple[int, int]],
              ref: tuple[int, float, tuple[int, int]]) -> dict | None:
    """A row for a pair whose frames cannot be compared one to one, or None. Metrics pair frame
    i with frame i, so a pair at different frame rates or of different lengths is not scored:
    scoring the shared frames of a clip cut short would pass it as whole. Points are compared
    after scaling by the heights' ratio, so a pair of two framings (a `render --frame face`
    square against the whole picture) is not scored either: it read akd_px 36, status ok."""
    (n_gen, fps_gen, (h_gen, w_gen)), (n_ref, fps_ref, (h_ref, w_ref)) = gen, ref
    sides = {"generated": _length(n_gen, fps_gen), "reference": _length(n_ref, fps_ref)}
    if abs(fps_gen - fps_ref) > FPS_TOLERANCE:
        note = (f"the generated video runs at {fps_gen:g} fps, the ground truth at {fps_ref:g} "
                f"fps: frames cannot be paired one to one, so the clip is not scored (re-encode "
                f"it at {fps_ref:g} fps)")
        return {"clip": clip, "status": "fps_mismatch", **sides, "notes": [note]}
    if abs(n_gen - n_ref) > LENGTH_TOLERANCE_FRAMES:
        note = (f"the generated video has {n_gen} frames ({n_gen / fps_gen:.2f} s), the ground "
                f"truth {n_ref} ({n_ref / fps_ref:.2f} s): the clip is not scored (more than "
                f"{LENGTH_TOLERANCE_FRAMES} frame apart)")
        return {"clip": clip, "status": "length_mismatch", **sides, "notes": [note]}
    scale = h_ref / h_gen
    if abs(w_gen * scale - w_ref) > SHAPE_TOLERANCE_PX * max(scale, 1.0):
        note = (f"the generated video is {w_gen}x{h_gen}, the ground truth {w_ref}x{h_ref}: "
                "different framings, so their face points cannot be compared; the clip is not "
                "scored (render or crop it to the ground truth's framing)")
        return {"clip": clip, "status": "framing_mismatch", **sides, "notes": [note]}
    return None


def _length(frames: int, fps: float) -> dict:
    return {"frames": frames, "seconds": round(frames / fps, 3), "fps": round(fps, 3)}


def _has_face(track: np.ndarray) -> np.ndarray:
    return np.isfinite(track).all(axis=(1, 2))


def _finite_or_none(value):
    """NaN and infinities -> None, recursively (json.dumps writes them as invalid tokens)."""
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi")


def evaluate_folders(generated: str | Path, reference: str | Path,
                     labels: dict[str, str] | None = None, progress=None) -> dict:
    """Pair videos by file stem; `labels` maps stem -> emotion. Returns a JSON-ready summary.
    A pair that cannot be read is counted and listed with its reason, never silently dropped;
    a generated video with no ground truth of its stem is named under "unmatched"."""
    gen_dir, ref_dir = Path(generated), Path(reference)  # checked at the door (cli/evaluate.py)
    refs = _videos_by_stem(ref_dir)
    # videos only: `render --curves a.csv` beside a.mp4 was paired too, a second clip "a"
    gens = sorted(_videos_by_stem(gen_dir).values())
    pairs = [(p, refs[p.stem]) for p in gens if p.stem in refs]
    unmatched = [p.name for p in gens if p.stem not in refs]
    if not pairs:
        raise InputError(f"no video in {gen_dir} has a same-named ground truth in {ref_dir}")
    rows = []
    for i, (g, r) in enumerate(pairs):
        if progress:
            progress(i, len(pairs), g.name)
        try:
            rows.append(evaluate_pair(g, r, (labels or {}).get(g.stem)))
        except InputError as exc:
            rows.append({"clip": g.stem, "status": "unreadable", "notes": [str(exc)]})
    return {**summarise(rows), "unmatched": unmatched}


def _videos_by_stem(folder: Path) -> dict[str, Path]:
    """The folder's videos by clip name. One clip under two names (a.mp4 and a.mkv) is refused:
    generated, it was scored twice; ground truth, the one paired was the listing order's pick."""
    out: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() not in VIDEO_SUFFIXES:
            continue
        if p.stem in out:
            raise InputError(f"{folder} holds {out[p.stem].name} and {p.name}, one clip under "
                             "two names; keep one of them (or move it) so the clip is scored once")
        out[p.stem] = p
    return out


# Why an average is absent, per metric (the summary says so instead of printing 0.0 or NaN).
_NO_VALUE = {"akd_px": "no clip had a face in both videos", "akd_ipd": "no clip had a face in "
             "both videos", "lipsync": "no clip had enough frames with a face and audio that "
             "vary together"}


def summarise(rows: list[dict]) -> dict:
    """Averages over the clips that have each metric; `averaged_over` says over how many, and
    `missing` why an average is absent (None) rather than a number over nothing."""
    averages, counts, missing = {}, {}, {}
    status = [r.get("status", "ok") for r in rows]
    none_scored = None if "ok" in status else _none_scored(status)
    for key in ("akd_px", "akd_ipd", "lipsync"):
        v = [r[key] for r in rows if r.get(key) is not None and np.isfinite(r[key])]
        averages[key], counts[key] = (float(np.mean(v)) if v else None), len(v)
        if not v:
            missing[key] = none_scored or _NO_VALUE[key]
    judged = [r["correct"] for r in rows if r.get("correct") is not None]
    if not judged:
        missing["emotion_accuracy"] = none_scored or (
            "no clip had an emotion label (--metadata)" if not any("emotion" in r for r in rows)
            else "no labelled clip could be judged (each clip's notes say why)")
    return _finite_or_none({
        "clips": len(rows), "scored": status.count("ok"), "no_face": status.count("no face"),
        "unreadable": status.count("unreadable"),
        "length_mismatch": status.count("length_mismatch"),
        "fps_mismatch": status.count("fps_mismatch"),
        "framing_mismatch": status.count("framing_mismatch"), **averages,
        "emotion_accuracy": float(np.mean(judged)) if judged else None,
        "emotion_judged": len(judged), "averaged_over": counts, "missing": missing,
        "per_clip": rows})


def _none_scored(status: list[str]) -> str:
    """Why no average exists when no clip was scored: each status with its count."""
    counts = ", ".join(f"{status.count(s)} {s.replace(' ', '_')}" for s in sorted(set(status)))
    return f"no clip could be scored ({counts}; each clip's reason is under per_clip)"
