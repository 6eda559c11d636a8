"""The MoEE mixture on the rig: tokens are the 478 face landmarks.

Each token carries a displacement slot (2 channels, zero at rest) and its row of the AU basis
((AU, side) x 2 channels). Expert i is linear: it reads the basis channels and writes
sum_k a_ik B_k into the displacement slot, so X' = X + sum_i g_i E_i(X * s_i) (core/moe.py) is
literally the paper's formula, and its displacement slot is the emotion's landmark motion. The
local gate s is per token: overriding it on a face region (e.g. mouth) mixes experts per region.

Because every expert is linear and the rig's own local gate is a constant (zero weights, bias
LOCAL_GATE_OPEN_BIAS), the module's output has a closed form, X'[:, :2] = sum_i g_i s_i B w_i:
frames use it in numpy (RigMoE.displacement), so a render never waits ~1.5 s for torch to load
(issue 18). The torch module (core/rig/moe_experts.py) stays the definition: module_displacement
runs it, and tests/rig/test_rig_moe_closed_form.py holds the two together.
"""
from __future__ import annotations

import threading

import numpy as np

from core.emotions import AU_INDEX, AU_NUMBERS, NUM_AUS, emotion_index
from core.expression import expert_matrix, per_expert
from core.face.regions import region
from core.mix import REGIONS
from core.rig.au_basis import AUBasis
from core.rig.tuning import AU_MAGNITUDE, EXAGGERATION, EXPERT_STRENGTH, GATE_YIELDS, MIX_YIELDS
from core.rig.ufuncs import clip

# AUs measured as a fraction of a gap (lids, pressed lips) never exaggerate past closing it
_GAP_IDX = [AU_INDEX[au] for au in EXAGGERATION["gap_aus"]]
# ... and the jaw drops no further than EXAGGERATION["max_jaw_drop"]: AU26 and AU27's IPD
_JAW_IDX = [AU_INDEX[26], AU_INDEX[27]]
_YIELDS = [(AU_INDEX[a], AU_INDEX[b]) for a, b in MIX_YIELDS.items()]
_GATE_YIELDS = [(AU_INDEX[a], emotion_index(e), k, [emotion_index(f) for f in src])
                for a, e, k, src in GATE_YIELDS]
_JAW_DROP = np.array([AU_MAGNITUDE["au26_jaw_down"], AU_MAGNITUDE["au27_jaw_down"]], np.float32)
# each expert's strength on the face (EXPERT_STRENGTH), (6,)
_STRENGTH = per_expert(EXPERT_STRENGTH)
# sigmoid(12) = 0.999994: the rig's own local gate lets every expert act everywhere; users
# narrow it per region through EmotionMix.local_gates.
LOCAL_GATE_OPEN_BIAS = 12.0
_OPEN_GATE = np.float32(1 / (1 + np.exp(-LOCAL_GATE_OPEN_BIAS)))  # that gate's value, s_i

# Which Face Mesh lists make up each palette region (FACS.md / facemesh_regions.json);
# unlisted landmarks join the region of their nearest listed neighbour.
REGION_LISTS: dict[str, tuple[str, ...]] = {
    "brows": ("R_brow_upper", "R_brow_lower", "L_brow_upper", "L_brow_lower", "forehead",
              "glabella"),
    "eyes": ("R_eye_upper_lid", "R_eye_lower_lid", "L_eye_upper_lid", "L_eye_lower_lid",
             "R_eye_halo2_upper", "R_eye_halo2_lower", "L_eye_halo2_upper", "L_eye_halo2_lower",
             "R_iris", "L_iris"),
    "nose": ("nose_bridge", "nose_tip", "nose_R_side", "nose_L_side", "nose_base_region"),
    "cheeks": ("cheek_R", "cheek_L", "nasolabial_R", "nasolabial_L", "R_eye_halo5_lower",
               "L_eye_halo5_lower"),
    "mouth": ("lips_upper_outer", "lips_lower_outer", "lips_upper_inner", "lips_lower_inner",
              "lips_upper_semi_outer", "lips_lower_semi_outer"),
    "jaw": ("chin", "jaw_line_R_to_L"),
}


def region_of_tokens(frame_points: np.ndarray) -> np.ndarray:
    """(478,) region index per landmark (REGIONS order)."""
    labels = np.full(len(frame_points), -1)
    for ri, name in enumerate(REGIONS):
        for lst in REGION_LISTS[name]:
            labels[region(lst)] = ri
    known = np.flatnonzero(labels >= 0)
    d = ((frame_points[:, None] - frame_points[None, known]) ** 2).sum(-1)
    unknown = labels < 0
    labels[unknown] = labels[known[d[unknown].argmin(1)]]
    return labels


