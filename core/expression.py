"""From global gates g and AU toggles to AU intensities: what each expert expresses.

Each expert's AU activation vector comes from Du, Tao & Martinez 2014 (PNAS) Table 1: the
prototypical AUs at high intensity and the variants scaled by the share of subjects who showed
them, with the EMFACS forms (FACS.md) where Du et al. list none (AU5 in anger, AU6 in joy).
Intensities are on the FACS A-E scale mapped to 0.2..1.0; they are tuned by eye on real faces
(scratch renders of the sample portrait and paintings).
"""
from __future__ import annotations

import numpy as np

from core.emotions import AU_INDEX, AU_NUMBERS, EMOTIONS, NUM_AUS

# expert -> {AU: intensity in [0, 1]}
EXPERT_AUS: dict[str, dict[int, float]] = {
    # 12+25 prototypical; 6 in 51% (Du); Duchenne smile 6+12 (EMFACS). Lips part: a band of
    # upper teeth shows (at 0.45 a closed-mouth portrait showed a dark sliver, by eye). 10 and
    # 16 (not in Du et al.; the lips drawn apart over closed teeth of a broad grin): with 25
    # alone grace_hopper.jpg showed a thin band of teeth that read as a forced smile, neutral
    # to a FER2013 CNN (p(happy) 0.19 -> 0.46); a dropped jaw instead (26) read as surprise
    "happy": {12: 1.0, 6: 0.9, 25: 1.0, 10: 0.4, 16: 0.6},
    # 4+15 prototypical; 1 (60%), 17 (67%) variants; 6 (50%) left out: it reads as squint here.
    # 24 (not in Du et al.) closes a mouth that is open at rest: sad lips are closed (by eye).
    # 4 at 0.4 (the 0.06 IPD lowering 0.6 gave before AU4's magnitude rose: more knit the brows
    # into anger's, and a FER2013 CNN read the grayscale photo's sad as angry).
    # 43 at 0.25 (not in Du et al.): heavy upper lids, the tired look of sadness (by eye on
    # grace_hopper.jpg and the smiling photo; a FER2013 CNN's sad 0.31 -> 0.41 on the former)
    "sad": {1: 1.0, 4: 0.4, 15: 1.0, 17: 0.7, 24: 0.35, 43: 0.25},
    # 4+7+24 prototypical; 17 (52%), 23 (29%), 10 (26%); 5 from EMFACS anger 4+5+7+23.
    # The mouth bares its teeth: EMFACS's open-mouthed anger (4+5+7+10+25/26; Ekman & Friesen
    # 1975: "lips ... open, squared"), 10 at 1.0, 25 0.7 and 16 0.3 in place of Du et al.'s
    # pressed lips (23 0.8, 24 0.9, 17 0.6, 10 0.3; AU toggles still press them). Pressed, the
    # mouth turned down was sadness's pout: a FER2013 CNN read 50 faces' anger as sad 13 times
    # and neutral 15 (19 angry; bared, 26; the second CNN 17 -> 22, talking 18 -> 28 and
    # 22 -> 26). Lips pressed level read as determined, not angry (by eye; as a straight line,
    # 15 0.4, angry 20 -> 15 of 52). 15 (not in Du et al.) at 1.0: the corners turn down round
    # the teeth, a snarl, not a grin (at 0.5 the CNN's angry 26 -> 29 but the second's 22 -> 17
    # and more read as happy), and grace_hopper.jpg's brows lie behind her glasses' rims: her
    # anger read as a calm, stern face until the mouth turned down. Sad keeps AU1's oblique
    # brows. The glare is raised upper lids over tensed lower ones (Ekman & Friesen 1975, anger:
    # "lower lid tensed, upper lid raised, hard stare"): 7 at 1.0 with 5 at 0.5 squinted the
    # eyes, which on a smiling photo read as the smile's eyes (by eye; a FER2013 CNN read
    # grace_hopper.jpg angry at 0.51 against 0.38)
    "angry": {4: 1.0, 7: 0.4, 10: 1.0, 25: 0.7, 16: 0.3, 5: 0.8, 15: 1.0},
    # 9+10+17 prototypical; 4 (31%), 24 (26%); 15 from EMFACS disgust 9+15+16; 7 (by eye: the
    # sneer narrows the eyes) and 25 (the raised upper lip bares the upper teeth). 15 at 0.9,
    # not 0.5: with level corners the bared teeth read as a grin on low-resolution faces (by eye
    # on six of them; a FER2013 CNN's p(happy) under disgust 0.96/0.44/0.63 -> 0.79/0.24/0.47
    # on the three it called happy); turned down, the mouth is the sneer's inverted U.
    # The eyes narrow and the brows come down less than anger's: disgust's lower lids and
    # cheeks are pushed up (Ekman & Friesen 1975, disgust: lines below the lower lid, the lid
    # pushed up but not tense; FACS: AU9 raises the infraorbital triangle), anger's upper lids
    # glare. 6 at 1.0 and 7 at 1.0, not 0 and 0.35: the lids' gap 0.094 IPD, not 0.154 (0.158
    # at rest, anger 0.142; the sample portrait). 4 at 0.35, not 0.7: the inner brows 0.086 IPD
    # down with AU9's own pull, not 0.135 (anger's 0.181). A FER2013 CNN read 50 tuning
    # faces' disgust as disgust 9 -> 14 times and as angry 24 -> 20 (the second CNN never
    # reads disgust; its angry 25 -> 22); 6 0.5 and 7 0.8 gained less (11), 4 at 0.2 too (11,
    # angry 23). By eye the squint over the wrinkled nose reads as a sneer, not as a smile's
    # eyes: the corners are down
    "disgusted": {9: 1.0, 10: 1.0, 17: 0.7, 4: 0.35, 15: 0.9, 7: 1.0, 6: 1.0, 25: 0.2},
    # 1+4+20+25 prototypical; 5 (63%), 2 (57%), 26 (33%; EMFACS fear 1+2+4+5+20+26).
    # 15 and 16 (by eye): a stretched mouth with level corners reads as a grin; corners down
    # and the lower lip pulled off the lower teeth read aghast. At 15 0.3, 16 0.6, 26 0.35 the
    # smiling photo's fear still read as a smile and grace_hopper.jpg's as neutral (by eye; a
    # FER2013 CNN agreed: its fear 0.19 -> 0.30, top-1, and happy 0.61 -> 0.16 on the smile).
    # The brows of fear are raised and drawn together, inner ends highest (Ekman & Friesen
    # 1975): 4 at 0.7 and 2 at 0.3. With 2 at 0.7 and 4 at 0.4 they rose as even arcs,
    # surprise's brows, and the face read astonished rather than afraid (by eye on six faces,
    # talking and still; a FER2013 CNN's fear on 52 faces 6 -> 12, p 0.15 -> 0.22, the second
    # CNN's 16 -> 16, p 0.30 -> 0.31; 2 at 0.45, or 4 left at 0.4, gained less). The lids open
    # as wide (0.223 IPD against 0.225, 0.135 at rest); the brows rise 0.12-0.20 IPD, lateral
    # to medial, not 0.21-0.27, and their inner ends close 0.13 IPD, not 0.07 (four faces).
    # 2 at 0.1, not 0.3: the outer ends nearly level (0.009 IPD up against 0.039 in the face
    # frame, the inner ends 0.071 against 0.082; four faces), a worried brow, not a startled
    # one; the CNNs' fear on 50 faces, stills 11 -> 15 and 15 -> 18, talking 5 -> 12 and
    # 14 -> 15 (2 at 0 gained less: 13 and 16 stills)
    "fearful": {1: 1.0, 4: 0.7, 20: 1.0, 25: 0.6, 5: 1.0, 2: 0.1, 26: 0.5, 15: 0.5, 16: 1.0},
    # 1+2+25+26 prototypical; 5 (66%). 26 at full: the jaw drop's corners drawn in and its
    # lower lip's arc (core/rig/au_table.py) narrow the opening, which at 0.9 had read as a
    # shout on grace_hopper.jpg (by eye). 27 at 0.3 (EMFACS surprise 1+2+5B+26 or 27): the
    # corners drawn in and the jaw 0.45 IPD down make the dropped jaw's round "O" (opening
    # 0.6-0.77 of its width, fear's 0.25); without it the opening was a slot much like fear's
    # stretched mouth (by eye on eleven portraits; a FER2013 CNN's p(surprise) 0.39 -> 0.55 on
    # the smiling photo, 0.28 -> 0.73 on a low-resolution face). 0.4 gaped at full size
    "surprised": {1: 1.0, 2: 1.0, 5: 0.9, 25: 0.7, 26: 1.0, 27: 0.3},
}


