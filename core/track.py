"""One track per take: a job's whole emotion input resolved once into per-frame arrays.

DESIGN.md "One track per take": the hand mix, keyframes, prompt / label (Emotion-to-Latents,
once per distinct condition), AU toggles, local region gates, master intensity and head / gaze
become arrays before any frame is drawn; a frame reads its row and never calls back into
Emotion-to-Latents. Take renders build the track for the frames they draw (`for_job`); live mode
builds the same arrays a block at a time (`for_mixes` with the palette's glided gates).

Arrays (T frames):
    g     (T, 6)          global gates as rendered (mode, intensity, onset applied), float32
    s     (T, R, 6)       local gate per palette region (core.mix.REGIONS); NaN = module's own
    aus   (T, NUM_AUS)    AU toggles: NaN = free, 0 = muted, > 0 = forced at that intensity
    head  (T, 3)          yaw, pitch, roll offsets in degrees: the mix's own + body language
    gaze  (T, 2)          iris offsets in IPD (x to the subject's left, y down): the mix's own
                          + body language
    gaze_life (T,)        gain on the life motion's gaze (an angry stare holds still)
    head_life (T,)        gain on the life motion's head (a sad head moves little)
    neutralize (T,)       taking the portrait's rest expression away: NaN = auto (with the
                          gates), 1 = on, 0 = off (EmotionMix.neutralize; core/rig/rest.py)
Body language (core/body.py) is mixed by the same g, so it eases in and glides with the gates.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.body import posture
from core.cache import BoundedCache
from core.emotions import AU_INDEX, AU_NUMBERS, NUM_AUS, NUM_EXPERTS
from core.gate_choice import gate_source, has_text_condition
from core.mix import REGIONS, EmotionMix

GATES_CACHE = 32  # distinct prompt/label conditions remembered per builder


@dataclass(frozen=True)
class TrackRow:
    """One frame of a track (views into its arrays)."""

    g: np.ndarray  # (6,)
    s: np.ndarray | None  # (R, 6) or None when no region is set
    aus: np.ndarray  # (NUM_AUS,)
    head: np.ndarray  # (3,)
    gaze: np.ndarray  # (2,)
    gaze_life: float = 1.0
    neutralize: float = float("nan")  # NaN: auto (on with the gates), else 0 or 1
    head_life: float = 1.0

    @property
    def muted(self) -> list[int]:
        return [AU_NUMBERS[i] for i in np.flatnonzero(self.aus == 0)]

    @property
    def forced(self) -> dict[int, float]:
        return {AU_NUMBERS[i]: float(self.aus[i]) for i in np.flatnonzero(self.aus > 0)}


@dataclass
class EmotionTrack:
    """Per-frame arrays of one take or live block (shapes in the module docstring)."""

    times: np.ndarray  # (T,) seconds
    g: np.ndarray
    s: np.ndarray | None  # None: no frame sets a region
    aus: np.ndarray
    head: np.ndarray
    gaze: np.ndarray
    gaze_life: np.ndarray
    neutralize: np.ndarray | None = None  # None: auto on every frame
    head_life: np.ndarray | None = None  # None: 1.0 on every frame

    def __len__(self) -> int:
        return len(self.g)

    def row(self, i: int) -> TrackRow:
        return TrackRow(self.g[i], None if self.s is None else self.s[i], self.aus[i],
                        self.head[i], self.gaze[i], float(self.gaze_life[i]),
                        float("nan") if self.neutralize is None else float(self.neutralize[i]),
                        1.0 if self.head_life is None else float(self.head_life[i]))


def neutral_row(g=None) -> TrackRow:
    """A row with gates g (zeros by default) and nothing else set (a bare rig pose)."""
    g = np.zeros(NUM_EXPERTS, np.float32) if g is None else np.asarray(g, np.float32)
    return TrackRow(g, None, np.full(NUM_AUS, np.nan), np.zeros(3), np.zeros(2))


class TrackBuilder:
    """Resolves mixes into tracks; remembers Emotion-to-Latents results per condition."""

    def __init__(self):
        # locked inside: the GUI's preview and clip workers share one engine
        self._gates_cache: BoundedCache[np.ndarray] = BoundedCache(GATES_CACHE)

    def gates(self, mix: EmotionMix) -> np.ndarray:
        """The global gate g for a mix: hand-set, or from its prompt/label (Emotion-to-Latents),
        as core/gate_choice.py decides."""
        if gate_source(mix, has_text_condition(mix)) == "hand":
            return mix.gates()
        key = json.dumps({k: mix.as_dict()[k] for k in ("prompt", "label", "mode", "intensity")},
                         sort_keys=True)
        return self._gates_cache.get_or_make(key, lambda: _resolved_gates(mix))

    def for_job(self, job, indices: Sequence[int],
                onset: Callable[[float], float] | None = None) -> EmotionTrack:
        """The track of a RenderJob's frames `indices`; `onset(t)` scales g (the rig's ease-in)."""
        times = np.array([job.frame_time(i) for i in indices], np.float64)
        if job.keys is None:  # a constant mix: resolve it once for every frame
            mixes: Sequence[EmotionMix] = [job.mix] * len(times)
        else:
            mixes = [job.mix_at(float(t)) for t in times]
        return self.for_mixes(mixes, self.rendered_gates(mixes, times, onset), times)

    def rendered_gates(self, mixes: Sequence[EmotionMix], times: np.ndarray,
                       onset: Callable[[float], float] | None = None) -> np.ndarray:
        """g (T, 6) as frames at `times` render it (the track's g; the GUI's gate curve draws
        the same): each distinct mix resolved once, times `onset(t)`."""
        g = np.zeros((len(times), NUM_EXPERTS), np.float32)
        prev = None
        for i, m in enumerate(mixes):
            if m is not prev:
                row, prev = np.asarray(self.gates(m), np.float32), m
            # the same float32 product the rig always formed, so takes render bit for bit alike
            g[i] = row * onset(float(times[i])) if onset is not None else row
        return g

    def for_mixes(self, mixes: Sequence[EmotionMix], g: np.ndarray,
                  times: np.ndarray | None = None) -> EmotionTrack:
        """Arrays for frames with these mixes and these (already resolved) gates g (T, 6)."""
        n = len(mixes)
        g = np.asarray(g, np.float32).reshape(n, NUM_EXPERTS)
        s = None
        local = any(m.local_gates for m in mixes)
        if local:
            s = np.full((n, len(REGIONS), NUM_EXPERTS), np.nan, np.float32)
        aus = np.full((n, NUM_AUS), np.nan)
        head = np.zeros((n, 3))
        gaze = np.zeros((n, 2))
        prev = None
        for i, m in enumerate(mixes):
            if m is prev:
                aus[i] = aus[i - 1]
                head[i], gaze[i] = head[i - 1], gaze[i - 1]
                if local:
                    s[i] = s[i - 1]
                continue
            prev = m
            for au, v in m.au_overrides.items():
                aus[i, AU_INDEX[au]] = v
            if local:
                for name, values in m.local_gates.items():
                    s[i, REGIONS.index(name)] = values
            head[i], gaze[i] = m.head, m.gaze_ipd()
        body = posture(g)
        neutralize = None
        if any(m.neutralize is not None for m in mixes):
            neutralize = np.array([np.nan if m.neutralize is None else float(m.neutralize)
                                   for m in mixes])
        return EmotionTrack(
            times=np.zeros(n) if times is None else np.asarray(times, np.float64), g=g, s=s,
            aus=aus, head=head + body.head, gaze=gaze + body.gaze, gaze_life=body.gaze_life,
            neutralize=neutralize, head_life=body.head_life)


def _resolved_gates(mix: EmotionMix) -> np.ndarray:
    from core.latents.resolve import resolve_condition
    return np.asarray(resolve_condition(mix).gates, np.float32)
