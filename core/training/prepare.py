"""`main.py prepare`: talking-head clips -> an aligned, masked, cached training set.

Per kept clip, `<out>/clips/<id>/` holds
    frames.npz     frames (N, S, S, 3) uint8 RGB, aligned by one similarity transform per clip
                   (eyes at fixed places, from the clip's median eye positions: head motion stays)
    landmarks.npy  (N, 478, 2) float32 Face Mesh points in crop pixels (interpolated where a
                   frame had no face)
    masks.npz      face, lips, mouth: (N, S, S) uint8 0/1 (face oval, outer lips, lip box grown
                   by mouth_margin_ipd: the region stage 2 hides from the experts)
    audio.wav      16 kHz mono float (wav2vec2-ready)
    features.npz   energy (N,) loudness 0..1 per video frame, db (N,) dBFS (core.audio.features)
    aus.npy        (N, NUM_AUS) float32 AU intensities measured from the landmarks (au_fit.py)
    clip.json      metadata row (person ID included), fps, frame count, crop size, IPD in crop
                   pixels, emotion_score (consistency.py)
and `<out>/manifest.json` lists kept clips and skipped ones with their reasons (clips whose AUs
do not show their label are filtered and listed too). `--shard i/n` writes
`manifest.shard-i-of-n.json` instead (shards.py). Each clip is
written to a temporary folder and renamed, the manifest to a temporary file and replaced, so a
cancelled or crashed run leaves only complete clips (and a rerun reuses them).
"""
from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core import atomic
from core.audio.io import SAMPLE_RATE
from core.engine import CancelToken
from core.errors import AudioError, ExportError, InputError, MoeeError
from core.folder_lock import exclusive
from core.face.regions import L_IRIS_CENTER, R_IRIS_CENTER, region
from core.face.regions import ipd as face_ipd
from core.training.cache_key import clip_cache_key
from core.training.metadata import ClipMeta, read_metadata
from core.training.tuning import TUNING
from core.training.video import read_video, too_long_to_read

MANIFEST = "manifest.json"
CLIP_FILES = ("frames.npz", "landmarks.npy", "masks.npz", "audio.wav", "features.npz")


@dataclass
class PrepareConfig:
    size: int = int(TUNING["crop_size"])                 # cached crop side in pixels
    min_frames: int = int(TUNING["min_frames"])          # shorter clips are skipped
    max_missing_face_frac: float = TUNING["max_missing_face_frac"]  # frames without a face allowed
    min_audio_rms: float = TUNING["min_audio_rms"]       # quieter audio counts as silent
    mouth_margin_ipd: float = TUNING["mouth_margin_ipd"]  # mouth mask margin around the lips
    min_emotion_consistency: float = TUNING["emotion_consistency_min"]  # AU profile vs label


class SkipClip(Exception):
    """A clip that cannot be used; the message is the reason listed in the manifest."""


@dataclass
class PrepareReport:
    out_dir: Path
    kept: list[dict] = field(default_factory=list)     # manifest rows of the kept clips
    skipped: list[dict] = field(default_factory=list)  # {"file", "reason"}
    manifest: str = MANIFEST                           # this run's manifest (shards.py)


Progress = Callable[[int, int, str], None]  # (clips done, clips total, message)


def prepare_dataset(metadata: str | Path, out_dir: str | Path, config: PrepareConfig | None = None,
                    progress: Progress | None = None, cancel: CancelToken | None = None,
                    shard: tuple[int, int] | None = None) -> PrepareReport:
    """Prepare every clip of a metadata file (or shard (i, n) of them); bad clips are skipped
    and listed, never fatal."""
    from core.training.shards import in_shard, manifest_name

    config = config or PrepareConfig()
    metadata = Path(metadata)
    every = read_metadata(metadata)
    todo = [(m, cid) for i, (m, cid) in enumerate(zip(every, _clip_ids(every))) if in_shard(i, shard)]
    clips, ids = [m for m, _ in todo], [c for _, c in todo]
    report = PrepareReport(Path(out_dir), manifest=manifest_name(shard))
    manifest = report.out_dir / report.manifest
    if manifest.resolve() == metadata.resolve():
        # a metadata file named manifest.json in OUT was replaced by the first clip's manifest
        raise InputError(f"the metadata file {metadata} is where prepare writes its manifest "
                         f"({report.manifest}); rename it or give another --out folder")
    (report.out_dir / "clips").mkdir(parents=True, exist_ok=True)
    # one run per manifest: two into one folder each replaced the other's manifest (shards
    # write manifests of their own, and run side by side)
    with exclusive(report.out_dir / f".{report.manifest}.lock", str(manifest),
                   "wait for it to finish, or give another --out folder (or --shard)"):
        _prepare_all(report, metadata, clips, ids, config, progress, cancel)
    return report