def face_experts() -> np.ndarray:
    """(6, NUM_AUS) each expert's AUs on the face at gate 1: EXPERT_AUS times EXPERT_STRENGTH."""
    return expert_matrix() * _STRENGTH[:, None]


def ceiling(g: np.ndarray) -> np.ndarray:
    """(NUM_AUS,) highest mixed intensity per AU: 1, or the strongest gate times its
    expert's strength (EXPERT_STRENGTH, master intensity) up to EXAGGERATION["max_au"];
    gap-fraction AUs stay at 1."""
    g = np.asarray(g, np.float32)
    top = float(clip(np.max(g * _STRENGTH) if len(g) else 0.0, 1.0, EXAGGERATION["max_au"]))
    c = np.full(NUM_AUS, top, np.float32)
    c[_GAP_IDX] = 1.0
    return c


def au_gain(expert_aus: np.ndarray, g: np.ndarray, muted: list[int],
            extra: np.ndarray | None = None) -> np.ndarray:
    """Per-AU gain so the mixed intensity of every AU stays <= 1 (FACS ceiling), or up to the
    strongest gate when the master intensity exaggerates (EXAGGERATION); muted -> 0; the
    yields (MIX_YIELDS, GATE_YIELDS); `extra` (NUM_AUS,) multiplies in (e.g. mouth AUs yielding
    to speech). `expert_aus`: face_experts()."""
    g = np.asarray(g, np.float32)
    mixed = g @ expert_aus
    top_au = ceiling(g)
    gain = np.where(mixed > top_au, top_au / np.maximum(mixed, 1e-9), 1.0).astype(np.float32)
    for au in muted:
        gain[AU_INDEX[au]] = 0.0
    for au, rival in _YIELDS:  # MIX_YIELDS (a muted rival takes nothing away)
        gain[au] *= max(1.0 - float(mixed[rival] * gain[rival]), 0.0)
    top = float(g.max()) if len(g) else 0.0
    for au, expert, k, src in _GATE_YIELDS if top > 0 else ():  # GATE_YIELDS: by gate share
        made = float(mixed[au])
        if made > 0:  # the yielding experts' part of the AU scaled, the others' kept
            part = float(g[src] @ expert_aus[src, au]) / made
            gain[au] *= 1.0 - part * min(k * float(g[expert]) / top, 1.0)
    jaw = float(_JAW_DROP @ (mixed * gain)[_JAW_IDX])
    if jaw > EXAGGERATION["max_jaw_drop"]:  # AU26 and AU27 shrink together
        gain[_JAW_IDX] *= EXAGGERATION["max_jaw_drop"] / jaw
    return gain if extra is None else gain * extra


def face_aus(g: np.ndarray, au_overrides: dict[int, float] | None = None) -> dict[int, float]:
    """AU number -> the intensity the rig gives a face for global gates g once the mix has
    eased in, silent, before the portrait's rest expression: the experts' strengths, the
    ceiling and the yields, AU toggles applied (0 mutes, > 0 forces). What a silent take's AU
    curves show (`main.py mix` prints it)."""
    overrides = au_overrides or {}
    experts = face_experts()
    g = np.asarray(g, np.float32)
    gain = au_gain(experts, g, [au for au, v in overrides.items() if v == 0])
    vec = np.minimum(clip(g @ experts * gain, 0.0, ceiling(g)), 1.0)
    for au, v in overrides.items():
        if v > 0:
            vec[AU_INDEX[au]] = v
    return {au: round(float(v), 4) for au, v in zip(AU_NUMBERS, vec) if v > 1e-4}


