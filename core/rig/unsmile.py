"""A rest smile taken away leaves its creases behind: the folds that curl up and out from the
mouth corners are in the portrait's texture, and moving the corners down (core/rig/rest.py)
leaves them curling up beside a closed mouth, which reads as a closed-lip smile. Around the rest
and the moved corners, outside the lips, what is darker than its blurred surroundings is lifted
toward them (UNSMILE in core/rig/tuning.py). Only lifts: a grayscale portrait stays grayscale,
and nothing changes without a rest smile taken away.

The smile's cheeks stay in the texture too: the raised apples and the deep nasolabial folds
between the nose wings and the corners, which a FER2013 CNN read as "happy" under the smiling
photo's anger (0.85) and sadness (0.62) until they were smoothed away (0.21, 0.06). So over each
cheek, between the nose wing, the cheek and the corner, the shading at the folds' scale (a
band of the image between two blurs, IRON in core/rig/tuning.py) is taken out by the same share:
the folds flatten, the skin's own fine texture (pores, freckles) stays.

A laugh's eyes stay in the texture the same way: its cheek raise (AU6) taken away, the crow's
feet and the furrows under the lower lids still laughed over a sad or angry face (a laughing
painting set to surprise read "happy" to a FER2013 CNN). Over each eye's laugh-line zone, off
the lid openings and the brows, the same band is taken out by the share of the rest AU6 taken
(EYE_IRON); not on a face with glasses, whose rims cross the zones and would fade with it.
Both irons touch only skin, measured against the skin around it: hair or a beard over a zone
stays, and neither they nor the lashes grey the skin beside them.

All of it is done to the portrait at rest (`source`), which the warp then moves: the creases are
in the texture and move with it."""
from __future__ import annotations

import cv2
import numpy as np

from core.face.regions import eye_polygon, mirror_map, region
from core.rig.blend import spread
from core.rig.roi import poly_box
from core.rig.tuning import EYE_IRON, IRON, UNSMILE
from core.rig.ufuncs import clip

CORNERS = [61, 291]
DOWN = 4  # the blur and the reach are made at 1/DOWN of the size
_OUTER_LIPS = np.concatenate([region("lips_upper_outer"), region("lips_lower_outer")[::-1]])
# each cheek's fold zone, subject's right then left: nose wing, upper cheek, cheek, jaw side,
# mouth corner, nostril edge (Face Mesh points; the left side by mirror symmetry)
_CHEEKS = (np.array([129, 205, 187, 192, 61, 98]), np.array([358, 425, 411, 416, 291, 327]))
# each eye's laugh-line zone, subject's right then left: a crescent from under the brow's tail
# out to the temple (crow's feet), down the cheek's top and in under the lower lid to the inner
# corner (the lower lid's furrows and bulge), then back along the lid's skin ring round the outer
# corner (Face Mesh points: core/face/regions.py's eye halos; the left side by mirror symmetry)
_EYE_ZONE_R = np.array([225, 124, 156, 139, 143, 116, 117, 118, 119, 120, 121, 128, 245,
                        243, 112, 26, 22, 23, 24, 110, 25, 130, 247, 30])
_EYE_ZONES = (_EYE_ZONE_R, mirror_map()[_EYE_ZONE_R])
# kept sharp: each lid opening and brow (its lower edge, then its upper edge back)
_EYE_KEEP = tuple(eye_polygon(s) for s in "RL") + tuple(
    np.concatenate([region(f"{s}_brow_lower"), region(f"{s}_brow_upper")[::-1]]) for s in "RL")