def _prepare_all(report: PrepareReport, metadata: Path, clips: list, ids: list[str],
                 config: PrepareConfig, progress: Progress | None,
                 cancel: CancelToken | None) -> None:
    """prepare_dataset's loop: each clip in turn, the manifest rewritten after each."""
    from core.training.consistency import inconsistency

    # what a killed run left of these clips (a temp folder holds up to a whole clip's frames)
    atomic.remove_folders_left(report.out_dir / "clips", ids)
    for i, (meta, cid) in enumerate(zip(clips, ids)):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if progress:
            progress(i, len(clips), meta.file)
        try:
            row = prepare_clip(metadata.parent / meta.file, meta, report.out_dir / "clips" / cid, config)
            reason = inconsistency(row, config.min_emotion_consistency)
            if reason:
                raise SkipClip(reason)
            report.kept.append({"id": cid, **row})
        except SkipClip as exc:
            report.skipped.append({"file": meta.file, "reason": str(exc)})
        except ExportError as exc:  # no later clip could be written either: stop, say what stays
            raise ExportError(f"{exc}; the " + kept_clips(len(report.kept), " finished before it",
                                                          report.out_dir)) from None
        _write_manifest(report, metadata, config)
    if progress:
        progress(len(clips), len(clips), "done")


def kept_clips(n: int, which: str, where) -> str:
    """'1 clip finished before it is kept in OUT (a rerun reuses it)', '2 clips ... are ...
    them)': what a stopped run leaves ("the 1 clips finished before it are kept" read as a
    slip)."""
    from core.validate import counted

    return (f"{counted(n, 'clip')}{which} {'is' if n == 1 else 'are'} kept in {where} "
            f"(a rerun reuses {'it' if n == 1 else 'them'})")


def prepare_clip(video: Path, meta: ClipMeta, dest: Path, config: PrepareConfig) -> dict:
    """Prepare one clip into `dest` (reused when prepared from this very file, row and config)."""
    if video.is_dir():
        raise SkipClip(f"{video} is a folder, not a video file")
    if not video.is_file():
        raise SkipClip(f"file not found: {video}")
    # the consistency threshold filters rows after this (prepare_dataset): not part of a clip
    key = clip_cache_key(video, meta.to_dict(),
                         {k: v for k, v in asdict(config).items() if k != "min_emotion_consistency"})
    cached = _cached_row(dest, key)
    if cached is not None:
        return cached
    too_long = too_long_to_read(video)
    if too_long:
        raise SkipClip(too_long)
    try:
        frames, fps = read_video(video)
        track = _load_track(video, config)
    except InputError as exc:
        raise SkipClip(str(exc)) from None
    n = min(len(frames), int(round(track.duration * fps)))
    if n < config.min_frames:
        raise SkipClip(f"too short: {n} frames with audio, need at least {config.min_frames}")
    frames = frames[:n]
    landmarks = _track_landmarks(frames, config)
    m = align_matrix(landmarks, config.size)
    crops, lm = _warp(frames, landmarks, m, config.size)
    ipd = float(np.median(face_ipd(lm)))
    from core.training.au_fit import fit_aus
    from core.training.consistency import emotion_score

    aus = fit_aus(lm)
    row = {**meta.to_dict(), "kind": meta.kind, "fps": fps, "frames": n, "size": config.size,
           "ipd": ipd, "emotion_score": emotion_score(aus, meta.emotion), "cache_key": key}
    _write_clip(dest, crops, lm, face_masks(lm, config.size, ipd * config.mouth_margin_ipd),
                track, fps, n, row, {"aus": aus})
    return row


