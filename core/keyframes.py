"""Emotion over time: keys on the audio's timeline and a track that interpolates between them.

A `Key` holds a whole EmotionMix at a time plus the easing of the segment that leaves it.
`KeyTrack` implements core.engine.MixTrack (`mix_at(t)`), so `RenderJob(keys=track)` animates
the palette. Interpolation rules (between key a and the next key b, eased fraction e):
- gates: g(t) = (1 - e) * g_a + e * g_b exactly. When both keys share mode and intensity the
  mix keeps them (the GUI shows familiar sliders); otherwise the result is a "free" mix at
  intensity 1 whose weights are the interpolated effective gates.
- AU toggles: an AU keyed in both is interpolated; an AU keyed in one only is interpolated
  from/to the intensity the other key's mix itself gives that AU (core.expression, the expert
  table), so a toggle fades in and out without a jump to 0 (0 would mean "mute").
- local gates: interpolated where both keys set a region, else taken from a (b at the key).
- head and gaze offsets (degrees): interpolated (a key without them holds 0, straight ahead).
- prompt, label, gate_override: switch at b's time (a step), since text cannot be blended.
Before the first key the first key's mix holds, after the last the last's.

File format (versioned, what `--keys take.json` reads and projects store under "keyframes"):
    {"format": "moee-keyframes", "version": 1,
     "keys": [{"time": 0.0, "easing": "ease-in-out", "mix": EmotionMix.as_dict()}, ...]}
A mix may carry "head": [yaw, pitch, roll] and "gaze": [x, y] in degrees; version-1 files
without them read as straight ahead, and a mix without them writes none.
"""
from __future__ import annotations

import bisect
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from core import atomic, validate
from core.emotions import AU_INDEX
from core.errors import InputError, MoeeError
from core.expression import au_vector_from_gates
from core.mix import EmotionMix
from core.validate import PathArg

KEYS_FORMAT = "moee-keyframes"
KEYS_VERSION = 1
FILE_FIELDS = ("format", "version", "keys")  # a keyframe file's; a key's: Key.FIELDS
MIN_GAP_S = 1e-3  # two keys closer than this are one key (adding replaces)


def _smoothstep(u: float) -> float:
    return u * u * (3.0 - 2.0 * u)


# Easing of the segment leaving a key: u in [0, 1] (time fraction) -> blend fraction e.
# Quadratic in/out and the smoothstep (Perlin 1985) in-out; "hold" keeps a's value until b
# (Blender's "constant", After Effects' "hold"). "step" means the same in animation tools (Maya's
# "stepped" tangent), so it is an alias of "hold": files that say "step" load as "hold". Files
# written before this alias had "step" cut to b at the midpoint; animators expected a hold.
EASINGS: dict[str, Callable[[float], float]] = {
    "linear": lambda u: u,
    "ease-in": lambda u: u * u,
    "ease-out": lambda u: 1.0 - (1.0 - u) ** 2,
    "ease-in-out": _smoothstep,
    "hold": lambda u: 0.0,
}
EASING_ALIASES = {"step": "hold"}
DEFAULT_EASING = "ease-in-out"


@dataclass(frozen=True)
class Key:
    time: float  # seconds from the start of the audio
    mix: EmotionMix
    easing: str = DEFAULT_EASING  # of the segment from this key to the next

    FIELDS: ClassVar[tuple[str, ...]] = ("time", "easing", "mix")  # of its JSON object

    def __post_init__(self):
        t = validate.number(self.time, "a key's time (seconds)", 0.0)
        easing = self.easing
        if isinstance(easing, str):  # a list from a file is unhashable: choice() names it
            easing = EASING_ALIASES.get(easing, easing)
        validate.choice(easing, (*EASINGS, *EASING_ALIASES), "easing")
        object.__setattr__(self, "easing", easing)
        object.__setattr__(self, "time", t)

    def at(self, time: float) -> Key:
        return replace(self, time=time)

    def to_json_dict(self) -> dict:
        return {"time": round(self.time, 6), "easing": self.easing, "mix": self.mix.as_dict()}

    @classmethod
    def from_json_dict(cls, d: dict, where: str = "key") -> Key:
        if not isinstance(d, dict):
            raise InputError(f"{where}: expected an object with time, easing and mix")
        for name in ("time", "mix"):
            if name not in d:
                raise InputError(f"{where}: the field {name!r} is missing")
        try:
            validate.known_fields(d, cls.FIELDS)
        except InputError as e:
            raise InputError(f"{where}: {e}") from None
        t = validate.number(d["time"], f"{where}, field 'time' (seconds)", 0.0)
        try:
            mix = EmotionMix.from_json_dict(validate.mapping(d["mix"], "field 'mix'"))
            return cls(t, mix, d.get("easing", DEFAULT_EASING))  # Key checks it (aliases too)
        except MoeeError as e:
            raise InputError(f"{where}: {e}") from None
        except (TypeError, ValueError, AttributeError) as e:
            raise InputError(f"{where}, field 'mix': {e}") from None