# What an expert adds to the mouth while speech is active (times the speech activity), on top of
# the AUs above, most of whose opening and pressing give way to speech (core/rig/compose.py).
# Angry: EMFACS's open-mouthed anger (4+5+7+10+22+23+25/26; Ekman & Friesen 1975: "lips ...
# open, squared, as if shouting"): the upper lip raised further and the lower lip pulled down off
# the teeth, so angry speech bares both rows of teeth; with speech's plain opening alone a
# talking angry face read as a calm one (by eye).
# Sad: its corners held down against the lips' parting (AU15 0.3 on top of its own 1.0): with
# speech's opening alone, a talking sad mouth levelled its corners between words (by eye).
SPEECH_FORM: dict[str, dict[int, float]] = {
    "angry": {10: 0.4, 16: 0.6},
    "sad": {15: 0.3},
}

# How far each expert carries speech's articulation, a gain on the lips' parting and the jaw
# (ARTICULATION_AUS in core/rig/compose.py: AU16, AU25, AU26, AU27); unlisted experts 1.0.
# Sadness is low arousal and speaks with little movement; surprise speaks wide-mouthed. With
# speech's full articulation, a talking sad face opened as wide as a neutral one (0.10 IPD mean
# inner-lip gap on a 3.4 s sentence) and read sad less often than its still (a FER2013 CNN on
# 36 talking takes of 36 portraits: 15 against 18 stills); at 0.65 its gap is 0.05 IPD mean,
# 0.14 at most, still following the voice (r 0.99 with the neutral take's gap), and it read 17.
# At 0.45 (0.03 IPD mean) the words no longer showed (by eye).
SPEECH_ARTICULATION: dict[str, float] = {"sad": 0.65, "surprised": 1.2}
ARTICULATION_RANGE = (0.5, 1.5)  # the mixed gain's bounds (compounds, exaggeration past 1.0)

