"""The emotion condition a user sets on the palette: global gates g, AU toggles, local gates, prompt.

The same EmotionMix drives both engines (DESIGN.md: "two engines, one interface").
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from core import validate
from core.body import IRIS_IPD_PER_DEG, check_pose
from core.emotions import AU_CATALOG, COMPOUND_PRESETS, EMOTIONS, NUM_EXPERTS, emotion_index
from core.errors import InputError

MixMode = Literal["free", "normalized"]
_WEIGHT_NAMES = tuple(f"the weight of {e}" for e in EMOTIONS)  # made once: every key checks six
# Face regions a local-gate override (the paper's s) can address; the rig maps them to landmarks.
REGIONS: tuple[str, ...] = ("brows", "eyes", "nose", "cheeks", "mouth", "jaw")
# Every field a mix's JSON (as_dict) may hold: a key or project file with another (a typo such
# as "weigths", "aus") is refused, not read as a neutral face.
MIX_FIELDS: tuple[str, ...] = ("weights", "mode", "intensity", "au_overrides", "local_gates",
                               "prompt", "label", "gate_override", "neutralize", "head", "gaze")
# The master intensity ceiling is core/validate.py MAX_INTENSITY: 1 is the experts as designed,
# up to 1.5 exaggerates (animation style); the rig keeps that fold-free (tuning.py EXAGGERATION)


def normalized(weights, mode: MixMode) -> tuple[float, ...]:
    """The weights a mix in `mode` holds: divided by their sum in "normalized" mode (all zeros
    stay neutral), unchanged in "free" mode. The one place weights are normalised: EmotionMix
    applies it when a mix is made, so stored weights are what is rendered and never divided again."""
    w = np.asarray(weights, np.float64)
    with np.errstate(over="ignore"):
        total = w.sum()
    if mode == "normalized" and np.isinf(total) and np.isfinite(w).all():  # 1e308 + 1e308
        w = w / w.max()
        total = w.sum()
    # already on the simplex (up to float rounding): unchanged, so remaking a mix is exact
    if mode == "normalized" and total > 0 and abs(total - 1.0) > 1e-12:
        w = w / total
    return tuple(float(x) for x in w)


@dataclass(frozen=True)
class EmotionMix:
    """One emotion condition.

    weights: the six global gate values g as set on the palette (paper order, >= 0).
    mode: "normalized" keeps the weights on the softmax gate's simplex (divided by their sum
        once, when the mix is made: `normalized`); "free" keeps each weight as an independent
        expert intensity.
    intensity: master scale applied after the mode.
    au_overrides: AU number -> forced intensity in [0, 1]; 0 mutes an AU the mix would produce.
    local_gates: region -> six values in [0, 1] overriding the local gate s on that region's
        tokens (e.g. {"mouth": (1,0,0,0,0,0)} keeps only the happy expert on the mouth).
    prompt: free text condition (Emotion-to-Latents); label: a basic or compound emotion name.
    gate_override: True uses the hand-set gates; False lets the engine's own gates (from the
        prompt/label/audio condition) decide and the sliders only display them.
    neutralize: take the portrait's rest expression (a smile in the photo) away before the mix
        is added; None (auto) = on whenever an emotion is mixed (core/rig/rest.py).
    head: yaw, pitch, roll offsets in degrees; gaze: x, y in degrees (core/body.py has the
        signs and limits). Added to the experts' body language and the speech-driven motion.
    """

    weights: tuple[float, ...] = (0.0,) * NUM_EXPERTS
    mode: MixMode = "free"
    intensity: float = 1.0
    au_overrides: dict[int, float] = field(default_factory=dict)
    local_gates: dict[str, tuple[float, ...]] = field(default_factory=dict)
    prompt: str = ""
    label: str = ""
    gate_override: bool = True
    neutralize: bool | None = None
    head: tuple[float, float, float] = (0.0, 0.0, 0.0)
    gaze: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self):
        w = tuple(self.weights)
        if len(w) != NUM_EXPERTS:
            raise InputError(f"a mix needs {NUM_EXPERTS} weights ({', '.join(EMOTIONS)}), got {len(w)}")
        w = tuple(validate.weight(x, what) for what, x in zip(_WEIGHT_NAMES, w))
        validate.choice(self.mode, validate.MIX_MODES, "mix mode")
        object.__setattr__(self, "intensity", validate.intensity(self.intensity, "the master intensity"))
        if self.neutralize not in (None, True, False):
            raise InputError(f"neutralize must be true, false or null, got {self.neutralize!r}")
        object.__setattr__(self, "weights", normalized(w, self.mode))
        for au, v in self.au_overrides.items():
            validate.au_number(au)
            validate.unit(v, f"AU{au} intensity")
        for region, gates in self.local_gates.items():
            validate.choice(region, REGIONS, "face region")
            if len(gates) != NUM_EXPERTS:
                raise InputError(f"local gates for {region!r} need {NUM_EXPERTS} values")
            for e, g in zip(EMOTIONS, gates):
                validate.unit(g, f"the {region} local gate of {e}")
        head, gaze = check_pose(self.head, self.gaze)
        object.__setattr__(self, "head", head)
        object.__setattr__(self, "gaze", gaze)

    # ----- derived values
    def gates(self) -> np.ndarray:
        """Effective global gate vector g (float32, shape (6,)): the weights (already on the
        simplex in normalized mode) times the master intensity."""
        return np.asarray(self.weights, dtype=np.float32) * np.float32(self.intensity)

    @property
    def is_neutral(self) -> bool:
        return not self.au_overrides and float(self.gates().sum()) == 0.0

    def dominant(self) -> str | None:
        g = self.gates()
        return EMOTIONS[int(g.argmax())] if g.sum() > 0 else None

    def gaze_ipd(self) -> tuple[float, float]:
        """The gaze offset as an iris shift in IPD (the rig's unit)."""
        return (self.gaze[0] * IRIS_IPD_PER_DEG, self.gaze[1] * IRIS_IPD_PER_DEG)

    # ----- constructors
    @classmethod
    def neutral(cls) -> EmotionMix:
        return cls()

    @classmethod
    def from_dict(cls, weights: dict[str, float], **kw) -> EmotionMix:
        w = [0.0] * NUM_EXPERTS
        for name, value in weights.items():
            w[emotion_index(name)] = float(value)
        cls._check_free(w, kw.get("mode", "free"))
        return cls(weights=tuple(w), **kw)

    @staticmethod
    def _check_free(weights, mode) -> None:
        """At the doors (flags, files): a free mix's weight is an expert's strength, 1 full as
        on the palette's slider, up to the exaggeration ceiling. Inside, blends of keys at two
        intensities and resolved conditions hold gates (weight x intensity) as free weights."""
        if mode != "free":
            return
        top = validate.MAX_INTENSITY
        # not validate.weight: every number is checked once, by __post_init__ (a keys file has
        # a mix per key); what is not a plain number is left to it
        for what, x in zip(_WEIGHT_NAMES, weights):
            if isinstance(x, (int, float)) and not isinstance(x, bool) and x > top:
                raise InputError(
                    f"{what} must be in [0, {top:g}] in a free mix (an expert's strength: 1 "
                    f"is full, as on the palette's slider, past it exaggerated), got "
                    f"{validate.show_number(x)}; "
                    "use the normalized mode for relative weights")

    @classmethod
    def from_preset(cls, name: str, **kw) -> EmotionMix:
        """A basic emotion ("angry") or a compound preset ("angrily disgusted")."""
        key = name.strip().lower()
        if key in EMOTIONS:
            return cls.from_dict({key: 1.0}, **kw)
        if key == "neutral":
            return cls(**kw)
        if key not in COMPOUND_PRESETS:
            raise InputError(f"unknown emotion or preset {name!r}; try one of: "
                             + ", ".join((*EMOTIONS, "neutral", *COMPOUND_PRESETS)))
        return cls.from_dict(COMPOUND_PRESETS[key].gates, **kw)

    def with_weights(self, weights) -> EmotionMix:
        return replace(self, weights=tuple(float(x) for x in weights))

    def as_dict(self) -> dict:
        pose = {name: list(v) for name, v in (("head", self.head), ("gaze", self.gaze)) if any(v)}
        if self.neutralize is not None:
            pose["neutralize"] = self.neutralize
        return {
            "weights": dict(zip(EMOTIONS, self.weights)),
            "mode": self.mode,
            "intensity": self.intensity,
            "au_overrides": {str(k): v for k, v in sorted(self.au_overrides.items())},
            "local_gates": {k: list(v) for k, v in self.local_gates.items()},
            "prompt": self.prompt,
            "label": self.label,
            "gate_override": self.gate_override,
            **pose,  # only when set, so files without head/gaze keep reading and writing alike
        }

    @classmethod
    def from_json_dict(cls, d: dict) -> EmotionMix:
        """A mix from a key or project file. The shapes JSON can get wrong (objects, lists, the
        text fields) are checked here; every number once, by __post_init__ (core.validate)."""
        d = validate.mapping(d, "the mix")
        validate.known_fields(d, MIX_FIELDS, "in mix")
        weights = validate.mapping(d.get("weights", {}), "the mix's weights")
        w: list = [0.0] * NUM_EXPERTS
        for name, value in weights.items():
            if name not in EMOTIONS:
                validate.choice(name, EMOTIONS, "emotion")
            w[EMOTIONS.index(name)] = value
        cls._check_free(w, d.get("mode", "free"))
        aus = validate.mapping(d.get("au_overrides", {}), "the mix's au_overrides")
        local = validate.mapping(d.get("local_gates", {}), "the mix's local_gates")
        for region, gates in local.items():
            if not isinstance(gates, (list, tuple)):
                raise InputError(f"local gates for {region!r} must be a list of {NUM_EXPERTS} numbers")
        gate_override = d.get("gate_override", True)
        if not isinstance(gate_override, bool):
            raise InputError(f"gate_override must be true or false, got {gate_override!r}")
        return cls(
            weights=tuple(w),
            mode=d.get("mode", "free"),
            intensity=d.get("intensity", 1.0),
            au_overrides={validate.au_number(k): v for k, v in aus.items()},
            local_gates={k: tuple(v) for k, v in local.items()},
            prompt=validate.text(d.get("prompt", ""), "the prompt"),
            label=validate.label(d.get("label", ""), "the label"),
            gate_override=gate_override,
            neutralize=d.get("neutralize"),
            head=d.get("head", (0.0, 0.0, 0.0)),
            gaze=d.get("gaze", (0.0, 0.0)),
        )


def _pairs(text: str, what: str, presets: bool = False) -> list[tuple[str, float]]:
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            hint = " or a preset name ('angry', 'sadly surprised')" if presets else ""
            raise InputError(f"{what}: expected NAME=VALUE pairs separated by commas{hint}, "
                             f"got {part!r}")
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"{what}: {value.strip()!r} is not a number (in {part!r})") from None
        if np.isinf(number) and "inf" not in value.lower():  # 1e400 reads as inf
            raise InputError(f"{what}: {value.strip()!r} is too large a number (in {part!r})")
        out.append((key.strip(), number))
    return out