def blend(a: EmotionMix, b: EmotionMix, e: float) -> EmotionMix:
    """The mix a fraction e of the way from a to b (rules in the module docstring)."""
    if e <= 0.0:
        return a
    if e >= 1.0:
        return b
    ga, gb = a.gates(), b.gates()
    if a.mode == b.mode and a.intensity == b.intensity and (a.mode == "free" or (
            sum(a.weights) > 0 and sum(b.weights) > 0)):
        wa, wb = np.asarray(a.weights, np.float64), np.asarray(b.weights, np.float64)
        base = replace(a, weights=tuple(float(x) for x in (1 - e) * wa + e * wb))
    else:
        base = replace(a, weights=tuple(float(x) for x in (1 - e) * ga + e * gb),
                       mode="free", intensity=1.0)
    return replace(base, au_overrides=_blend_aus(a, b, ga, gb, e),
                   local_gates=_blend_local(a.local_gates, b.local_gates, e),
                   head=_lerp(a.head, b.head, e), gaze=_lerp(a.gaze, b.gaze, e))


def _lerp(a: tuple[float, ...], b: tuple[float, ...], e: float) -> tuple[float, ...]:
    return tuple(float((1 - e) * x + e * y) for x, y in zip(a, b))


def _blend_aus(a: EmotionMix, b: EmotionMix, ga, gb, e: float) -> dict[int, float]:
    if not a.au_overrides and not b.au_overrides:
        return {}
    own_a, own_b = au_vector_from_gates(ga), au_vector_from_gates(gb)
    out = {}
    for au in sorted(set(a.au_overrides) | set(b.au_overrides)):
        va = a.au_overrides.get(au, float(own_a[AU_INDEX[au]]))
        vb = b.au_overrides.get(au, float(own_b[AU_INDEX[au]]))
        out[au] = float(min(max((1 - e) * va + e * vb, 0.0), 1.0))
    return out


def _blend_local(la: dict, lb: dict, e: float) -> dict[str, tuple[float, ...]]:
    out = dict(la)
    for region in set(la) & set(lb):
        out[region] = _lerp(la[region], lb[region], e)
    return out