class CreaseFlattener:
    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, ipd_px: float,
                 glasses: bool = False):
        """`glasses`: the portrait wears them (core/rig/glasses.py): their rims cross the
        eyes' laugh-line zones, and ironed they would fade, so the eyes are left alone."""
        self.glasses = glasses
        self.rest_corners = rest_xy[CORNERS, :2].astype(np.float32)
        self.ipd = float(ipd_px)
        self.texture = self._texture(image, rest_xy)
        # a drawing's or a painting's folds are strokes: lifted fully they turned into grey
        # smudges, so the lift fades as the texture grows from a photo's to a drawing's
        lo, hi = UNSMILE["texture_fade"]
        self.style_share = float(clip((hi - self.texture) / (hi - lo), 0.0, 1.0))
        self._parts: tuple | None = None  # source()'s changes at full share, made when asked
        self._last: tuple | None = None  # source()'s last shares and image

    def _lift_inputs(self, crop: np.ndarray, x0: int, y0: int, centres: np.ndarray,
                     lip_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(blurred surroundings (h, w, 3), reach without the lips (h, w)) at full size."""
        hh, ww = crop.shape[:2]
        r = UNSMILE["radius"] * self.ipd
        # the surroundings and the reach are smooth: made at 1/DOWN of the size (a full-size
        # blur cost 0.8 ms a frame at 512), the lift itself at full size (creases are 2-4 px)
        sw, sh = max(ww // DOWN, 2), max(hh // DOWN, 2)
        small = cv2.resize(crop, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
        blur = cv2.GaussianBlur(small, (0, 0), UNSMILE["sigma"] * self.ipd * sw / ww)
        xs = x0 + (np.arange(sw, dtype=np.float32) + 0.5) * ww / sw - 0.5
        ys = y0 + (np.arange(sh, dtype=np.float32) + 0.5) * hh / sh - 0.5
        # the highest of the centres' cones: the cone of the nearest (1 - d / r falls as d
        # grows, rounding and all, so it is the same value)
        dist = np.hypot(xs[None, None, :] - centres[:, 0, None, None],
                        ys[None, :, None] - centres[:, 1, None, None]).min(0)
        near = np.maximum(1.0 - dist / r, np.float32(0.0))
        # resized apart, not as one 4-channel image: the same values (resize treats channels
        # alike), in contiguous arrays that the arithmetic after runs ~2x faster on
        up = cv2.resize(blur, (ww, hh), interpolation=cv2.INTER_LINEAR)
        reach = cv2.resize(near, (ww, hh), interpolation=cv2.INTER_LINEAR)
        clip(reach, 0.0, 1.0, out=reach)
        # the lips' feathered mask, in a window round them: beyond its kernel's reach (3 sigma)
        # the blurred mask is 0 and the reach keeps its values (x 1.0), and the window's edges
        # inside the crop hold only zeros, mirrored or not (the same values as the whole crop)
        lips = np.round(lip_xy - [x0, y0]).astype(np.int32)
        sigma = max(UNSMILE["lip_feather"] * self.ipd, 0.5)
        margin = int(np.ceil(4 * sigma)) + 2
        (lx0, ly0), (lx1, ly1) = lips.min(0).tolist(), lips.max(0).tolist()
        lx0, ly0 = max(lx0 - margin, 0), max(ly0 - margin, 0)
        lx1, ly1 = min(lx1 + margin + 1, ww), min(ly1 + margin + 1, hh)
        if lx1 > lx0 and ly1 > ly0:
            mask = np.zeros((ly1 - ly0, lx1 - lx0), np.uint8)
            cv2.fillPoly(mask, [lips - [lx0, ly0]], 255)
            mask = cv2.GaussianBlur(mask, (0, 0), sigma)
            reach[ly0:ly1, lx0:lx1] *= 1.0 - mask * np.float32(1 / 255)
        return up, reach

    def _texture(self, image: np.ndarray, rest_xy: np.ndarray) -> float:
        """How much darker than its surroundings the skin around the rest corners is at the
        `texture_share` quantile: pores and freckles on a photo (a few levels), the hatching of a
        drawing or the strokes of a painting (tens). Only darkness beyond it is a crease."""
        r = int(np.ceil(UNSMILE["radius"] * self.ipd))
        box = poly_box(self.rest_corners, image.shape, pad=r)
        if box is None:
            return 0.0
        x0, y0, x1, y1 = box
        crop = image[y0:y1, x0:x1, :3]
        blur, reach = self._lift_inputs(crop, x0, y0, self.rest_corners,
                                        rest_xy[_OUTER_LIPS, :2])
        dark = (blur - crop.astype(np.float32)).mean(2)[reach > 0.05]
        return float(np.quantile(np.maximum(dark, 0.0), UNSMILE["texture_share"])) \
            if dark.size else 0.0

    def source(self, image: np.ndarray, rest_xy: np.ndarray, smile_taken: float,
               cheek_taken: float) -> np.ndarray:
        """The portrait `image` (the one this flattener was made for; its rest landmarks
        `rest_xy`, px) with the creases of `smile_taken` and the laugh lines of `cheek_taken`
        flattened, for the warp to move: the creases are in the texture and move with it, so
        they are flattened at rest, not in every warped frame (1.5 ms a frame at 512 on a
        smiling photo). Both flattenings are linear in their share (`apply` lifts by it,
        `unsquint` takes its band by it): each is made once at full share, as a change over its
        box, and a frame adds them scaled by its shares (which follow speech: the mouth's
        yield); the last is kept for the next frame with the same shares. `image` itself when
        nothing is taken; never changed (nor is what it returns: the warp only reads it)."""
        ks, ke = self._smile_k(smile_taken), self._eye_k(cheek_taken)
        if not ks and not ke:
            return image
        last = self._last
        if last is not None and last[0] == (ks, ke):
            return last[1]
        parts = self._parts
        if parts is None:
            # one assignment: the GUI's threads share this portrait (two may both make it)
            parts = self._parts = (_change(image, self._unsquint_k(image.copy(), rest_xy, 1.0)),
                                   _change(image, self._lift(image.copy(), rest_xy, 1.0)))
        out = image.copy()
        for k, part in zip((ke, ks), parts):  # the laugh lines first, as in a frame before
            if k and part is not None:
                (x0, y0, x1, y1), change = part
                f = cv2.scaleAdd(change, k, out[y0:y1, x0:x1].astype(np.float32))
                f += 0.5
                out[y0:y1, x0:x1] = clip(f, 0, 255, out=f)
        self._last = ((ks, ke), out)  # a steady mix's next frame: the same source
        return out

    def _smile_k(self, smile_taken: float) -> float:
        k = min(smile_taken / UNSMILE["full_at"], 1.0) * self.style_share
        return k if k >= UNSMILE["min"] else 0.0

    def _eye_k(self, cheek_taken: float) -> float:
        k = min(cheek_taken / EYE_IRON["full_at"], 1.0) * self.style_share
        return k if k >= UNSMILE["min"] and not self.glasses else 0.0

    def apply(self, img: np.ndarray, xy: np.ndarray, smile_taken: float) -> np.ndarray:
        """Lift the creases in `img` (h, w, 3 uint8, in place) for a rest smile of which
        `smile_taken` (rest AU12 intensity x share removed) is gone; `xy` the frame's (478, 2)
        landmarks in px."""
        k = self._smile_k(smile_taken)
        return self._lift(img, xy, k) if k else img

    def _lift(self, img: np.ndarray, xy: np.ndarray, k: float) -> np.ndarray:
        """`apply` at share `k` (in place)."""
        r = UNSMILE["radius"] * self.ipd
        centres = np.concatenate((self.rest_corners, xy[CORNERS, :2])).astype(np.float32)
        box = poly_box(centres, img.shape, pad=int(np.ceil(r)))
        if box is None:
            return img
        x0, y0, x1, y1 = box
        crop = img[y0:y1, x0:x1]
        blur, reach = self._lift_inputs(crop, x0, y0, centres, xy[_OUTER_LIPS, :2])
        m = reach * np.float32(k)
        f = crop.astype(np.float32)
        # f += max(blur - f - texture, 0) * m, then rounded; in place (the same values)
        lift = np.subtract(blur, f, out=blur)
        lift -= np.float32(self.texture)
        cv2.max(lift, 0.0, dst=lift)  # numpy's maximum took ~1.6x as long (its NaN checks)
        lift *= spread(m)
        f += lift
        f += 0.5
        # truncated to uint8, as astype does; no clip needed: f lies in [0.5, 256), as the lift
        # (0 <= m <= 1) takes f at most to the blurred surroundings, which stay in 0..255
        img[y0:y1, x0:x1] = f
        return self._iron(img, xy, k)

    def unsquint(self, img: np.ndarray, xy: np.ndarray, cheek_taken: float) -> np.ndarray:
        """A laugh's cheek raise (AU6) taken away leaves its crow's feet and the furrows under
        the lower lids in the texture, and the eyes still laugh over a sad or angry face: for a
        rest cheek raise of which `cheek_taken` (rest AU6 x share removed) is gone, the shading
        at their scale is taken out of each eye's zone (`img` in place; `xy` as `apply`'s)."""
        k = self._eye_k(cheek_taken)
        return self._unsquint_k(img, xy, k) if k else img

    def _unsquint_k(self, img: np.ndarray, xy: np.ndarray, k: float) -> np.ndarray:
        """`unsquint` at share `k` (in place)."""
        zones = [xy[z, :2] for z in _EYE_ZONES]
        keep = [xy[c, :2] for c in _EYE_KEEP]
        return iron(img, zones, keep, k * EYE_IRON["share"], self.ipd, EYE_IRON)

    def _iron(self, img: np.ndarray, xy: np.ndarray, k: float) -> np.ndarray:
        """Take `k` x IRON["share"] of the fold-scale shading out of both cheeks (in place)."""
        return iron(img, [xy[c, :2] for c in _CHEEKS], [xy[_OUTER_LIPS, :2]],
                    k * IRON["share"], self.ipd, IRON)


def _change(before: np.ndarray, after: np.ndarray) -> tuple | None:
    """((x0, y0, x1, y1), after - before there (float32)) over the box where they differ, or
    None where they don't."""
    x, y, w, h = cv2.boundingRect(np.any(after != before, axis=2).view(np.uint8))
    if not w:
        return None
    box = np.s_[y:y + h, x:x + w]
    return (x, y, x + w, y + h), after[box].astype(np.float32) - before[box]