def _load_track(video: Path, config: PrepareConfig):
    from core.audio.io import load_audio

    try:
        track = load_audio(video, SAMPLE_RATE)
    except AudioError as exc:
        raise SkipClip(f"no usable audio: {exc}") from None
    rms = float(np.sqrt(np.mean(track.samples.astype(np.float64) ** 2)))
    if rms < config.min_audio_rms:
        raise SkipClip(f"silent audio (RMS {rms:.1e})")
    return track


def _track_landmarks(frames: np.ndarray, config: PrepareConfig) -> np.ndarray:
    """(N, 478, 2) landmarks in frame pixels; frames without a face are interpolated."""
    from core.face.landmarks import detect_face

    found: dict[int, np.ndarray] = {}
    for i, frame in enumerate(frames):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "several faces": the largest one is used
                found[i] = detect_face(frame).xy.astype(np.float32)
        except MoeeError:
            continue
    missing = 1.0 - len(found) / len(frames)
    if not found or missing > config.max_missing_face_frac:
        raise SkipClip(f"no face in {missing:.0%} of the frames")
    have = np.array(sorted(found))
    stack = np.stack([found[i] for i in have])  # (K, 478, 2)
    idx = np.arange(len(frames))
    flat = stack.reshape(len(have), -1)
    out = np.stack([np.interp(idx, have, flat[:, j]) for j in range(flat.shape[1])], axis=1)
    return out.reshape(len(frames), -1, 2).astype(np.float32)


def align_matrix(landmarks: np.ndarray, size: int) -> np.ndarray:
    """(2, 3) similarity mapping the clip's median eye centres to the canonical crop places."""
    r = np.median(landmarks[:, R_IRIS_CENTER], axis=0)  # subject's right eye: image left
    l_ = np.median(landmarks[:, L_IRIS_CENTER], axis=0)
    half = TUNING["crop_ipd_frac"] * size / 2
    dst_r = np.array([size / 2 - half, TUNING["crop_eye_y"] * size])
    dst_l = np.array([size / 2 + half, TUNING["crop_eye_y"] * size])
    src_v, dst_v = l_ - r, dst_l - dst_r
    scale = np.linalg.norm(dst_v) / max(np.linalg.norm(src_v), 1e-6)
    ang = np.arctan2(dst_v[1], dst_v[0]) - np.arctan2(src_v[1], src_v[0])
    rot = scale * np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    t = dst_r - rot @ r
    return np.concatenate([rot, t[:, None]], axis=1).astype(np.float64)


def _warp(frames: np.ndarray, landmarks: np.ndarray, m: np.ndarray, size: int):
    import cv2

    crops = np.stack([cv2.warpAffine(f, m, (size, size), flags=cv2.INTER_AREA,
                                     borderMode=cv2.BORDER_REPLICATE) for f in frames])
    lm = landmarks @ m[:, :2].T + m[:, 2]
    return crops, lm.astype(np.float32)


def face_masks(lm: np.ndarray, size: int, mouth_margin_px: float) -> dict[str, np.ndarray]:
    """(N, 478, 2) crop landmarks -> face, lips and mouth masks, each (N, size, size) uint8."""
    import cv2

    oval, lips = region("face_oval"), np.concatenate([region("lips_upper_outer"),
                                                      region("lips_lower_outer")[::-1]])
    out = {k: np.zeros((len(lm), size, size), np.uint8) for k in ("face", "lips", "mouth")}
    for i, pts in enumerate(lm):
        cv2.fillPoly(out["face"][i], [np.round(pts[oval]).astype(np.int32)], 1)
        cv2.fillPoly(out["lips"][i], [np.round(pts[lips]).astype(np.int32)], 1)
        lo = np.floor(pts[lips].min(0) - mouth_margin_px).astype(int).clip(0, size)
        hi = np.ceil(pts[lips].max(0) + mouth_margin_px).astype(int).clip(0, size)
        out["mouth"][i, lo[1]:hi[1], lo[0]:hi[0]] = 1
    return out