# Share of an expert's own mouth opening that gives way to speech while it talks (unlisted:
# SPEECH_MIX["emotion_open_yield"] in core/rig/tuning.py, 0.6). Surprise's dropped jaw and
# fear's stretched, parted lips are half of what reads: at 0.6 a talking surprise opened little
# more than a neutral face and read surprised in 16 of 36 talking takes against 19 of 36 stills
# (the FER2013 CNN above; the second CNN 17 against 27). At 0.25 (surprise; mean gap 0.30 IPD
# against 0.24, following the voice at r 0.76) and 0.3 (fear): 19 and 21 of 36, fear 7 and 10
# against 4 and 9. p/b/m still close the lips whatever is kept (core/rig/compose.py _yields).
SPEECH_OPEN_YIELD: dict[str, float] = {"surprised": 0.25, "fearful": 0.3}


def per_expert(table: dict[str, float], default: float = 1.0, dtype=np.float32) -> np.ndarray:
    """(6,) in EMOTIONS order: each expert's value in `table` (SPEECH_ARTICULATION,
    SPEECH_OPEN_YIELD, core/body.py HEAD_LIFE, core/rig/tuning.py EXPERT_STRENGTH), `default`
    for those it leaves out."""
    return np.array([table.get(n, default) for n in EMOTIONS], dtype)


def speech_form_matrix() -> np.ndarray:
    """(6, NUM_AUS) float32: row i = expert i's mouth form while speaking."""
    m = np.zeros((len(EMOTIONS), NUM_AUS), np.float32)
    for i, name in enumerate(EMOTIONS):
        for au, v in SPEECH_FORM.get(name, {}).items():
            m[i, AU_INDEX[au]] = v
    return m


def expert_matrix() -> np.ndarray:
    """(6, NUM_AUS) float32: row i = expert i's AU activations in AU_NUMBERS order."""
    m = np.zeros((len(EMOTIONS), NUM_AUS), np.float32)
    for i, name in enumerate(EMOTIONS):
        for au, v in EXPERT_AUS[name].items():
            m[i, AU_INDEX[au]] = v
    return m


_EXPERTS = expert_matrix()


def au_vector_from_gates(g: np.ndarray) -> np.ndarray:
    """sum_i g_i * a_i, clamped to [0, 1] (FACS intensity ceiling), shape (NUM_AUS,)."""
    return np.clip(np.asarray(g, np.float32) @ _EXPERTS, 0.0, 1.0)


def apply_au_overrides(vec: np.ndarray, overrides: dict[int, float]) -> np.ndarray:
    out = vec.copy()
    for au, v in overrides.items():
        out[AU_INDEX[au]] = v
    return out


def aus_from_gates(g: np.ndarray, overrides: dict[int, float] | None = None) -> dict[int, float]:
    """AU number -> intensity, for display and for `main.py mix`; zero AUs left out."""
    vec = apply_au_overrides(au_vector_from_gates(g), overrides or {})
    return {au: round(float(v), 4) for au, v in zip(AU_NUMBERS, vec) if v > 0}