def parse_mix(text: str, what: str = "--mix") -> dict[str, float]:
    """'happy=0.7,surprised=0.3' -> {'happy': 0.7, 'surprised': 0.3} with clear errors; a preset
    name alone ('angry', 'sadly surprised', 'neutral') -> its gates, as the app's preset menu
    sets them (a compound at full strength: CompoundPreset.gates). `what` names the source in
    messages: the flag (`live --emotion`) or the manifest's cell."""
    key = " ".join(text.split()).lower()
    if key and "=" not in key and (key in EMOTIONS or key in COMPOUND_PRESETS
                                   or key == "neutral"):
        g = EmotionMix.from_preset(key).weights
        return {e: w for e, w in zip(EMOTIONS, g) if w > 0}
    out: dict[str, float] = {}
    for name, w in _pairs(text, what, presets=True):
        if name.lower() not in EMOTIONS:
            raise InputError(f"{what}: unknown emotion {name!r}; expected one of: "
                             + ", ".join(EMOTIONS))
        validate.weight(w, f"{what}: the weight for {name}")
        _once(out, name.lower(), w, what)
    return out


def parse_aus(text: str) -> dict[int, float]:
    """'12=1,15=0' -> {12: 1.0, 15: 0.0}; 'AU12=1' is accepted too."""
    out: dict[int, float] = {}
    for key, v in _pairs(text, "--au"):
        k = key.upper().removeprefix("AU")
        if not k.isdigit() or int(k) not in AU_CATALOG:
            raise InputError(f"--au: unknown Action Unit AU{k}; known: "
                             + ", ".join(str(n) for n in AU_CATALOG))
        _once(out, int(k), validate.unit(v, f"--au: the intensity for AU{k}"), "--au")
    return out


def _once(out: dict, key, value: float, what: str) -> None:
    """`happy=1,happy=0.2` is a typo, not an instruction: the last value silently winning would
    render a mix the user did not read back."""
    if key in out:
        shown = f"AU{key}" if isinstance(key, int) else key
        raise InputError(f"{what}: {shown} is given twice ({out[key]:g} and {value:g}); "
                         "give each once")
    out[key] = value
