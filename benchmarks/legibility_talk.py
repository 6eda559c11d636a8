"""bench_legibility --talking: the same portraits and conditions, but talking, which is what the
app exports. Speech owns the mouth, so an emotion must read through brows, eyes, cheeks, the
mouth corners and what the lips show while they move; a still frame with the mouth at rest
flatters it (the smiling photo's sad and angry read as smiles only once it spoke).

One espeak-ng sentence (made here, never shipped), every portrait x condition rendered talking
(blinks off), TALK_TIMES frames of each take read by the FER2013 CNN (benchmarks/
legibility_cnn.py) after Face Mesh re-detects the face; a take's probabilities are the mean over
its frames, scored as bench_legibility scores a still frame (top-1, rose most over the same
portrait's neutral talking take, compounds' top two), plus the share of single frames whose
top-1 is the asked class.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np

TALK_TEXT = ("I told you already, this is not what we agreed on, "
             "and I would like it fixed today.")
TALK_TIMES = tuple(np.round(np.arange(0.6, 3.4, 0.35), 2))  # s: past the onset, inside the words
# talking contact sheets in docs/ (a few, the repo stays small): this frame of every condition
SHEET_FRAME = 3  # TALK_TIMES[3] = 1.65 s, mid-sentence
SHEET_PORTRAITS = ("smiling_photo", "neutral_photo", "painting")


def make_speech(out_dir: Path) -> tuple[Path | None, str]:
    """The sentence as a WAV, or None and why (espeak-ng missing)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None, "espeak-ng is not installed (Debian: apt install espeak-ng)"
    wav = out_dir / "speech.wav"
    subprocess.run([exe, "-s", "150", "-w", str(wav), TALK_TEXT], check=True,
                   capture_output=True)
    return wav, str(wav)


def each_take(pic_dir: Path, conditions: tuple[str, ...]):
    """(engine, portrait name, prepared portrait, condition, mix with blinks off) for every
    portrait PNG in `pic_dir` and condition: the still frames' loop and the talking takes'."""
    from core.mix import EmotionMix
    from core.rig.engine import RigEngine

    eng = RigEngine()
    for png in sorted(pic_dir.glob("*.png")):
        portrait = eng.prepare(cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB))
        for cond in conditions:
            yield eng, png.stem, portrait, cond, EmotionMix.from_preset(cond,
                                                                        au_overrides={45: 0.0})


def render_talking(pic_dir: Path, wav: Path, conditions: tuple[str, ...], size: int) -> dict:
    """{'pic|cond|k': frame} for every portrait, condition and TALK_TIMES[k] (child process)."""
    from core.audio.io import load_audio
    from core.engine import RenderJob

    audio = load_audio(str(wav))
    frames = {}
    for eng, name, portrait, cond, mix in each_take(pic_dir, conditions):
        job = RenderJob(portrait=portrait, audio=audio, mix=mix, size=size, fps=25)
        for k, t in enumerate(TALK_TIMES):
            frames[f"{name}|{cond}|{k}"] = eng.render_frame(job, int(round(t * 25))).image
    return frames


def mean_reads(reads: dict[str, dict | None]) -> tuple[dict[str, dict | None], dict[str, float]]:
    """Per take ('pic|cond'): the mean probabilities over its frames with a face (None: no
    frame had one), and the share of its frames where a face was found."""
    takes: dict[str, list[np.ndarray]] = {}
    for key, r in reads.items():
        take = key.rsplit("|", 1)[0]
        takes.setdefault(take, [])
        if r is not None:
            takes[take].append(np.asarray(r["probs"], np.float64))
    means = {t: ({"probs": np.mean(ps, 0)} if ps else None) for t, ps in takes.items()}
    found = {t: len(ps) / len(TALK_TIMES) for t, ps in takes.items()}
    return means, found


def frame_hits(reads: dict[str, dict | None], asked_of, labels: tuple[str, ...]) -> tuple[int, int]:
    """Single frames whose top-1 class (`labels`, the reader's output order) is the one
    `asked_of(condition)` names (None: not scored), out of those read."""
    hit = total = 0
    for key, r in reads.items():
        cond = key.split("|")[1]
        asked = asked_of(cond)
        if r is None or asked is None:
            continue
        total += 1
        hit += labels[int(np.argmax(r["probs"]))] == asked
    return hit, total