class KeyTrack:
    """Keys sorted by time (no two within MIN_GAP_S). `resolver`, when given, maps each key's
    mix to the mix an engine renders (e.g. prompt -> gates) once per key, before blending."""

    def __init__(self, keys: Iterable[Key] = (), base: EmotionMix | None = None,
                 resolver: Callable[[EmotionMix], EmotionMix] | None = None):
        self.base = base or EmotionMix()
        self.resolver = resolver
        self._keys: list[Key] = _merge_sorted(keys)
        self._times: list[float] = [k.time for k in self._keys]
        self._resolved: dict[str, EmotionMix] = {}

    # ----- reading
    @property
    def keys(self) -> tuple[Key, ...]:
        return tuple(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def times(self) -> list[float]:
        return list(self._times)

    def index_near(self, t: float, tolerance: float = 0.05) -> int | None:
        """The key within `tolerance` seconds of t (the closest), for clicks on the strip."""
        i = bisect.bisect_left(self._times, t)
        near = [j for j in (i - 1, i) if 0 <= j < len(self._times)]
        if not near:
            return None
        j = min(near, key=lambda j: abs(self._times[j] - t))
        return j if abs(self._times[j] - t) <= tolerance else None

    def mix_at(self, t: float) -> EmotionMix:
        ks = self._keys
        if not ks:
            return self.base
        i = bisect.bisect_right(self._times, t) - 1
        if i < 0:
            return self._mix(0)
        if i >= len(ks) - 1:
            return self._mix(len(ks) - 1)
        a, b = ks[i], ks[i + 1]
        u = (t - a.time) / (b.time - a.time)
        return blend(self._mix(i), self._mix(i + 1), EASINGS[a.easing](min(max(u, 0.0), 1.0)))

    def _mix(self, i: int) -> EmotionMix:
        mix = self._keys[i].mix
        if self.resolver is None:
            return mix
        key = json.dumps(mix.as_dict(), sort_keys=True)
        if key not in self._resolved:
            self._resolved[key] = self.resolver(mix)
        return self._resolved[key]

    # ----- editing (each keeps the list sorted; returns the edited key's new index)
    def add(self, key: Key) -> int:
        """Insert a key; one already within MIN_GAP_S of its time is replaced."""
        near = self.index_near(key.time, MIN_GAP_S)
        if near is not None:
            self.delete(near)
        i = bisect.bisect_left(self._times, key.time)
        self._keys.insert(i, key)
        self._times.insert(i, key.time)
        return i

    def delete(self, index: int) -> Key:
        del self._times[self._check(index)]
        return self._keys.pop(index)

    def move(self, index: int, time: float) -> int:
        """Drag a key to a new time (it may pass its neighbours; the order follows)."""
        key = self.delete(index)
        return self.add(key.at(max(0.0, float(time))))

    def replace(self, index: int, mix: EmotionMix | None = None, easing: str | None = None) -> int:
        k = self._keys[self._check(index)]
        self._keys[index] = Key(k.time, mix if mix is not None else k.mix,
                                easing if easing is not None else k.easing)
        return index

    def copy(self, index: int) -> Key:
        return self._keys[self._check(index)]

    def paste(self, key: Key, time: float) -> int:
        return self.add(key.at(max(0.0, float(time))))

    def _check(self, index: int) -> int:
        if not 0 <= index < len(self._keys):
            raise IndexError(f"no key number {index} (the track has {len(self._keys)})")
        return index

    # ----- JSON and files
    def to_json_dict(self) -> dict:
        return {"format": KEYS_FORMAT, "version": KEYS_VERSION,
                "keys": [k.to_json_dict() for k in self._keys]}

    def to_project(self) -> list[dict]:
        """The list core.project.Project.keyframes stores."""
        return [k.to_json_dict() for k in self._keys]

    @classmethod
    def from_json_dict(cls, d, source: str = "keyframes",
                       progress: Callable[[int, int], None] | None = None) -> KeyTrack:
        if isinstance(d, list):  # a project's "keyframes" list
            return cls(_parse_keys(d, source, progress))
        if not isinstance(d, dict) or d.get("format") != KEYS_FORMAT:
            raise InputError(f"{source} is not a MoEE keyframe file "
                             f"(expected \"format\": \"{KEYS_FORMAT}\")")
        version = d.get("version")
        # versions start at 1; a bool is an int to Python (true was read as version 1)
        if isinstance(version, bool) or not isinstance(version, int) \
                or not 1 <= version <= KEYS_VERSION:
            raise InputError(f"{source}: keyframe format version {version!r} is not supported "
                             f"(this MoEE Palette reads up to {KEYS_VERSION})")
        try:
            validate.known_fields(d, FILE_FIELDS)
        except InputError as e:
            raise InputError(f"{source}: {e}") from None
        keys = d.get("keys")
        if not isinstance(keys, list):
            raise InputError(f"{source}: the field 'keys' must be a list of keys")
        return cls.from_json_dict(keys, source, progress)


# A load reports progress every this many keys (a million keys take seconds, not a blink).
PROGRESS_EVERY = 50_000


def _parse_keys(items: list, source: str, progress) -> Iterable[Key]:
    n = len(items)
    for i, k in enumerate(items):
        if progress is not None and i % PROGRESS_EVERY == 0 and i:
            progress(i, n)
        yield Key.from_json_dict(k, f"{source}: key {i + 1}")
    if progress is not None and n >= PROGRESS_EVERY:
        progress(n, n)


def _merge_sorted(keys: Iterable[Key]) -> list[Key]:
    """Keys sorted by time in O(n log n), with the rule `add` applies one by one: a key within
    MIN_GAP_S of one given before it replaces that one (the later key in the input wins)."""
    order = sorted(enumerate(keys), key=lambda ik: (ik[1].time, ik[0]))
    out: list[tuple[int, Key]] = []
    for i, k in order:
        if out and k.time - out[-1][1].time < MIN_GAP_S:
            if i > out[-1][0]:
                out[-1] = (i, k)
            continue
        out.append((i, k))
    return [k for _, k in out]


def load_keys(path: str | os.PathLike,
              progress: Callable[[int, int], None] | None = None) -> KeyTrack:
    """Read a keyframe file; `progress(done, total)` is called during long loads."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"the keyframe file {p} is a folder, not a file")
    validate.not_a_stream(p, "the keyframe file")
    try:
        text = p.read_text(encoding="utf-8-sig")  # a BOM (Notepad's) was "Unexpected UTF-8 BOM"
    except FileNotFoundError:
        raise InputError(f"the keyframe file {p} does not exist") from None
    except UnicodeDecodeError:
        raise InputError(f"the keyframe file {p.name} is not UTF-8 text (is it a keyframe "
                         "file?)") from None
    except OSError as e:
        raise InputError(f"cannot read the keyframe file {p.name}: {e.strerror or e}") from None
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{p.name} is not valid JSON: {e.msg} at line {e.lineno}, "
                         f"column {e.colno}") from None
    except RecursionError:
        raise InputError(f"{p.name} is nested too deeply to be a keyframe file") from None
    except ValueError:  # an integer of over 4300 digits: Python's own limit, a traceback
        raise InputError(f"{p.name} holds a number too long to read, so it is not a keyframe "
                         "file") from None
    return KeyTrack.from_json_dict(d, p.name, progress)


def save_keys(track: KeyTrack, path: str | os.PathLike) -> None:
    """Write atomically: a temporary file in the same folder, then os.replace."""

    atomic.write_text(path, json.dumps(track.to_json_dict(), indent=2))


# Auto keys from audio: window length and hop (s), and the smallest change in the gates (L1)
# worth a new key. Prosody needs ~2 s of speech for a stable pitch range and rate
# (core/latents/audio_emotion.py reads speaking rate per second of speech).
AUTO_KEYS = {"window_s": 2.5, "hop_s": 1.25, "min_change": 0.3}


def propose_keys(audio, window_s: float = AUTO_KEYS["window_s"],
                 hop_s: float = AUTO_KEYS["hop_s"], min_change: float = AUTO_KEYS["min_change"],
                 easing: str = DEFAULT_EASING) -> list[Key]:
    """'Emotion from audio': keys along the take (an AudioTrack) from the audio emotion
    estimate over sliding windows, at window centres; windows without voiced speech hold the
    previous key, and a proposal within `min_change` of the last kept key is merged into it."""
    from core.errors import AudioError
    from core.latents.audio_emotion import estimate_audio_emotion

    keys: list[Key] = []
    starts = np.arange(0.0, max(audio.duration - window_s, 0.0) + 1e-9, hop_s)
    for s in starts:
        try:
            est = estimate_audio_emotion(audio.slice(s, s + window_s))
        except AudioError:
            continue
        g = np.round(np.asarray(est.scores, np.float64), 3)
        if keys and np.abs(g - np.asarray(keys[-1].mix.weights)).sum() < min_change:
            continue
        t = min(s + window_s / 2, audio.duration) if keys else 0.0
        keys.append(Key(float(t), EmotionMix(weights=tuple(g)), easing))
    return keys


def add_keys_arguments(parser) -> None:
    parser.add_argument(
        "--keys", metavar="TAKE.json", default=None, type=PathArg,
        help="keyframe file: the emotion changes over the take, each key with its own mix "
             "(so not with --mix, --au, --prompt or --label; --head/--gaze add to every key)")


def keys_from_args(args, resolver: Callable[[EmotionMix], EmotionMix] | None = None):
    """For render: a KeyTrack from --keys, or None."""
    path = getattr(args, "keys", None)
    if not path:
        return None

    def progress(done: int, total: int) -> None:
        # the command's progress line: an error about a later key starts on a line of its own
        # ("loading keys 50000/60000error: ..." was one line)
        from core.cli import progress_bar, progress_done

        progress_bar(f"loading keys {done}/{total}")
        if done == total:
            progress_done()

    track = load_keys(path, None if getattr(args, "quiet", False) else progress)
    track.resolver = resolver
    if not len(track):
        raise InputError(f"{Path(path).name} has no keys")
    return track
