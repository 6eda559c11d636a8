"""Emotion and Action Unit catalog: the six MoEE experts, FACS AUs, prototypes and compound presets.

Sources: Ekman & Friesen FACS manual (AU names and muscles); Du, Tao & Martinez 2014, PNAS,
"Compound facial expressions of emotion", Table 1 (prototypes and variants); the MoEE paper
(CVPR 2025) for the expert order and its four compound emotions; ARKit-52 names from Apple's
ARFaceAnchor.BlendShapeLocation. See ../shared/FACS.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# The paper's expert order, used everywhere (gate vectors, sliders, tensors).
EMOTIONS: tuple[str, ...] = ("happy", "sad", "angry", "disgusted", "fearful", "surprised")
NUM_EXPERTS = len(EMOTIONS)

# Palette colours (hex), one per expert, same order.
EMOTION_COLORS: dict[str, str] = {
    "happy": "#f5c518",
    "sad": "#3b7dd8",
    "angry": "#d83b3b",
    "disgusted": "#5fae3a",
    "fearful": "#8a4fd1",
    "surprised": "#f08a24",
}


@dataclass(frozen=True)
class ActionUnit:
    number: int
    name: str
    muscle: str
    motion: str
    arkit: tuple[str, ...] = ()  # ARKit-52 blendshapes this AU drives (FACS.md mapping)
    sided: bool = True  # has left/right variants in the rig

    @property
    def code(self) -> str:
        return f"AU{self.number}"


_AU_LIST = [
    ActionUnit(1, "Inner brow raiser", "frontalis, pars medialis",
               "inner brows up, oblique slant", ("browInnerUp",), sided=False),
    ActionUnit(2, "Outer brow raiser", "frontalis, pars lateralis",
               "outer brows up, arched", ("browOuterUpLeft", "browOuterUpRight")),
    ActionUnit(4, "Brow lowerer", "corrugator supercilii, depressor supercilii, procerus",
               "brows down and together", ("browDownLeft", "browDownRight")),
    ActionUnit(5, "Upper lid raiser", "levator palpebrae superioris",
               "upper lid up, white above the iris", ("eyeWideLeft", "eyeWideRight")),
    ActionUnit(6, "Cheek raiser", "orbicularis oculi, pars orbitalis",
               "cheeks and lower lid up, crow's feet", ("cheekSquintLeft", "cheekSquintRight")),
    ActionUnit(7, "Lid tightener", "orbicularis oculi, pars palpebralis",
               "lower lid rises and straightens", ("eyeSquintLeft", "eyeSquintRight")),
    ActionUnit(9, "Nose wrinkler", "levator labii superioris alaeque nasi",
               "nose wings up, upper lip up, inner brows drop", ("noseSneerLeft", "noseSneerRight")),
    ActionUnit(10, "Upper lip raiser", "levator labii superioris",
               "upper lip up (no nose wrinkle)", ("mouthUpperUpLeft", "mouthUpperUpRight")),
    ActionUnit(11, "Nasolabial deepener", "zygomaticus minor",
               "nasolabial furrow deepens, upper lip pulled up and out", ()),
    ActionUnit(12, "Lip corner puller", "zygomaticus major",
               "lip corners up and out at about 45 degrees", ("mouthSmileLeft", "mouthSmileRight")),
    ActionUnit(14, "Dimpler", "buccinator",
               "lip corners tightened and pulled in", ("mouthDimpleLeft", "mouthDimpleRight")),
    ActionUnit(15, "Lip corner depressor", "depressor anguli oris",
               "lip corners down", ("mouthFrownLeft", "mouthFrownRight")),
    ActionUnit(16, "Lower lip depressor", "depressor labii inferioris",
               "lower lip down, lower teeth show", ("mouthLowerDownLeft", "mouthLowerDownRight")),
    ActionUnit(17, "Chin raiser", "mentalis",
               "chin boss and lower lip pushed up", ("mouthShrugLower",), sided=False),
    ActionUnit(18, "Lip pucker", "incisivii labii superioris and inferioris",
               "lips pushed forward, mouth narrows", ("mouthPucker",), sided=False),
    ActionUnit(20, "Lip stretcher", "risorius, platysma",
               "lip corners pulled sideways, lips thin", ("mouthStretchLeft", "mouthStretchRight")),
    ActionUnit(22, "Lip funneler", "orbicularis oris",
               "lips funnel outward into a rounded opening", ("mouthFunnel",), sided=False),
    ActionUnit(23, "Lip tightener", "orbicularis oris",
               "red of the lips narrows", (), sided=False),
    ActionUnit(24, "Lip pressor", "orbicularis oris",
               "lips pressed together", ("mouthPressLeft", "mouthPressRight")),
    ActionUnit(25, "Lips part", "depressor labii inferioris, relaxed mentalis",
               "inner lip contours separate", (), sided=False),
    ActionUnit(26, "Jaw drop", "masseter relaxed, temporalis relaxed",
               "jaw, lower lip and chin down", ("jawOpen",), sided=False),
    ActionUnit(27, "Mouth stretch", "pterygoids, digastric",
               "jaw pulled wide open", ("jawOpen",), sided=False),
    ActionUnit(43, "Eyes closed", "relaxed levator palpebrae superioris",
               "upper lids rest on the lower lids", ("eyeBlinkLeft", "eyeBlinkRight")),
    ActionUnit(45, "Blink", "orbicularis oculi, relaxed levator",
               "brief closing of both eyes", ("eyeBlinkLeft", "eyeBlinkRight")),
]
AU_CATALOG: dict[int, ActionUnit] = {au.number: au for au in _AU_LIST}
AU_NUMBERS: tuple[int, ...] = tuple(AU_CATALOG)
NUM_AUS = len(AU_NUMBERS)
AU_INDEX: dict[int, int] = {n: i for i, n in enumerate(AU_NUMBERS)}


@dataclass(frozen=True)
class Prototype:
    """Du et al. 2014 Table 1 row: prototypical AUs plus variants with their share of subjects."""

    name: str
    core: tuple[int, ...]
    variants: dict[int, float] = field(default_factory=dict)  # AU -> share of subjects (0..1)


# Du, Tao & Martinez 2014, PNAS, Table 1 (basic emotions).
BASIC_PROTOTYPES: dict[str, Prototype] = {
    "happy": Prototype("happy", (12, 25), {6: 0.51}),
    "sad": Prototype("sad", (4, 15), {1: 0.60, 6: 0.50, 11: 0.26, 17: 0.67}),
    "angry": Prototype("angry", (4, 7, 24), {10: 0.26, 17: 0.52, 23: 0.29}),
    "disgusted": Prototype("disgusted", (9, 10, 17), {4: 0.31, 24: 0.26}),
    "fearful": Prototype("fearful", (1, 4, 20, 25), {2: 0.57, 5: 0.63, 26: 0.33}),
    "surprised": Prototype("surprised", (1, 2, 25, 26), {5: 0.66}),
}


@dataclass(frozen=True)
class CompoundPreset:
    """A compound emotion: expert weights for the palette plus the AUs Du et al. list for it."""

    name: str
    weights: dict[str, float]  # expert -> global gate weight
    core_aus: tuple[int, ...]
    variant_aus: tuple[int, ...] = ()
    source: str = "Du et al. 2014, Table 1"
    in_moee_dataset: bool = False  # one of the four compound emotions of the MoEE paper's data

    @property
    def gates(self) -> dict[str, float]:
        """The preset's gates: the head emotion at full weight, the other in its share's
        proportion. Du et al. photographed compounds as fully expressed as the basic emotions;
        the shares as gates (summing to 1) left every AU that only one of them has at half
        strength, and "sadly surprised" read as a faint surprise (by eye on the contact sheets)."""
        top = max(self.weights.values())
        return {e: round(w / top, 4) for e, w in self.weights.items()}


def _cp(name, weights, core, variants=(), moee=False):
    return CompoundPreset(name, weights, tuple(core), tuple(variants), in_moee_dataset=moee)


# Weights (shares summing to 1; the gates scale them so the head is 1, CompoundPreset.gates): the
# adverb names the secondary emotion (Du et al.: "happily surprised" is surprise coloured by
# happiness), so the head noun gets the larger share.
COMPOUND_PRESETS: dict[str, CompoundPreset] = {p.name: p for p in [
    _cp("happily surprised", {"surprised": 0.55, "happy": 0.45}, (1, 2, 12, 25), (5, 26), moee=True),
    _cp("happily disgusted", {"disgusted": 0.55, "happy": 0.45}, (10, 12, 25), (4, 6, 9)),
    _cp("sadly fearful", {"fearful": 0.55, "sad": 0.45}, (1, 4, 20, 25), (2, 5, 6, 15), moee=True),
    _cp("sadly angry", {"angry": 0.55, "sad": 0.45}, (4, 15), (6, 7, 11, 17)),
    _cp("sadly surprised", {"surprised": 0.55, "sad": 0.45}, (1, 4, 25, 26), (2, 6), moee=True),
    _cp("sadly disgusted", {"disgusted": 0.55, "sad": 0.45}, (4, 10), (1, 6, 9, 11, 15, 17, 25)),
    _cp("fearfully angry", {"angry": 0.55, "fearful": 0.45}, (4, 20, 25), (5, 7, 10, 11)),
    _cp("fearfully surprised", {"surprised": 0.55, "fearful": 0.45}, (1, 2, 5, 20, 25),
        (4, 10, 11, 26)),
    _cp("fearfully disgusted", {"disgusted": 0.55, "fearful": 0.45}, (1, 4, 10, 20, 25),
        (2, 5, 6, 9, 15)),
    _cp("angrily surprised", {"surprised": 0.55, "angry": 0.45}, (4, 25, 26), (5, 7, 10)),
    _cp("angrily disgusted", {"disgusted": 0.55, "angry": 0.45}, (4, 10, 17), (7, 9, 24),
        moee=True),
    _cp("disgustedly surprised", {"surprised": 0.55, "disgusted": 0.45}, (1, 2, 5, 10),
        (4, 9, 17, 24)),
    _cp("appalled", {"disgusted": 0.6, "angry": 0.25, "sad": 0.15}, (4, 10), (6, 9, 17, 24)),
    _cp("hatred", {"angry": 0.6, "disgusted": 0.4}, (4, 10), (7, 9, 17, 24)),
    _cp("awed", {"surprised": 0.65, "fearful": 0.2, "happy": 0.15}, (1, 2, 5, 25), (4, 20, 26)),
]}

MOEE_COMPOUNDS: tuple[str, ...] = tuple(n for n, p in COMPOUND_PRESETS.items() if p.in_moee_dataset)


def emotion_index(name: str) -> int:
    try:
        return EMOTIONS.index(name.strip().lower())
    except ValueError:
        raise ValueError(
            f"unknown emotion {name!r}; expected one of: {', '.join(EMOTIONS)}") from None
