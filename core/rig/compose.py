"""One frame's controls from the emotion condition, speech and life tracks."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.emotions import AU_INDEX, AU_NUMBERS, NUM_AUS
from core.expression import (
    ARTICULATION_RANGE,
    SPEECH_ARTICULATION,
    SPEECH_OPEN_YIELD,
    per_expert,
    speech_form_matrix,
)
from core.rig.motion import MotionModel, closure_share
from core.rig.pose import RigPose
from core.rig.tuning import (
    AU_MAGNITUDE,
    CLOSURE,
    ONSET_FLOOR,
    ONSET_SECONDS,
    REST_CONFLICTS,
    REST_KEEPS,
    REST_NOT_ADDED,
    REST_REPLACE_FULL,
    SPEECH_MIX,
)
from core.rig.ufuncs import smoothstep
from core.track import TrackRow

# Emotion AUs that press or open the mouth give way to speech while it is active, so vowels
# still open and p/b/m still close (DESIGN.md "Speech"): pressing fully, opening by a share
# (SPEECH_MIX), and all of it while speech closes the lips.
PRESS_AUS = (23, 24)
OPEN_AUS = (16, 25, 26, 27)
MOUTH_YIELD_AUS = PRESS_AUS + OPEN_AUS
# speech's AUs that each expert's articulation gain scales (core/expression.py
# SPEECH_ARTICULATION): the opening ones, the lips' parting, the lower lip's drop and the jaw
ARTICULATION_AUS = OPEN_AUS
EYE_CLOSURE_AUS = (43, 45)


@dataclass
class FrameDrive:
    """Per-frame inputs from the audio and life tracks."""

    speech: dict[int, float]
    activity: float = 0.0
    blink: float = 0.0
    head: tuple[float, float, float] = (0.0, 0.0, 0.0)
    gaze: tuple[float, float] = (0.0, 0.0)
    # how far speech's p/b/m close the lips at the frames beside this one (Tracks.beside; live
    # leaves it 0: the next frame is not known yet)
    beside: float = 0.0


_PRESS_IDX = np.array([AU_INDEX[au] for au in PRESS_AUS])
_OPEN_IDX = np.array([AU_INDEX[au] for au in OPEN_AUS])
# each AU's yield to speech: none (0), the pressing one (1) or the opening one (2)
_YIELD_OF = np.zeros(NUM_AUS, np.intp)
_YIELD_OF[_PRESS_IDX], _YIELD_OF[_OPEN_IDX] = 1, 2
_SPEECH_FORM = speech_form_matrix()
# each expert's articulation gain less 1 (0: speech as it is)
_ARTICULATION = (per_expert(SPEECH_ARTICULATION, dtype=np.float64) - 1.0).astype(np.float32)
_OPEN_YIELDS = per_expert(SPEECH_OPEN_YIELD, SPEECH_MIX["emotion_open_yield"])


def _yields(drive: FrameDrive, g: np.ndarray) -> tuple[float, float]:
    """Shares of the emotion's lip pressing and of its mouth opening that give way to speech
    this frame: the activity's share of each (the opening's: the gates' mean of each expert's
    SPEECH_OPEN_YIELD), and all of the opening while speech closes the lips (its AU24 at
    CLOSURE's full_at: a jaw held open would keep p/b/m apart)."""
    a = float(drive.activity)
    closing = closure_share(drive.speech.get(24, 0.0))
    total = float(g.sum())
    opening = (float(g @ _OPEN_YIELDS) / total if total > 1e-6
               else SPEECH_MIX["emotion_open_yield"])
    # beside a closure, what is kept of the opening closes partway too
    # (core/rig/speech_track.py `spread_closures`: speech's own opening does alike)
    kept = (1.0 - min(max(a * opening, closing), 1.0)) * (1.0 - CLOSURE["spread"] * drive.beside)
    return (a * SPEECH_MIX["emotion_press_yield"], 1.0 - kept)


def articulation(g: np.ndarray) -> float:
    """The gates' gain on speech's articulation (core/expression.py SPEECH_ARTICULATION):
    1 + sum_i g_i (gain_i - 1), within ARTICULATION_RANGE."""
    lo, hi = ARTICULATION_RANGE
    return min(max(1.0 + float(g @ _ARTICULATION), lo), hi)


def _speech_aus(speech: dict[int, float], mixed: np.ndarray, muted: list[int],
                gain: float = 1.0) -> dict[int, float]:
    """Speech AUs after the experts' articulation `gain`, the AU27 gain and the jaw-drop ceiling
    (shared with the emotion's jaw)."""
    out = {au: v for au, v in speech.items() if au not in muted}
    if gain != 1.0:
        for au in ARTICULATION_AUS:
            if au in out:
                out[au] = min(out[au] * gain, 1.0)
    if 27 in out:
        out[27] *= SPEECH_MIX["speech_au27_gain"]
    m26, m27 = AU_MAGNITUDE["au26_jaw_down"], AU_MAGNITUDE["au27_jaw_down"]
    emotion_jaw = m26 * mixed[AU_INDEX[26]] + m27 * mixed[AU_INDEX[27]]
    speech_jaw = m26 * out.get(26, 0.0) + m27 * out.get(27, 0.0)
    room = max(SPEECH_MIX["max_jaw_drop"] - emotion_jaw, 0.0)
    if speech_jaw > room:
        scale = room / speech_jaw
        for au in (26, 27):
            if au in out:
                out[au] *= scale
    return out


def rest_removal(rest: dict[int, float], mixed: np.ndarray, neutralize: float,
                 parted: dict[int, float] | None = None, mix_parts: float = 0.0
                 ) -> dict[int, float]:
    """Share of each rest AU to take away: a mixed AU that conflicts with it replaces it
    (REST_CONFLICTS); neutralize (0..1, follows the gates' ease-in) takes every rest AU away
    except what the mix itself drives (that AU, or those doing its work: REST_KEEPS); a rest AU
    the mix drives too that must not add up (REST_NOT_ADDED) keeps only what the mix lacks, so
    the face shows the larger of the two. Where known, the two are lip gaps (IPD): the rest
    AU's field's (`parted`, RestExpression.parted) against all the mix parts them
    (`mix_parts`, MotionModel.mix_parting): a broad grin's rest AU25 reads 1.0 (capped) but
    parts the lips 2-3.5x as far as AU25 1.0, and taken whole for the mix's AU25 1.0, happy
    closed the grin to half its opening (by eye on four toothy smiles of deepface's test
    photos and the smiling sample portrait)."""
    out = {}
    parted = parted or {}
    for au, r in rest.items():
        rival = max((float(mixed[AU_INDEX[b]]) for b in REST_CONFLICTS.get(au, ())), default=0.0)
        f = min(rival / REST_REPLACE_FULL, 1.0)
        kept = max(float(mixed[AU_INDEX[b]]) for b in REST_KEEPS.get(au, (au,)))
        out[au] = max(f, neutralize * (1.0 - min(kept, 1.0)))
        if au in REST_NOT_ADDED and parted.get(au, 0.0) > 1e-4:
            out[au] = max(out[au], min(mix_parts / parted[au], 1.0))
        elif au in REST_NOT_ADDED and r > 0:
            out[au] = max(out[au], min(float(mixed[AU_INDEX[au]]) / r, 1.0))
    return out


def _rest_displacement(motion: MotionModel, row: TrackRow,
                       mixed: np.ndarray) -> tuple[np.ndarray, dict[int, float]]:
    """(478, 2) IPD taking the rest expression away, inside the regions the local gates open,
    and the share of each rest AU taken."""
    g = row.g
    if np.isnan(row.neutralize):  # auto: on with an emotion, easing in with its gates
        strength = min(float(np.maximum.reduce(g)), 1.0)  # np.max without its wrapper
    else:
        strength = float(row.neutralize)
    fractions = rest_removal(motion.rest.aus, mixed, strength, motion.rest.parted,
                             motion.mix_parting(mixed))
    if row.s is not None:  # a region closed to every active expert keeps its rest expression
        open_ = np.nan_to_num(row.s, nan=1.0)[:, np.asarray(g) > 0].max(1, initial=0.0)  # (R,)
        # ... and so does a rest AU whose home (the point it moves most) lies there: the smile
        # stays whole with the mouth gated off, not taken from the cheeks and left on the lips
        for au in fractions:
            home = motion.rest_home_region.get(au)
            if home is not None:
                fractions[au] *= float(open_[home])
    d = motion.rest_removal(fractions)
    if row.s is not None:
        d = d * open_[motion.moe.token_region][:, None]
    return d, fractions


def onset(t: float) -> float:
    """Ease-in of a constant mix at the start of the take (smoothstep over ONSET_SECONDS)."""
    return ONSET_FLOOR + (1.0 - ONSET_FLOOR) * smoothstep(
        t / ONSET_SECONDS if ONSET_SECONDS > 0 else 1.0)


def _emotion_parts(motion: MotionModel, row: TrackRow, muted: list[int]) -> tuple:
    """(MoE output for the condition's AU gains (base), the same for the pressing AUs' share
    of them alone, for the opening AUs' alone, the base gains (moe.au_gain)): per distinct
    condition (cached), not per frame (`_emotion_displacement`, compose's gains)."""
    g = row.g
    key = (g.tobytes(), tuple(sorted(muted)), None if row.s is None else row.s.tobytes())

    def make():
        base = motion.moe.au_gain(g, muted)
        parts = []
        for idx in (_PRESS_IDX, _OPEN_IDX):
            part = np.zeros_like(base)
            part[idx] = base[idx]
            parts.append(motion.moe.displacement(g, row.s, part))
        return (motion.moe.displacement(g, row.s, base), *parts, base)

    # the cache locks itself: the GUI's preview and clip threads share one portrait
    return motion.emotion_cache.get_or_make(key, make)


def _emotion_displacement(parts: tuple, yields: tuple[float, float]) -> np.ndarray:
    """MoE output for gains (base) with the pressing and opening AUs scaled by (1 - their
    yield), from the condition's `_emotion_parts`.

    The experts are linear in the AU gain, so out(gain) = out(base) - yield_p * out(press part)
    - yield_o * out(open part): three MoE calls per distinct condition, not one per frame while
    speech varies.
    """
    full, press, open_, _ = parts
    out = full
    for y, part in zip(yields, (press, open_)):
        if y:
            out = out - np.float32(y) * part
    return out


def compose(motion: MotionModel, row: TrackRow, drive: FrameDrive) -> tuple[RigPose, np.ndarray]:
    """One frame from its track row (core/track.py) and the audio/life drive ->
    (pose with the final AU intensities, emotion displacement (478, 2) IPD)."""
    muted, forced = row.muted, row.forced
    g_eff = np.asarray(row.g, np.float32)
    yields = _yields(drive, g_eff)
    # 1 less each AU's yield, in float32
    yield_gain = np.float32(1.0) - np.array([0.0, *yields], np.float32)[_YIELD_OF]
    parts = _emotion_parts(motion, row, muted)
    gain = parts[-1] * yield_gain  # moe.au_gain(g_eff, muted, yield_gain): base gains * extra
    mixed = motion.moe.mixed_aus(g_eff, gain, row.s)
    emotion = _emotion_displacement(parts, yields)
    smile_taken = cheek_taken = 0.0
    fractions: dict[int, float] = {}
    if motion.rest.aus:
        # a forced AU (an AU toggle) conflicts with the rest as the mix's own does: AU15 or
        # AU24 toggled on a smiling photo took nothing of its smile away
        shown = mixed
        if forced:
            shown = mixed.copy()
            for au, v in forced.items():
                shown[AU_INDEX[au]] = v
        taken, fractions = _rest_displacement(motion, row, shown)
        emotion = emotion + taken
        smile_taken = motion.rest.aus.get(12, 0.0) * min(fractions.get(12, 0.0), 1.0)
        cheek_taken = motion.rest.aus.get(6, 0.0) * min(fractions.get(6, 0.0), 1.0)

    extra = _speech_aus(drive.speech, mixed, muted, articulation(g_eff))
    if drive.activity > 0:  # the experts' own speaking forms (core/expression.py SPEECH_FORM)
        form = g_eff @ _SPEECH_FORM * np.float32(drive.activity)
        for i in (form > 1e-4).nonzero()[0]:
            au = AU_NUMBERS[i]
            if au not in muted and au not in forced:
                extra[au] = extra.get(au, 0.0) + float(form[i])
    for au, v in forced.items():  # a forced AU replaces what the mix gave it
        extra[au] = extra.get(au, 0.0) + v - float(mixed[AU_INDEX[au]])
    blink = max([drive.blink if 45 not in muted else 0.0]
                + [forced.get(a, 0.0) for a in EYE_CLOSURE_AUS])
    for au in EYE_CLOSURE_AUS:
        extra.pop(au, None)

    total = dict(zip(AU_NUMBERS, mixed.tolist()))
    for au, v in extra.items():
        total[au] = total.get(au, 0.0) + v
    total[45] = max(total.get(45, 0.0), blink)
    # max(v, 0.0) is v itself past the threshold
    final = {au: round(min(v, 1.0), 4) for au, v in total.items() if v > 1e-4}
    head = tuple(float(a) * row.head_life + float(b) for a, b in zip(drive.head, row.head))
    gaze = tuple(float(a) * row.gaze_life + float(b) for a, b in zip(drive.gaze, row.gaze))
    chin = (np.float32(final.get(17, 0.0)) * motion.chin_per_au17
            - np.float32(min(fractions.get(17, 0.0), 1.0)) * motion.rest_chin)
    pose = RigPose(aus=extra, head=head, gaze=gaze, blink=blink, gates=g_eff, final_aus=final,
                   smile_taken=smile_taken, cheek_taken=cheek_taken, chin_raise=chin)
    return pose, emotion
