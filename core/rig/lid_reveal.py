"""A raised brow uncovers the skin of the upper lid.

The warp can only stretch what the portrait shows. Under a low, heavy brow (a squint, a frown,
deep-set eyes) the strip between the brow's lower edge and the fold above the lid is a few pixels
of the brow's soft edge and the socket's shadow; raised by AU1/AU2 (surprise, fear, sadness) the
strip grows two or three times taller, and stretched it became a brown band that read as
smeared eye shadow (by eye, on low-resolution photos of men with heavy brows). A real brow lifted
off the socket shows lit lid skin there. So where the strip is stretched, it is drawn toward the
portrait's own skin colour (its median over that side's cheek and forehead, blonde hair left
out: a grayscale portrait stays grey, a painting keeps its palette, a shadowed side stays in
shadow) by a share that grows with the stretch (REVEAL in core/rig/tuning.py); only what is
darker than that skin is lifted, so light lid skin is left as it is. The fade runs on past the
fold ring to the ring above the lid: on deep-set eyes the stretched shadow reaches below the
fold ring too. The lifted strip carries the fine grain of the cheek under the eye: one flat
colour, it read as a box under the brow. Behind
eyeglass frames (pinned in the warp, core/rig/rims.py) the strip ends at the top rim: the fold
lies behind the lens, and the rim, the lens and the frame's end piece are never painted.

A thick, dark brow reaches below Face Mesh's lower brow points, and raised, its lower hairs
stretched into streaks down to the lid. Such a brow's hair is laid back whole over the lifted
strip (core/rig/brow_hair.py), and under it the strip is painted wider (out to the temple and in
to the nose's root, where the brow's tail and head streaked) and more fully. Over glasses, a
light brow rises as a block, and the strip is the gap it leaves over the rim.
"""
from __future__ import annotations

import cv2
import numpy as np

from core.face.regions import mirror_map, region, skin_colour
from core.rig.brow_hair import BrowHair
from core.rig.roi import poly_box
from core.rig.tuning import REVEAL, SKIN

# per side, lateral to medial: the brow's lower edge, and the ring just above the lid's fold
_BROW = (region("R_brow_lower"), region("L_brow_lower"))
_FOLD = (region("R_eye_halo3_upper"), region("L_eye_halo3_upper"))


# per side, the ring just above the lid, where the lift's fade ends (past the fold ring: on
# deep-set eyes the stretched shadow reaches below it); as many points as the fold ring
_LOW = (region("R_eye_halo2_upper"), region("L_eye_halo2_upper"))
# per side, where the lifted strip's grain is cut from (_cheek_grain): the cheek under the eye
_CHEEK = (region("R_eye_halo5_lower"), region("L_eye_halo5_lower"))
assert all(len(lo) == len(f) for lo, f in zip(_LOW, _FOLD))  # _RESAMPLE serves both

# per side, the strip's outline: the brow's lower edge, then the fold ring back
_OUTLINE = tuple(np.concatenate([b, f[::-1]]) for b, f in zip(_BROW, _FOLD))
_BOTH = np.concatenate(_OUTLINE)  # both outlines, for one gather a frame
_SPLIT = len(_OUTLINE[0])


def _strip(xy: np.ndarray, side: int) -> np.ndarray:
    """The strip's polygon (px): the brow's lower edge, then the fold ring back."""
    return xy[_OUTLINE[side], :2].astype(np.float32)


def painted(xy: np.ndarray, side: int) -> np.ndarray:
    """The polygon (px) the lift paints in: the brow's lower edge, then the ring above the lid
    back (the strip's fade runs on past the fold ring to it)."""
    return xy[np.concatenate([_BROW[side], _LOW[side][::-1]]), :2].astype(np.float32)


def _height(poly: np.ndarray, side: int) -> float:
    """The strip's mean height: its area over the fold ring's length."""
    fold = poly[len(_BROW[side]):]
    step = fold[1:] - fold[:-1]
    length = float(np.hypot(step[:, 0], step[:, 1]).sum())
    return abs(float(cv2.contourArea(poly))) / max(length, 1e-6)


def _brow_at_fold(side: int, m: int | None = None) -> np.ndarray:
    """(fold points, brow points): the brow's edge resampled at the fold ring's points (or at
    `m` points), evenly along each (linear interpolation by index), as a matrix."""
    n, m = len(_BROW[side]), len(_FOLD[side]) if m is None else m
    u = np.linspace(0.0, 1.0, n)
    w = np.zeros((m, n), np.float32)
    for i, t in enumerate(np.linspace(0.0, 1.0, m)):
        k = min(int(np.searchsorted(u, t, side="right")) - 1, n - 2)
        f = (t - u[k]) / (u[k + 1] - u[k])
        w[i, k], w[i, k + 1] = 1.0 - f, f
    return w


