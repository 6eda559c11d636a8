"""The prepared cache (prepare.py) as a dataset of training windows.

A window is `n_frames` consecutive frames of one clip at `resolution`, its audio (16 kHz, the
frames' span), a reference frame (the portrait the ReferenceNet sees; from the same clip or
another clip of the same person) with its mouth mask, the face/mouth masks, and the clip's
emotion condition (label, text, AUs: the metadata's or the ones prepare measured).
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from core.errors import InputError
from core.latents.label import label_vector
from core.training.metadata import ClipMeta, parse_aus
from core.training.prepare import SAMPLE_RATE, read_manifest


@dataclass
class PreparedClip:
    id: str
    folder: Path
    meta: ClipMeta
    fps: float
    frames: int

    @property
    def kind(self) -> str:
        return self.meta.kind

    def arrays(self) -> dict[str, np.ndarray]:
        return _load_arrays(str(self.folder))


@lru_cache(maxsize=64)
def _load_arrays(folder: str) -> dict[str, np.ndarray]:
    try:
        return _read_arrays(Path(folder))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, RuntimeError) as exc:
        raise InputError(f"the prepared clip {Path(folder).name} is damaged ({type(exc).__name__}: "
                         f"{(str(exc).splitlines() or [''])[0][:120]}); delete its folder and run "
                         "`main.py prepare` again to rebuild it") from None


def _read_arrays(f: Path) -> dict[str, np.ndarray]:
    import soundfile as sf

    with np.load(f / "frames.npz") as z:
        out = {"frames": z["frames"]}
    with np.load(f / "masks.npz") as z:
        out.update({k: z[k] for k in ("face", "lips", "mouth")})
    with np.load(f / "features.npz") as z:
        out["energy"] = z["energy"]
    out["landmarks"] = np.load(f / "landmarks.npy")
    if (f / "aus.npy").is_file():  # per-frame AU intensities measured by prepare (au_fit.py)
        out["aus"] = np.load(f / "aus.npy")
    out["audio"] = sf.read(f / "audio.wav", dtype="float32")[0]
    return out


def load_clips(root: str | Path, split: str | None = "train") -> list[PreparedClip]:
    """Kept clips of a prepared folder, optionally one split ("train" / "test")."""
    root = Path(root)
    clips = []
    for row in read_manifest(root)["kept"]:
        if split is not None and row.get("split", "train") != split:
            continue
        meta = ClipMeta(file=row["file"], emotion=row["emotion"], aus=parse_aus(row.get("aus", "")),
                        text=row.get("text", ""), split=row.get("split", "train"),
                        person=row.get("person", ""))
        clips.append(PreparedClip(row["id"], root / "clips" / row["id"], meta, float(row["fps"]),
                                  int(row["frames"])))
    return clips


class ClipDataset:
    """Windows of prepared clips, as tensors ready for the trainer."""

    def __init__(self, root: str | Path, split: str | None = "train", n_frames: int = 16,
                 resolution: int = 256):
        self.clips = [c for c in load_clips(root, split) if c.frames >= n_frames]
        if not self.clips:
            raise InputError(f"{root} has no {split or ''} clips with at least {n_frames} frames")
        self.n_frames = n_frames
        self.resolution = resolution
        self._by_person: dict[str, list[int]] = {}  # drawn from on every sample: built once
        for i, c in enumerate(self.clips):
            if c.meta.person:
                self._by_person.setdefault(c.meta.person, []).append(i)

    def __len__(self) -> int:
        return len(self.clips)

    def indices(self, kind: str | None = None, emotion: str | None = None) -> list[int]:
        return [i for i, c in enumerate(self.clips)
                if (kind is None or c.kind == kind) and (emotion is None or c.meta.emotion == emotion)]

    def same_person(self, index: int) -> list[int]:
        """Other clips of clip `index`'s person (the metadata's `person` column; none if empty)."""
        return [i for i in self._by_person.get(self.clips[index].meta.person, ()) if i != index]

    def window(self, index: int, rng: np.random.Generator, reference_from: int | None = None) -> dict:
        """One random window of clip `index`; the reference frame from clip `reference_from`
        (default: the same clip)."""
        clip = self.clips[index]
        a = clip.arrays()
        start = int(rng.integers(0, clip.frames - self.n_frames + 1))
        sl = slice(start, start + self.n_frames)
        ref_clip = self.clips[index if reference_from is None else reference_from]
        ra = ref_clip.arrays()
        ref = int(rng.integers(0, ref_clip.frames))
        aus = clip.meta.au_vector()
        if not clip.meta.aus and "aus" in a:
            aus = a["aus"][sl].mean(0).astype(np.float32)
        a0 = int(round(start / clip.fps * SAMPLE_RATE))
        n_audio = int(round(self.n_frames / clip.fps * SAMPLE_RATE))
        audio = np.zeros(n_audio, np.float32)
        chunk = a["audio"][a0:a0 + n_audio]
        audio[:len(chunk)] = chunk
        return {
            "frames": self._images(a["frames"][sl]),                 # (F, 3, R, R) in [-1, 1]
            "reference": self._images(ra["frames"][ref:ref + 1])[0],  # (3, R, R)
            "reference_mouth": self._masks(ra["mouth"][ref:ref + 1])[0],  # (1, R, R) 0/1
            "face_mask": self._masks(a["face"][sl]),                 # (F, 1, R, R) 0/1
            "mouth_mask": self._masks(a["mouth"][sl]),               # (F, 1, R, R) 0/1
            "audio": torch.from_numpy(audio),                        # (S,) 16 kHz
            "energy": torch.from_numpy(a["energy"][sl].astype(np.float32)),  # (F,)
            "gates": torch.from_numpy(clip.meta.gates),              # (6,) label weights
            "label": torch.from_numpy(label_vector(clip.meta.emotion)),  # (7,) label branch input
            "aus": torch.from_numpy(aus),  # (NUM_AUS,) the metadata's, else the measured mean
            "kind": clip.kind, "emotion": clip.meta.emotion, "id": clip.id, "text": clip.meta.text,
        }

    def _images(self, frames: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(_resize(frames, self.resolution)).float() / 127.5 - 1.0
        return x.permute(0, 3, 1, 2).contiguous()

    def _masks(self, masks: np.ndarray) -> torch.Tensor:
        m = _resize(masks[..., None].astype(np.float32), self.resolution)
        return torch.from_numpy((m > 0.5).astype(np.float32)).permute(0, 3, 1, 2).contiguous()


def _resize(stack: np.ndarray, size: int) -> np.ndarray:
    import cv2

    if stack.shape[1] == size:
        return stack
    out = [cv2.resize(x, (size, size), interpolation=cv2.INTER_AREA) for x in stack]
    return np.stack([o.reshape(size, size, -1) for o in out])


def collate(items: list[dict]) -> dict:
    """Stack tensors, keep strings as lists."""
    out = {}
    for k, v in items[0].items():
        out[k] = torch.stack([it[k] for it in items]) if torch.is_tensor(v) else [it[k] for it in items]
    return out