def _write_clip(dest: Path, crops, lm, masks, track, fps: float, n: int, row: dict,
                arrays: dict[str, np.ndarray] | None = None) -> None:
    import soundfile as sf

    from core.audio.features import compute_features

    feats = compute_features(track, fps)
    energy = np.zeros(n, np.float32)
    energy[:min(n, feats.n)] = feats.energy[:n]
    db = np.full(n, -100.0, np.float32)
    db[:min(n, len(feats.db))] = feats.db[:n]
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic.folder(dest) as tmp:
            _write_clip_files(tmp, crops, lm, masks, track, fps, n, row, arrays, energy, db)
    except (OSError, sf.SoundFileError) as e:  # a full disk: a traceback, the kept clips unsaid
        reason = atomic.os_error_reason(e) if isinstance(e, OSError) else str(e)
        raise ExportError(f"cannot write the prepared clip {dest}: {reason}") from None


def _write_clip_files(tmp: Path, crops, lm, masks, track, fps: float, n: int, row: dict,
                      arrays, energy, db) -> None:
    import soundfile as sf

    np.savez_compressed(tmp / "frames.npz", frames=crops)
    np.save(tmp / "landmarks.npy", lm)
    for name, value in (arrays or {}).items():
        np.save(tmp / f"{name}.npy", value)
    np.savez_compressed(tmp / "masks.npz", **masks)
    audio = np.zeros(int(round(n / fps * SAMPLE_RATE)), np.float32)  # the frames' span
    audio[:min(len(audio), len(track.samples))] = track.samples[:len(audio)]
    sf.write(tmp / "audio.wav", audio, SAMPLE_RATE, subtype="FLOAT")
    np.savez(tmp / "features.npz", energy=energy, db=db)
    (tmp / "clip.json").write_text(json.dumps(row, indent=2) + "\n", encoding="utf-8")


def _cached_row(dest: Path, key: str) -> dict | None:
    """The cached clip's row when its cache key matches (core/training/cache_key.py); a missing,
    damaged or stale cache is prepared again."""
    try:
        row = json.loads((dest / "clip.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    whole = all((dest / f).is_file() and (dest / f).stat().st_size > 0 for f in CLIP_FILES)
    return row if whole and isinstance(row, dict) and row.get("cache_key") == key else None


def _clip_ids(clips: list[ClipMeta]) -> list[str]:
    """A folder name per clip: the file's stem made safe, numbered when stems repeat. Every id is
    distinct, also where the filesystem ignores case and where a numbered one meets a real
    stem (x.mp4, d/x.mp4, x_2.mp4 gave x, x_2, x_2: two clips in one folder), and none is '.' or
    '..' (clip '..mp4' was prepared into clips/. and replaced every clip before it)."""
    ids, used = [], set()
    for c in clips:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(c.file).stem)
        base = base if base.strip(".") else "clip"
        cid, n = base, 1
        while cid.lower() in used:
            n += 1
            cid = f"{base}_{n}"
        used.add(cid.lower())
        ids.append(cid)
    return ids


def _write_manifest(report: PrepareReport, metadata: Path, config: PrepareConfig) -> None:
    data = {"version": 1, "metadata": str(metadata.resolve()), "config": asdict(config),
            "kept": report.kept, "skipped": report.skipped}
    atomic.write_text(report.out_dir / report.manifest, json.dumps(data, indent=2) + "\n", fsync=False)


def read_manifest(out_dir: str | Path) -> dict:
    """manifest.json merged with any shard manifests (shards.py)."""
    from core.training.shards import merged_manifest

    data = merged_manifest(out_dir)
    if data is None:
        raise InputError(f"{out_dir} has no {MANIFEST}; run `main.py prepare` first")
    return data