_RESAMPLE = (_brow_at_fold(0), _brow_at_fold(1))
# the strip fading from full at the brow to nothing at the ring above the lid (_LOW): nested
# polygons from the brow's edge down to 1, (steps-1)/steps ... 1/steps of the way there, the
# largest first, each drawn over the last one level higher
_STEPS = int(REVEAL["steps"])
_REACH = (np.arange(_STEPS, 0, -1, dtype=np.float32) / _STEPS)[:, None, None]  # (steps, 1, 1)
_LEVEL = np.arange(1, _STEPS + 1, dtype=np.float32) / _STEPS
_HAIR_LEVEL = np.float32(REVEAL["hair_levels"])  # under a brow whose hair is laid back whole
_RIM_LEVEL = np.float32(REVEAL["rim_levels"])  # above an eyeglass frame's top rim
assert len(_HAIR_LEVEL) == len(_RIM_LEVEL) == _STEPS
# per side, lateral to medial: the top of the strip under a brow laid back whole, the hair's
# lower edge out to the temple beside the eye's outer corner (156) and in to the nose's root
# (55, 193); as many points as the low ring, which it pairs point by point
_WIDE_R = np.array([156, 46, 53, 52, 65, 55, 193])
_WIDE = (_WIDE_R, mirror_map()[_WIDE_R])
assert all(len(w) == len(lo) for w, lo in zip(_WIDE, _LOW))


def _cheek_grain(image: np.ndarray, rest_xy: np.ndarray, side: int, ipd: float
                 ) -> np.ndarray | None:
    """The fine grain (luma less its blur at `grain_blur` IPD, clipped to `grain_levels`) of
    the cheek under side `side`'s eye at rest, (h, w) float32, its middle the strip's middle
    moved straight down `grain_drop` IPD under the ring 5 below the eye: a patch as wide as the
    strip painted out to the temple and in to the nose's root, `grain_height` IPD tall. None
    where that cheek is not in the picture."""
    strip = rest_xy[np.concatenate([_WIDE[side], _OUTLINE[side]]), :2]
    lo, hi = strip.min(0), strip.max(0)
    w = int(np.ceil(hi[0] - lo[0] + 2 * REVEAL["grain_margin"] * ipd)) | 1
    h = int(np.ceil(REVEAL["grain_height"] * ipd)) | 1
    cx = float(rest_xy[_OUTLINE[side], 0].mean())
    cy = float(rest_xy[_CHEEK[side], 1].mean()) + REVEAL["grain_drop"] * ipd
    if cy - h / 2 < 0 or cy + h / 2 > image.shape[0] or w < 3:
        return None
    luma = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)
    cheek = cv2.getRectSubPix(luma.astype(np.float32), (w, h), (cx, cy))
    fine = cheek - cv2.GaussianBlur(cheek, (0, 0), max(REVEAL["grain_blur"] * ipd, 0.7))
    levels = REVEAL["grain_levels"]
    return np.clip(fine, -levels, levels, out=fine)