class RigMoE:
    """Wraps core.moe.EmotionMoE with the rig's tokens for one portrait."""

    def __init__(self, basis: AUBasis, frame_points: np.ndarray):
        self.basis = basis
        self.n_keys = len(basis.keys)
        self.n_tokens = basis.matrix.shape[1] // 2
        self.token_region = region_of_tokens(frame_points)
        self._expert_aus = face_experts()  # the face's, at gate 1
        self._key_au = np.array([AU_INDEX[au] for au, _ in basis.keys])
        # each AU's home: the region its field (both sides) moves most, on average over the
        # region's landmarks; a region's local gate closes the AUs at home there (mixed_aus);
        # -1: not in the basis
        moved = np.sqrt((basis.matrix.reshape(self.n_keys, -1, 2) ** 2).sum(-1))  # (K, N)
        by_region = np.stack([moved[:, self.token_region == r].mean(1)
                              for r in range(len(REGIONS))], 1)  # (K, R)
        self.au_home = np.full(NUM_AUS, -1)
        for j in np.unique(self._key_au):
            self.au_home[j] = int(by_region[self._key_au == j].sum(0).argmax())
        self._net = None  # (EmotionMoE, tokens), see _module()
        self._build_lock = threading.Lock()

    def _module(self):
        """The torch side, built once on first use: (EmotionMoE, tokens (1, n, 2 + 2K))."""
        with self._build_lock:
            if self._net is None:
                import torch

                from core.moe import EmotionMoE
                from core.rig.moe_experts import AUExpert

                k = self.n_keys
                experts = [AUExpert(row, k, self._key_au) for row in self._expert_aus]
                moe = EmotionMoE(2 + 2 * k, experts, local_gate_bias=LOCAL_GATE_OPEN_BIAS).eval()
                tok = self.basis.matrix.reshape(k, -1, 2).transpose(1, 0, 2).reshape(-1, 2 * k)
                tokens = torch.cat([torch.zeros(tok.shape[0], 2), torch.as_tensor(tok)], 1)[None]
                self._net = (moe, tokens)
            return self._net

    def au_gain(self, g: np.ndarray, muted: list[int], extra: np.ndarray | None = None) -> np.ndarray:
        """Per-AU gain for global gates g (module-level au_gain on this rig's experts)."""
        return au_gain(self._expert_aus, g, muted, extra)

    def displacement(self, g: np.ndarray, s: np.ndarray | None, gain: np.ndarray) -> np.ndarray:
        """Emotion landmark motion (478, 2) in IPD for global gates g (6,), local gates per
        region s (R, 6) (NaN: the module's own; None: no region set) and AU gains: the module's
        output in closed form (see the module docstring)."""
        g = np.asarray(g, np.float32)
        on = np.flatnonzero(g)
        if not len(on):
            return np.zeros((self.n_tokens, 2), np.float32)
        # E_i's weight per (AU, side) key, then its field over the tokens (einsum, not BLAS: a
        # threaded BLAS spins on the encoder's core)
        w = (self._expert_aus[on] * np.asarray(gain, np.float32))[:, self._key_au]
        fields = np.einsum("ek,kn->en", w, self.basis.matrix).reshape(len(on), -1, 2)
        gate = np.full((self.n_tokens, len(on)), _OPEN_GATE, np.float32)
        if s is not None:
            s_tok = np.asarray(s, np.float32)[self.token_region][:, on]
            gate = np.where(np.isnan(s_tok), gate, s_tok)
        return np.einsum("e,ne,enc->nc", g[on], gate, fields)

    def module_displacement(self, g: np.ndarray, s: np.ndarray | None,
                            gain: np.ndarray) -> np.ndarray:
        """The same through core.moe.EmotionMoE itself (torch), the definition."""
        if not np.any(g):
            return np.zeros((self.n_tokens, 2), np.float32)
        import torch
        moe, tokens = self._module()
        s_tok = None if s is None else torch.as_tensor(s[self.token_region])[None]
        with torch.no_grad():
            out = moe(tokens, g_override=torch.as_tensor(g, dtype=torch.float32)[None],
                      s_override=s_tok, au_gain=torch.as_tensor(gain))
        return out.hidden[0, :, :2].numpy()

    def mixed_aus(self, g: np.ndarray, gain: np.ndarray, s: np.ndarray | None = None
                  ) -> np.ndarray:
        """(NUM_AUS,) intensities the mix itself produces (after the ceiling and mutes); with
        local gates `s` (R, 6; NaN: open), each AU as its home region shows it (a sad mix
        gated off the mouth presses no lips and shades no press there)."""
        if s is None:
            mixed = g @ self._expert_aus
        else:
            open_ = np.vstack([np.nan_to_num(np.asarray(s, np.float32), nan=1.0),
                               np.ones((1, len(g)), np.float32)])  # row -1: no home
            mixed = np.einsum("i,ji,ij->j", np.asarray(g, np.float32), open_[self.au_home],
                              self._expert_aus)
        return clip(mixed * gain, 0.0, ceiling(g))