def iron(img: np.ndarray, zones: list[np.ndarray], keep: list[np.ndarray], k: float,
         ipd: float, sizes: dict) -> np.ndarray:
    """Take `k` of the shading between a `fine` and a `coarse` blur (`sizes`, IPD) out of
    `img` (in place) over the `zones` (polygons, px), feathered by `feather`, and kept
    `keep_margin` off the `keep` polygons (their own edges stay sharp) and off what is not skin
    (`skin_dist`: hair, a beard); the coarse level is the skin's own."""
    pad = int(np.ceil(3 * sizes["feather"] * ipd)) + 2
    # every polygon as one array: the box from the zones', then all moved into the small box at
    # once (~6x faster than apart)
    pts = np.concatenate(zones + keep)
    ends = np.cumsum([len(c) for c in zones + keep])
    box = poly_box(pts[:ends[len(zones) - 1]], img.shape, pad=pad)
    if box is None:
        return img
    x0, y0, x1, y1 = box
    crop = img[y0:y1, x0:x1]
    hh, ww = crop.shape[:2]
    # the masks and the coarse blur are smooth: made at 1/DOWN of the size
    sw, sh = max(ww // DOWN, 2), max(hh // DOWN, 2)
    to_small = np.float32([sw / ww, sh / hh])
    q = np.split(np.round((pts - [x0, y0]) * to_small * 16).astype(np.int32), ends[:-1])
    zone = np.zeros((sh, sw), np.uint8)
    for c in q[:len(zones)]:  # apart: as one call, their edges would be filled as one
        cv2.fillPoly(zone, [c], 255, lineType=cv2.LINE_AA, shift=4)
    kept = np.zeros((sh, sw), np.uint8)
    for c in q[len(zones):]:
        cv2.fillPoly(kept, [c], 255, lineType=cv2.LINE_AA, shift=4)
    s = sw / ww
    f = crop.astype(np.float32)
    # the band itself at half size: its finer edge (0.025 IPD, ~2 px at 512) survives that
    hw, hh2 = max(ww // 2, 2), max(hh // 2, 2)
    half = cv2.resize(f, (hw, hh2), interpolation=cv2.INTER_AREA)
    fine = cv2.GaussianBlur(half, (0, 0), max(sizes["fine"] * ipd * hw / ww, 0.3))
    small = cv2.resize(half, (sw, sh), interpolation=cv2.INTER_AREA)
    # only the skin: not the kept shapes (lashes, brows, lips), nor hair or a beard over the
    # zone, whose dark would pull the coarse level down beside them (taking the band out then
    # greys the skin there) and whose own strands would be smeared
    skin = _skin_like(small, zone, kept, sizes["skin_dist"])
    sigma = sizes["coarse"] * ipd * s
    level = cv2.GaussianBlur(small * skin[..., None], (0, 0), sigma)
    level /= np.maximum(cv2.GaussianBlur(skin, (0, 0), sigma), 1e-3)[..., None]
    coarse = cv2.resize(level, (hw, hh2), interpolation=cv2.INTER_LINEAR)
    kept = cv2.GaussianBlur(kept, (0, 0), max(sizes["keep_margin"] * ipd * s, 0.5))
    m = cv2.GaussianBlur(zone, (0, 0), max(sizes["feather"] * ipd * s, 0.5))
    # off the kept shapes, with a margin (the blurred mask's half-level line is their outline)
    # and off what is not skin
    m = m.astype(np.float32) * clip(1.0 - kept.astype(np.float32) / 64.0, 0.0, 1.0)
    m = cv2.resize(m * skin, (ww, hh), interpolation=cv2.INTER_LINEAR)
    band = cv2.resize(np.subtract(fine, coarse, out=fine), (ww, hh),
                      interpolation=cv2.INTER_LINEAR)
    band *= spread(m * np.float32(k / 255))
    f -= band
    f += 0.5
    img[y0:y1, x0:x1] = clip(f, 0, 255, out=f)
    return img


def _skin_like(small: np.ndarray, zone: np.ndarray, kept: np.ndarray,
               dist: tuple[float, float]) -> np.ndarray:
    """(h, w) float32 in [0, 1]: how like the zone's own skin each pixel of `small` (RGB, at
    1/DOWN: fine lines are averaged into their skin there) is, 0 on the kept shapes. The skin:
    the median level (luma) of the zone off the kept shapes; a pixel's level's
    distance from it, over it (+20, so that dark skin is not cut finer), from `dist[0]` (alike)
    to `dist[1]` (not skin). Level, not colour: a painted face's reddened lids are skin."""
    off = np.float32(1.0) - kept.astype(np.float32) / 255.0
    inside = (zone > 127) & (kept < 128)
    if not inside.any():
        return off
    level = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    v = level[inside]
    ref = float(np.partition(v, len(v) // 2)[len(v) // 2])  # the median, 6x faster
    d = np.abs(level - np.float32(ref)) / np.float32(ref + 20.0)
    near, far = dist
    like = clip((far - d) / np.float32(far - near), 0.0, 1.0)
    # a pixel away from the edge of what is not skin: the edge's pixels mix the two
    return off * cv2.erode(like, np.ones((3, 3), np.uint8))