class _RimEdges:
    """Eyeglass frames pinned in the warp (core/rig/rims.py): each side's strip ends at its top
    rim instead of the fold ring, which lies behind the lens. Points in output px: the pins at
    rest plus their displacement each frame (the head's motion alone)."""

    def __init__(self, rims, rest_pins: np.ndarray, rest_xy: np.ndarray, ipd: float):
        self.rest_pins = rest_pins.astype(np.float32)
        self.top = []
        for s in (0, 1):
            top, bottom = rims.edges[s]
            # the strip's outline runs along the brow lateral to medial, then back along the rim
            if np.hypot(*(self.rest_pins[top[0]] - rest_xy[_BROW[s][-1], :2])) > \
                    np.hypot(*(self.rest_pins[top[-1]] - rest_xy[_BROW[s][-1], :2])):
                top = top[::-1]
            self.top.append(top)
        self.resample = [_brow_at_fold(s, len(t)) for s, t in enumerate(self.top)]
        # how far under a rim's top edge the lift is kept off (the rim, the lens, the eye:
        # Face Mesh's lower brow points may lie on the rim or under it)
        self.depth = np.float32(REVEAL["under_rim"] * ipd)

    def at(self, idx: np.ndarray, pins: np.ndarray | None) -> np.ndarray:
        """The pins `idx` in output px this frame (`pins`: their displacements, px)."""
        return self.rest_pins[idx] + (0.0 if pins is None else pins[idx])

    def under(self, side: int, pins: np.ndarray | None, x0: int, y0: int) -> np.ndarray:
        """The polygon (px, from (x0, y0)) of a top rim and what lies under it: its top edge,
        then the same edge `depth` lower, back."""
        top = self.at(self.top[side], pins) - np.float32([x0, y0])
        # out past the lateral end, level with it: the frame's end piece and hinge
        end = top[-1] + (top[-1] - top[0]) * np.float32(REVEAL["past_rim_end"])
        top = np.concatenate([top, [[end[0], top[-1, 1]]]]).astype(np.float32)
        return np.concatenate([top, (top + np.float32([0.0, self.depth]))[::-1]])

    def strip(self, xy: np.ndarray, side: int, pins: np.ndarray | None) -> np.ndarray:
        """The strip's polygon (px): the brow's lower edge, then the rim's top edge back. Brow
        points on or under the rim (Face Mesh's often are: the brow sits on the frame) are
        lifted to the rim: the strip is what lies between the two, and a polygon folding back
        under the rim cancelled its own area, so a raised brow's stretch went unseen (the
        stylized grace_hopper's brows streaked down to the frame, by eye)."""
        brow = xy[_BROW[side], :2].astype(np.float32)
        rim = self.at(self.top[side], pins)
        order = np.argsort(rim[:, 0])
        brow[:, 1] = np.minimum(brow[:, 1], np.interp(brow[:, 0], rim[order, 0], rim[order, 1]))
        return np.concatenate([brow, rim])


def _halves(active: list, shape: tuple[int, int]) -> list[tuple[np.ndarray, int]]:
    """(uint8 mask over the box `shape`, side) for each active strip (side, polygon in box px,
    share): each side's half of the box, split along the face's own midline, the line halfway
    between the strips' middles and square to the line joining them. Split at a column, a
    rolled face (35 degrees) had one strip's inner end painted toward the other side's colour,
    cut off by a vertical line between the brows (by eye)."""
    if len(active) == 1:
        return [(np.full(shape, 255, np.uint8), active[0][0])]
    (sa, pa, _), (sb, pb, _) = active
    a, b = (pa[0] + pa[-1]) / 2, (pb[0] + pb[-1]) / 2  # the strips' middles (its ends' mean)
    d = (b - a).astype(np.float32)
    c = float(d @ (a + b)) / 2
    on_b = np.add.outer(np.arange(shape[0], dtype=np.float32) * d[1],
                        np.arange(shape[1], dtype=np.float32) * d[0]) > c
    b_mask = on_b.view(np.uint8) * np.uint8(255)
    return [(cv2.bitwise_not(b_mask), sa), (b_mask, sb)]


