"""A made-up eyeball for an eye the portrait shows (nearly) shut: a laugh's squint or a downcast
look. Opening such an eye (its rest AU43 taken away, core/rig/rest.py, or surprise's AU5) finds
no eyeball to paint back: the slit holds lashes and a sliver of iris, and the warp stretched
them into dark arcs (by eye on three of twelve portraits). So the eye renderer paints this one
in, fading over the slit as the lids open past it (core/rig/eyes.py).

Its colours come from the portrait: the sclera is the skin's colour lightened and mostly
desaturated (a grey portrait gets a grey eye), the iris the darker half of what the slit shows
of it (or the skin darkened, where it shows nothing), the pupil darker still. A sphere's light:
the upper lid's shadow on the upper part, darker toward the corners, a dark limbal ring, and a
small catchlight.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.rig.blend import LUMA
from core.rig.tuning import REST_LIDS
from core.rig.au_points import curve_at
from core.rig.ufuncs import clip, smoothstep

EYEBALL = {
    # the slit's opening under which an eye gets a made-up eyeball (IPD): the rest fit's
    "below": REST_LIDS["shut_below"],
    # it starts to show once the lids stand `start` x the rest opening apart and `start_min`
    # IPD more, and shows fully `span` IPD after that (eased): half shown, a made-up eye in a
    # slit barely opened (sad on a downcast look) was a grey band over the lashes (by eye)
    "start": 1.2,
    "start_min": 0.01,
    "span": 0.015,
    # the lash line: the made-up eye darkens this much at the upper lid's edge, fading over
    # `lash_reach` IPD into the opening (the lower lid's edge half as much)
    "lash": 0.6,
    "lash_reach": 0.016,
    # sclera: the skin's luminance times `sclera_light`, keeping `sclera_chroma` of its colour
    # (a photo's sclera sits near the lit skin's level, far less saturated: by eye on the
    # twelve portraits' open eyes)
    "sclera_light": 1.12,
    "sclera_chroma": 0.4,
    # iris radius (IPD): Face Mesh's estimate, kept within a human iris' range (11.7 mm
    # against a 63 mm IPD is 0.093)
    "iris_radius": (0.08, 0.105),
    # where the iris sits: Face Mesh puts a shut eye's iris on the slit, and opened it looked
    # down from under the upper lid (by eye). It is drawn a little above the line between the
    # eye's corners (this many radii), then each frame rests on the lower lid where it
    # stands, its centre this many radii above it (a relaxed lower lid covers the iris' rim):
    # from a fixed place it hid under the upper lid of the less open eye in a talking take,
    # and centred between the lids it slid down with every blink (by eye)
    "iris_above_corners": 0.15,
    "iris_on_lower_lid": 0.85,
    "iris_span": (0.3, 0.7),  # its centre's place between the eye's corners, at most
    "iris_dark": 0.45,  # the iris' luminance at most this share of the skin's
    "pupil": 0.42,  # pupil radius / iris radius
    "pupil_dark": 0.25,  # pupil colour / iris colour
    "limbus": 0.55,  # the iris' rim at this share of its colour
    # the upper lid's shadow on the eyeball: this much at its edge, fading over `reach` IPD
    # (drawn where the lid stands: fixed in the eyeball it parted the sclera in two bands as
    # the lid moved, by eye)
    "lid_shadow": 0.25,
    "lid_shadow_reach": 0.03,
    "corner_shadow": 0.2,  # darkening at the eye corners (the ball turns away)
    "catchlight": 0.14,  # radius / iris radius, up and to the image's left of the pupil
    # softened like the portrait round the eye: the largest of `soften` (px) whose blur
    # keeps `keep` of the patch's mean gradient (a sharp painted eye stood out of a blurred,
    # upscaled face like a sticker, by eye)
    "soften": (0.5, 0.8, 1.2, 1.7, 2.4, 3.4, 4.8),
    # visible_blur's least (px): a sharp photo at 512 px measures 0.5-0.8 (its resampling), one
    # rotated or scaled a little more 1.2, and what is painted into them stays as crisp as it is
    # drawn; degraded and low-resolution faces measure 1.7-4.8 (4.8: a face ~110 px across,
    # upscaled: at 3.4 its mouth and made-up eyes stayed crisper than the face, by eye)
    "soft_from": 1.5,
    "keep": 0.8,
}


@dataclass
class MadeUpEyeball:
    rest_open: float  # IPD, the slit's opening at rest
    centre: tuple[float, float]  # the iris' centre in the box (px)
    radius: float  # the iris' radius (px)
    ball: np.ndarray  # (bh, bw, 3) float32 sclera, in the eye's box at rest
    iris: np.ndarray  # (bh, bw, 3) float32 iris, pupil and catchlight
    iris_alpha: np.ndarray  # (bh, bw) float32

    def weight(self, opening: float) -> float:
        """How much of the made-up eye shows at this lid opening (IPD): 0 at the rest slit."""
        start = max(self.rest_open * EYEBALL["start"], self.rest_open + EYEBALL["start_min"])
        return smoothstep((opening - start) / EYEBALL["span"])


def _luma(c: np.ndarray) -> float:
    return float(c @ LUMA)


def made_up_eyeball(patch: np.ndarray, origin: tuple[int, int], centre: np.ndarray,
                    radius: float, corners: np.ndarray, slit: np.ndarray, skin: np.ndarray,
                    ipd: float, rest_open: float, iris: np.ndarray | None = None,
                    blur: float = 0.0) -> MadeUpEyeball:
    """patch: (bh, bw, 3) the rest image in the eye's box at `origin` (x0, y0); centre (2,) and
    radius (px) of Face Mesh's iris; corners: (2, 2) the eye's corners (px); slit: (bh, bw)
    bool, the rest opening; skin: (3,) the portrait's skin colour (RGB); rest_open: IPD;
    `iris` (3,): the iris colour where it is known (the other eye's, open), else read from the
    slit; `blur`: the whole face's blur (px, core/rig/face_blur.py), the least it is softened."""
    bh, bw = patch.shape[:2]
    yy, xx = np.mgrid[0:bh, 0:bw].astype(np.float32)
    lo, hi = EYEBALL["iris_radius"]
    r = float(np.clip(radius, lo * ipd, hi * ipd))
    (ax, ay), (bx, by) = np.asarray(corners, np.float64)
    # across the eye: Face Mesh's estimate, kept off the corners (a shut eye's iris is a guess)
    t = (float(centre[0]) - ax) / (bx - ax) if abs(bx - ax) > 1e-6 else 0.5
    t = min(max(t, EYEBALL["iris_span"][0]), EYEBALL["iris_span"][1])
    cx = float(ax + (bx - ax) * t - origin[0])
    cy = float(ay + (by - ay) * t - origin[1]) - EYEBALL["iris_above_corners"] * r
    skin = np.asarray(skin, np.float32)
    ls = _luma(skin)
    sclera = ls * EYEBALL["sclera_light"] + EYEBALL["sclera_chroma"] * (skin - ls)
    dist = np.hypot(xx - cx, yy - cy)
    if iris is not None:
        iris = np.asarray(iris, np.float32)
    else:
        # the iris: the darker half of the slit's pixels over the iris disc
        seen = patch[slit & (dist < r)].astype(np.float32)
        if len(seen) >= 4:
            lum = seen @ LUMA
            iris = np.median(seen[lum <= np.median(lum)], axis=0)
        else:
            iris = skin * EYEBALL["iris_dark"]
        li = _luma(iris)
        if li > EYEBALL["iris_dark"] * ls:
            iris = iris * np.float32(EYEBALL["iris_dark"] * ls / max(li, 1e-6))
    # light: the ball turning away toward the corners (the lids' shadow goes on where they
    # stand, lash_shade)
    side = clip(np.abs(xx - cx) / np.float32(0.3 * ipd), 0, 1)
    light = 1 - EYEBALL["corner_shadow"] * side * side
    ball = cv2.merge([light * c for c in np.asarray(sclera, np.float32)])
    # the iris: its colour, a darker rim, the pupil, a catchlight
    t = dist / r
    shade = np.where(t > 0.8, 1 - (1 - EYEBALL["limbus"]) * clip((t - 0.8) / 0.2, 0, 1), 1.0)
    pupil = clip((EYEBALL["pupil"] * r + 0.5 - dist), 0, 1)
    shade = shade * (1 - (1 - EYEBALL["pupil_dark"]) * pupil)
    iris_tex = cv2.merge([(shade * c).astype(np.float32) for c in iris])
    cr = EYEBALL["catchlight"] * r
    glint = clip(cr + 0.5 - np.hypot(xx - (cx - 0.35 * r), yy - (cy - 0.35 * r)), 0, 1)
    bright = np.float32(min(ls * 1.25, 255.0))
    iris_tex += cv2.merge([glint * (bright - iris_tex[..., k]) for k in range(3)])
    alpha = clip(r + 0.5 - dist, 0, 1).astype(np.float32)
    s = max(softness(patch), blur)
    if s > 0:
        ball, iris_tex, alpha = (cv2.GaussianBlur(a.astype(np.float32), (0, 0), s)
                                 for a in (ball, iris_tex, alpha))
    return MadeUpEyeball(rest_open, (cx, cy), r, ball.astype(np.float32),
                         iris_tex.astype(np.float32), alpha)


def visible_blur(patch: np.ndarray) -> float:
    """`softness` where the portrait is clearly soft (EYEBALL["soft_from"] px or more), else
    0: what the made-up mouth and the shading's folds take on (a blurred face with sharp teeth
    or forehead lines read pasted in)."""
    s = softness(patch)
    return s if s >= EYEBALL["soft_from"] else 0.0


def _gradient(gray: np.ndarray) -> float:
    return float(np.mean(np.abs(cv2.Sobel(gray, cv2.CV_32F, 1, 0)))
                 + np.mean(np.abs(cv2.Sobel(gray, cv2.CV_32F, 0, 1))))


def softness(patch: np.ndarray) -> float:
    """Blur (px, Gaussian sigma) the portrait already shows in `patch`: the largest trial blur
    that leaves most of its gradient (a sharp patch loses it at once), 0 for a sharp one."""
    gray = cv2.cvtColor(np.ascontiguousarray(patch[..., :3]), cv2.COLOR_RGB2GRAY)
    gray = gray.astype(np.float32)
    g0 = _gradient(gray)
    best = 0.0
    for s in EYEBALL["soften"]:
        if _gradient(cv2.GaussianBlur(gray, (0, 0), s)) < EYEBALL["keep"] * g0:
            break
        best = s
    return best


def iris_drop(lower: np.ndarray, x: float, y: float, radius: float) -> float:
    """How far (px) to move a made-up iris of `radius` px centred at (x, y) down to rest on
    the lower lid: `lower` (n, 2) its points where they stand."""
    yl = curve_at(lower, x)
    return float(yl - EYEBALL["iris_on_lower_lid"] * radius - y)


def lash_shade(lids: np.ndarray, mid_y: float, ipd: float,
               inside: np.ndarray | None = None) -> np.ndarray:
    """(h, w) float32 light factor for a made-up eye inside the lid mask `lids` (h, w): dark
    at the lid's edge (the lash line and the lid's shadow), the upper lid's edge the most;
    mid_y: the opening's middle row in the mask's coordinates; inside: the distance
    transform of lids > 0.5, where the caller has it (read only)."""
    if inside is None:
        inside = cv2.distanceTransform(cv2.compare(lids, 0.5, cv2.CMP_GT), cv2.DIST_L2, 3)
    # the plain expressions' values, in place on two fresh arrays: edge, then the lash
    # factor, in `lash`; broad, then the shadow's factor, in `shadow`
    shadow = np.negative(inside)
    lash = shadow / np.float32(EYEBALL["lash_reach"] * ipd)
    np.exp(lash, out=lash)
    shadow /= np.float32(EYEBALL["lid_shadow_reach"] * ipd)
    np.exp(shadow, out=shadow)
    rows = np.arange(lids.shape[0], dtype=np.float32)[:, None]
    upper = clip(0.5 + (mid_y - rows) / np.float32(0.02 * ipd), 0.0, 1.0)  # 1 above the middle
    lash *= EYEBALL["lash"]
    lash *= 0.5 + 0.5 * upper
    np.subtract(1.0, lash, out=lash)
    shadow *= EYEBALL["lid_shadow"]
    shadow *= upper
    np.subtract(1.0, shadow, out=shadow)
    lash *= shadow
    return lash