class LidReveal:
    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, ipd_px: float,
                 rims=None, rest_pins: np.ndarray | None = None):
        """`rims` (core/rig/rims.py Rims) and `rest_pins` (their pins at rest, output px): the
        portrait wears glasses, pinned in the warp; the strip ends at the top rims."""
        self.ipd = float(ipd_px)
        self.enabled = True
        self.rims = None if rims is None else _RimEdges(rims, rest_pins, rest_xy, self.ipd)
        # the strip's bands: the brow's edge resampled at the points its strip ends on (the
        # fold ring, or a rim, lifted fully down to it: the rim itself is kept out below)
        self._resample, self._levels = (_RESAMPLE, _LEVEL) if rims is None else \
            (self.rims.resample, _RIM_LEVEL)
        # a strip seen edge-on (the far eye of a near profile: 0.5 px) has no height to stretch
        # from: the ratio is measured against at least REVEAL["min_rest"] IPD
        floor = REVEAL["min_rest"] * self.ipd
        self.rest_height = [max(_height(self._strip(rest_xy, s, None), s), floor)
                            for s in (0, 1)]
        # each side's own skin: toward the whole face's median, the shadowed side of a face lit
        # from one side got a lit patch under its brow, cut off at the strip's edges (fear on
        # a painting of LivePortrait's examples, by eye)
        self.skin = [skin_colour(image, rest_xy, s, SKIN) for s in (0, 1)]
        # over glasses, the hair is cut out above the top rims only
        self.hair = BrowHair(image, rest_xy, self.ipd, self.skin, None if rims is None else
                             [self.rims.under(s, None, 0, 0) for s in (0, 1)],
                             None if rims is None else
                             [self.rims.at(self.rims.top[s], None) for s in (0, 1)])
        # a brow moved as a block leaves a gap over the rim that was not there at rest
        self.rest_height = [floor if b is not None else h
                            for b, h in zip(self.hair.blocks, self.rest_height)]
        # as cv2 scalars: per channel in the image's order, the fourth unused
        self._skin_u8 = [(*np.round(c).astype(np.uint8).tolist(), 0) for c in self.skin]
        self.feather = max(REVEAL["feather"] * self.ipd, 0.5)
        # each side's grain, cut once from the portrait at rest (not glasses: the cheek lies
        # behind the lens)
        self._grains = [None, None] if rims is not None else \
            [_cheek_grain(image, rest_xy, s, self.ipd) for s in (0, 1)]
        self.pad = int(np.ceil(3 * self.feather))

    def _grain(self, box, halves, active) -> np.ndarray | None:
        """(h, w) float32 over `box`: each side's cheek grain (`_cheek_grain`) laid over its
        half of the box (`_halves`), its middle on the strip's middle now (sub-pixel), so it
        moves with the strip as a texture does; None when neither side has one. The painted
        strip was one flat colour, a box under the brow on a textured face (SadTalker's
        art_1)."""
        x0, y0, x1, y1 = box
        h, w = y1 - y0, x1 - x0
        grain = None
        polys = {s: poly for s, poly, _ in active}  # in box px
        for where, s in halves:
            if self._grains[s] is None:
                continue
            patch = self._grains[s]
            mid = polys[s].mean(0)  # the strip's middle, box px
            centre = ((patch.shape[1] - 1) / 2 + (w - 1) / 2 - float(mid[0]),
                      (patch.shape[0] - 1) / 2 + (h - 1) / 2 - float(mid[1]))
            if grain is None:
                grain = np.zeros((h, w), np.float32)
            cv2.copyTo(cv2.getRectSubPix(patch, (w, h), centre), where, grain)
        return grain

    def _strip(self, xy: np.ndarray, side: int, pins: np.ndarray | None) -> np.ndarray:
        return _strip(xy, side) if self.rims is None else self.rims.strip(xy, side, pins)

    def shares(self, xy: np.ndarray, pins: np.ndarray | None = None) -> list[float]:
        """Each side's share of the way to the skin colour, from how stretched its strip is."""
        return [self._share(_height(self._strip(xy, s, pins), s), s)
                if self.hair.blocks[s] is None
                else self._block(xy, s, pins)[2] for s in (0, 1)]

    def _share(self, height: float, side: int) -> float:
        """The share for side `side`'s strip `height` px tall."""
        if self.rest_height[side] < 0.5:  # a face a few pixels wide: nothing to say
            return 0.0
        lo, hi = REVEAL["stretch_start"], REVEAL["stretch_full"]
        stretch = height / self.rest_height[side]
        return REVEAL["share"] * min(max((stretch - lo) / (hi - lo), 0.0), 1.0)

    def _target(self, side: int, roi: np.ndarray, x0: int):
        """What side `side`'s strip is drawn toward over `roi` (its left column at `x0`): the
        side's skin colour as a cv2 scalar, or under a brow block the forehead's colour over
        each column."""
        if self.hair.blocks[side] is None:
            return self._skin_u8[side]
        row = self.hair.fill(side, x0, roi.shape[1])[None]
        return np.ascontiguousarray(np.broadcast_to(row, roi.shape))

    def _block(self, xy: np.ndarray, side: int, pins: np.ndarray | None):
        """(the top rim's edge now, the brow block's lower edge over it, the share) of a brow
        moved as a block over glasses: the strip is the gap the block left over the rim."""
        rim = self.rims.at(self.rims.top[side], pins)
        edge = self.hair.block_edge(xy, side, rim)
        gap = float(np.mean(rim[:, 1] - edge[:, 1])) - float(self.hair.blocks[side].gap)
        return rim, edge, self._share(max(gap, 0.0) + self.rest_height[side], side)

    def apply(self, img: np.ndarray, xy: np.ndarray, pins: np.ndarray | None = None
              ) -> np.ndarray:
        """Lift the stretched strips of `img` (in place; landmarks `xy` px; `pins` the rims'
        pins' displacements, px, where the portrait wears glasses) and return it."""
        if not self.enabled:
            return img
        active = []
        if self.rims is None:
            both = xy[_BOTH, :2].astype(np.float32)  # each side's strip (_strip), in one gather
            strips = ((0, both[:_SPLIT]), (1, both[_SPLIT:]))
        else:
            strips = ((s, self.rims.strip(xy, s, pins)) for s in (0, 1))
        blocks = {}  # per side moved as a block: (the rim's edge now, the block's lower edge)
        for s, poly in strips:
            if self.hair.blocks[s] is None:
                share = self._share(_height(poly, s), s)
            else:
                rim, edge, share = self._block(xy, s, pins)
                blocks[s] = (rim, edge)
                poly = np.concatenate([edge, rim])
            if share >= 0.01:
                active.append((s, poly, share))
        if not active:
            return img
        lows = [xy[_LOW[s], :2].astype(np.float32) if self.rims is None
                else blocks[s][0].copy() if s in blocks
                else poly[len(_BROW[s]):].copy() for s, poly, _ in active]
        # a brow whose hair is laid back whole: its strip painted from the hair's lower edge
        # out to the temple and in to the nose's root, where the raise streaked the brow's tail
        # and head (Face Mesh's brow lists take in skin there), and more fully
        laid = {s for s, _, _ in active if self.hair.layers[s] is not None}
        # (above eyeglass frames the strip reaches down to the rims, fully, anyway)
        wide = {} if self.rims is not None else \
            {s: xy[_WIDE[s], :2].astype(np.float32) for s in laid}
        # both eyes in one box: one mask, one blur, one blend (the calls cost more than pixels)
        box = poly_box(np.concatenate([poly for _, poly, _ in active] + lows
                                      + list(wide.values())), img.shape, pad=self.pad)
        if box is None:
            return img
        x0, y0, x1, y1 = box
        mask = np.zeros((y1 - y0, x1 - x0), np.float32)
        for (s, poly, share), low in zip(active, lows):
            poly -= np.float32([x0, y0])
            fold = low - np.float32([x0, y0])
            if s in wide:
                brow = brow_at = wide[s] - np.float32([x0, y0])
                levels = _HAIR_LEVEL
            elif s in blocks:  # the gap under the block, at the rim's points
                brow = brow_at = blocks[s][1] - np.float32([x0, y0])
                levels = self._levels
            else:
                brow = poly[:len(_BROW[s])]
                brow_at = self._resample[s] @ brow
                levels = self._levels
            n = len(brow)
            bands = np.empty((_STEPS, n + len(fold), 2), np.float32)  # the brow, a low back
            bands[:, :n] = brow
            bands[:, n:] = (brow_at + _REACH * (fold - brow_at))[:, ::-1]
            for band, level in zip(np.round(bands * 16).astype(np.int32),
                                   (levels * share).tolist()):
                cv2.fillPoly(mask, [band], level, cv2.LINE_AA, 4)
        mask = cv2.GaussianBlur(mask, (0, 0), self.feather)
        if self.rims is not None:  # the rims and the lenses under them as they are
            for s, _, _ in active:
                cv2.fillPoly(mask, [np.round(self.rims.under(s, pins, x0, y0) * 16)
                                    .astype(np.int32)], 0.0, cv2.LINE_AA, 4)
        roi = img[y0:y1, x0:x1, :3]
        halves = _halves(active, (y1 - y0, x1 - x0))
        # its skin, and only the darker drawn toward it: the saturating difference from the
        # skin colour as a cv2 scalar (filling an image with it cost far more)
        lift = np.empty_like(roi)
        for where, s in halves:
            cv2.subtract(self._target(s, roi, x0), roi, dst=lift, mask=where)
        step = cv2.multiply(lift, cv2.cvtColor(mask, cv2.COLOR_GRAY2RGB), dtype=cv2.CV_8U)
        grain = self._grain(box, halves, active)
        if img.shape[2] == 3:
            cv2.add(roi, step, dst=roi)  # in place: roi is a view of img
        else:
            img[y0:y1, x0:x1, :3] = cv2.add(roi, step)
        if grain is not None:  # signed (it darkens as well as lightens), rounded, saturated
            grain = cv2.cvtColor(cv2.multiply(grain, mask), cv2.COLOR_GRAY2RGB)
            img[y0:y1, x0:x1, :3] = cv2.add(img[y0:y1, x0:x1, :3], grain, dtype=cv2.CV_8U)
        for s, _, share in active:  # the brows' hair back over the lifted strips, whole
            if s in laid:
                self.hair.apply(img, xy, s, share)
            elif s in blocks:
                self.hair.apply(img, xy, s, share, rim=blocks[s][0])
        return img
