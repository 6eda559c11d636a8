"""A raised brow moves as hair, whole.

Face Mesh's lower brow points lie mid-brow on a thick brow, and a raise (AU1/AU2) stretches the
hair below them with the skin under it: on portraits whose brows sit on their eyes (SadTalker's
art_1 painting, deepface's img16 and img29, by eye) the fringe became a band of vertical
streaks down to the lid. So the brow's hair is cut out of the portrait once (what is darker than
the skin from the brow's upper edge to a little below its lower points, hanging together with
the band between its points, under a forehead of skin), and on a raised frame it is laid back
over the warped picture, each column moved as the brow's points around it moved, after the lid
reveal (core/rig/lid_reveal.py) has painted the stretched strip under it with skin. Light
brows, a face without brows and one brow only get no layer; over eyeglass frames, only what lies
above the top rims is hair. Over glasses, brows with no such layer (light ones) move as blocks:
the rim holds the brow's lower points, so a raise stretched the whole brow from its upper edge
down to the frame into a tall smear (grace_hopper.jpg and its stylized copy, by eye). The band
from the brow's upper edge down to just over the rim rises whole, as far as the upper edge rose
past the rim, and the lid reveal paints the gap it leaves with the forehead's colour over each
column. BROW_HAIR in core/rig/tuning.py holds the numbers.
"""
from __future__ import annotations

import cv2
import numpy as np

from core.face.regions import mirror_map, region
from core.rig.blend import LUMA
from core.rig.roi import poly_box
from core.rig.tuning import BROW_HAIR

# per side: the brow's points that carry its hair (upper edge lateral to medial, then its lower
# edge back), and the ring above the lid's fold, medial to lateral: the hair is looked for
# between the brow's upper edge and that ring
_HAIR_R = np.array([70, 63, 105, 66, 107, 65, 52, 53, 46])
_HAIR = (_HAIR_R, mirror_map()[_HAIR_R])
_N_UPPER = 5  # the first five: the upper edge
_UPPER = tuple(h[:_N_UPPER] for h in _HAIR)
_FOLD = (region("R_eye_halo3_upper")[::-1], region("L_eye_halo3_upper")[::-1])


class _Layer:
    """One brow's hair at rest: the portrait's pixels and their alpha in a box around it."""

    def __init__(self, image: np.ndarray, alpha: np.ndarray, box, rest: np.ndarray):
        # only the hair's own box, a pixel round it: the warp and the blend cost by the pixel
        x, y, w, h = cv2.boundingRect((alpha > 1e-3).astype(np.uint8))
        x0, y0 = box[0] + max(x - 1, 0), box[1] + max(y - 1, 0)
        x1, y1 = min(box[0] + x + w + 1, box[2]), min(box[1] + y + h + 1, box[3])
        alpha = alpha[y0 - box[1]:y1 - box[1], x0 - box[0]:x1 - box[0]]
        self.origin = np.float32([x0, y0])
        # premultiplied colour and alpha as one 4-channel image: one warp moves both
        a = alpha[..., None]
        self.rgba = np.dstack([image[y0:y1, x0:x1, :3].astype(np.float32) * a, alpha])
        # the hair's points at rest (px), and each edge's, upper and lower, in x order: the
        # columns' motion is interpolated along them
        self.rest = rest.astype(np.float32)
        k = _N_UPPER
        self.up, self.low = np.argsort(rest[:k, 0]), k + np.argsort(rest[k:, 0])
        self.up_x, self.low_x = self.rest[self.up, 0], self.rest[self.low, 0]


def _side_layer(image: np.ndarray, rest_xy: np.ndarray, side: int, skin: np.ndarray,
                ipd: float, floor: np.ndarray | None = None) -> tuple[float, _Layer | None]:
    """(the brow's band's median level over the skin's, its hair layer or None); `floor` a
    polygon (px) nothing in which is hair (an eyeglass frame's top rim and what is under it)."""
    # the zone: the brow's upper edge, then its lower edge pushed `below` of the way down to
    # the fold ring (the nearest point of the ring across): a thick brow's hair reaches below
    # Face Mesh's lower points, the socket's shadow lies further down
    upper = rest_xy[_UPPER[side], :2].astype(np.float32)
    lower = rest_xy[_HAIR[side][_N_UPPER:], :2].astype(np.float32)
    fold = rest_xy[_FOLD[side], :2].astype(np.float32)
    near = fold[np.abs(lower[:, None, 0] - fold[None, :, 0]).argmin(1)]
    push = BROW_HAIR["below"] * (near - lower)
    # at most `below_ipd` down: at the tail the ring lies far below the brow, by the eye's outer
    # corner, and a shadowed temple there hung off the raised brow (SadTalker's happy.png)
    length = np.maximum(np.hypot(push[:, 0], push[:, 1]), 1e-6)
    push *= np.minimum(1.0, BROW_HAIR["below_ipd"] * ipd / length)[:, None]
    poly = np.concatenate([upper, lower + push])
    pad = int(np.ceil(BROW_HAIR["reach"] * ipd)) + 2
    box = poly_box(poly, image.shape, pad=4 * pad)
    if box is None:
        return 1.0, None
    x0, y0, x1, y1 = box
    crop = image[y0:y1, x0:x1, :3]
    luma = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY).astype(np.float32)
    zone = np.zeros(luma.shape, np.uint8)
    cv2.fillPoly(zone, [np.round((poly - [x0, y0]) * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
    # up and down a little (the hair's fringe), not past the brow's ends: hair falling over
    # the temple beside its tail hung off the raised brow (SadTalker's happy.png)
    zone = cv2.dilate(zone, np.ones((2 * pad - 3, 1), np.uint8)) if pad > 2 else zone
    ends = rest_xy[_HAIR[side], 0]
    zone[:, :max(int(np.floor(ends.min())) - x0, 0)] = 0
    zone[:, max(int(np.ceil(ends.max())) + 1 - x0, 0):] = 0
    # the brow's own band (between its Face Mesh points) must be hair: a painting without
    # brows (the Mona Lisa) has the socket's shadow in the zone, which laid up read as a brow
    core = np.zeros(luma.shape, np.uint8)
    band = rest_xy[_HAIR[side], :2].astype(np.float32) - [x0, y0]
    cv2.fillPoly(core, [np.round(band * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
    if floor is not None:  # Face Mesh's lower brow points may lie on a rim or under it
        for m in (zone, core):
            cv2.fillPoly(m, [np.round((floor - [x0, y0]) * 16).astype(np.int32)], 0,
                         cv2.LINE_AA, 4)
    if not (core > 127).any():
        return 1.0, None
    # the skin it is measured against: the side's, or the forehead's right above the brow
    # where that is darker (a varnished painting's brow ridge, the Mona Lisa's)
    o = upper[np.argsort(upper[:, 0])] - [x0, y0]
    top = np.interp(np.arange(luma.shape[1]), o[:, 0], o[:, 1])  # the brow's upper edge
    rows = np.arange(luma.shape[0])[:, None]
    ring = (rows < top[None, :] - pad) & (rows >= top[None, :] - 4 * pad) & (zone.any(0))[None]
    skin_l = float(LUMA @ skin)
    if ring.any():
        skin_l = min(skin_l, float(np.percentile(luma[ring], BROW_HAIR["ring_share"])))
    hair_l = float(np.percentile(luma[core > 127], 10))
    contrast = float(np.median(luma[core > 127])) / max(skin_l, 1.0)
    if contrast > BROW_HAIR["side_dark"]:
        return contrast, None
    # hair from the brow's level, fully skin from `edge` of the way to the skin's
    edge = hair_l + BROW_HAIR["edge"] * (skin_l - hair_l)
    alpha = np.clip((edge - luma) / max(edge - hair_l, 1.0), 0.0, 1.0)
    alpha *= zone.astype(np.float32) / 255.0
    # only the dark that hangs together with the brow's band: not a strand of the fringe or the
    # socket's shadow beside it
    n, labels = cv2.connectedComponents((alpha > 0.5).astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(labels[(core > 127) & (labels > 0)])] = True
    alpha *= cv2.dilate(keep[labels].astype(np.uint8), np.ones((3, 3), np.uint8))
    # a brow on skin has skin right above it: where the forehead over a column is dark too
    # (hair over the temple, its shadow beside the brow's tail: SadTalker's happy.png) the
    # brow is not told from it, and that column is left to the warp
    count = ring.sum(0)
    lit = np.where(count > 0, (luma * ring).sum(0) / np.maximum(count, 1), skin_l)
    alpha[:, lit < hair_l + BROW_HAIR["lit_above"] * (skin_l - hair_l)] = 0.0
    # a brow is no taller than `max_height` IPD: below that in each column, from the hair's
    # top, it is something else dark hanging from it (a shadowed temple, hair over it)
    solid = alpha > 0.5
    top_row = np.where(solid.any(0), solid.argmax(0), luma.shape[0])
    alpha[rows >= top_row[None, :] + BROW_HAIR["max_height"] * ipd] = 0.0
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(BROW_HAIR["soft"] * ipd, 0.5))
    if alpha.max() < 0.5:
        return contrast, None
    return contrast, _Layer(image, alpha.astype(np.float32), box, rest_xy[_HAIR[side], :2])


class _Block(_Layer):
    """A brow over a rim moved whole: its layer, the rim's top edge at rest (px, in the order
    given) its lower edge keeps `gap` px over, and the colour its gap is painted with per
    column. Its box holds the portrait's own pixels everywhere, so it is kept straight (colour
    and alpha as 8-bit RGBA: one remap, one blend), not premultiplied as hair is."""

    def __init__(self, image, alpha, box, rest, rim: np.ndarray, ipd: float,
                 fill_x: np.ndarray, fill: np.ndarray):
        super().__init__(image, alpha, box, rest)
        x0, y0 = int(self.origin[0]), int(self.origin[1])
        h, w = self.rgba.shape[:2]
        self.straight = np.dstack([image[y0:y0 + h, x0:x0 + w, :3],
                                   np.round(self.rgba[..., 3] * 255).astype(np.uint8)])
        self.rim = rim.astype(np.float32)
        self.order = np.argsort(self.rim[:, 0])
        self.rim_x = self.rim[self.order, 0]
        self.gap = np.float32(BROW_HAIR["block_gap"] * ipd)
        self.taper = np.float32(max(BROW_HAIR["block_taper"] * ipd, 1.0))
        self.rim_fade = self.fade(self.rim[:, 0])
        # the gap's colour per image column from the block's first: its ends held past them
        self.fill_x0 = int(fill_x[0])
        self.fill = np.round(fill).astype(np.uint8)

    def fade(self, cols: np.ndarray) -> np.ndarray:
        """Past the brow's ends the rise fades out along the rim: held at the ends' height,
        the gap showed as a painted box with straight sides over the lens's corners."""
        out = np.maximum(np.maximum(self.up_x[0] - cols, cols - self.up_x[-1]), 0.0)
        return np.clip(1.0 - out / self.taper, 0.0, 1.0)


def _block_layer(image: np.ndarray, rest_xy: np.ndarray, side: int, ipd: float,
                 rim: np.ndarray) -> _Block | None:
    """A brow over an eyeglass frame's top rim (`rim`: its top edge at rest, px, listed either
    way along it), whatever its colour: the band from `reach` IPD over its upper edge down to `block_gap` IPD
    over the rim, or None where the brow sits behind the rim."""
    upper = rest_xy[_UPPER[side], :2].astype(np.float32)
    upper = upper[np.argsort(upper[:, 0])]
    xs = np.linspace(upper[0, 0], upper[-1, 0], 2 * len(upper))
    top = np.interp(xs, upper[:, 0], upper[:, 1]) - BROW_HAIR["reach"] * ipd
    along = np.argsort(rim[:, 0])  # one side's rim runs medial to lateral, the other's back
    bottom = np.interp(xs, rim[along, 0], rim[along, 1]) - BROW_HAIR["block_gap"] * ipd
    if np.mean(bottom - top) < BROW_HAIR["block_min"] * ipd:
        return None
    poly = np.concatenate([np.column_stack([xs, top]),
                           np.column_stack([xs, np.maximum(bottom, top)])[::-1]])
    box = poly_box(poly, image.shape, pad=int(np.ceil(3 * BROW_HAIR["soft"] * ipd)) + 2)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    alpha = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillPoly(alpha, [np.round((poly - [x0, y0]) * 16).astype(np.int32)], 1.0,
                 cv2.LINE_AA, 4)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(BROW_HAIR["soft"] * ipd, 0.5))
    # the gap a raised block leaves over the rim is painted with the forehead's own colour
    # over each column (a band over the brow, smoothed along it): the side's median skin,
    # cheeks and all, is darker than a lit forehead and showed as a grey patch (grace_hopper)
    cols = np.arange(max(int(xs[0]) - 1, 0), min(int(np.ceil(xs[-1])) + 2, image.shape[1]))
    brow_top = np.interp(cols, upper[:, 0], upper[:, 1])
    lo, hi = BROW_HAIR["forehead"]
    rows = np.arange(image.shape[0])[:, None]
    band = (rows >= brow_top[None, :] - hi * ipd) & (rows <= brow_top[None, :] - lo * ipd)
    if not band.any(0).all():  # the forehead out of the picture: no block
        return None
    colour = np.stack([np.percentile(image[band[:, k], c, :3], BROW_HAIR["forehead_share"],
                                     axis=0) for k, c in enumerate(cols)]).astype(np.float32)
    colour = cv2.GaussianBlur(colour[None], (0, 0), sigmaX=max(BROW_HAIR["forehead_soft"]
                                                                * ipd, 0.5), sigmaY=0)[0]
    return _Block(image, alpha, box, rest_xy[_HAIR[side], :2], rim, ipd, cols, colour)


def _block_move(layer: _Block, xy: np.ndarray, side: int, rim: np.ndarray, cols: np.ndarray,
                fade: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dx, dy) of a block's columns at rest x `cols` (`rim`: the top rim's edge now; `fade`:
    the block's fade at `cols`): along x as the brow's upper edge moved; down as the rim moved
    (the head), and up from there as far as the upper edge rose past it, never down onto the
    frame (a lowered brow is the warp's: it tucks behind the rim)."""
    d = xy[_UPPER[side], :2].astype(np.float32) - layer.rest[:_N_UPPER]
    dx = np.interp(cols, layer.up_x, d[layer.up, 0])
    up = np.interp(cols, layer.up_x, d[layer.up, 1])
    held = np.interp(cols, layer.rim_x, (rim[:, 1] - layer.rim[:, 1])[layer.order])
    return dx.astype(np.float32), (held + fade * np.minimum(up - held, 0.0)).astype(np.float32)


def _moved(layer: _Layer, src: np.ndarray, d: np.ndarray, shift: float, shape: tuple,
           move) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """`src` (a layer's pixels over its box) moved column by column: (the box it lands in, in
    an image of `shape`, reaching as far as the displacements `d` (px) do; the moved pixels
    there), or None where too little of it is in the picture. `move(cols)` gives each column's
    (dx, dy) at its rest x, the output columns less `shift` (the brow's mean dx)."""
    h, w = src.shape[:2]
    lo, hi = np.floor(d.min(0)).astype(int), np.ceil(d.max(0)).astype(int)
    x0, y0 = int(layer.origin[0]) + lo[0] - 1, int(layer.origin[1]) + lo[1] - 1
    x1, y1 = int(layer.origin[0]) + w + hi[0] + 1, int(layer.origin[1]) + h + hi[1] + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, shape[1]), min(y1, shape[0])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    mx, my = move(np.arange(x0, x1, dtype=np.float32) - shift)
    map_x = np.arange(x0, x1, dtype=np.float32) - mx - layer.origin[0]
    map_y = np.arange(y0, y1, dtype=np.float32)[:, None] - my[None, :] - layer.origin[1]
    moved = cv2.remap(src, np.broadcast_to(map_x, map_y.shape).astype(np.float32),
                      map_y.astype(np.float32), cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return (x0, y0, x1, y1), moved


class BrowHair:
    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, ipd_px: float,
                 skins: list[np.ndarray], floors: list[np.ndarray] | None = None,
                 rims: list[np.ndarray] | None = None):
        """`skins`: each side's skin colour (core.face.regions.skin_colour); `floors` each
        side's polygon (px) that holds no hair (eyeglass frames), `rims` each side's top rim's
        edge at rest (px, listed either way along it)."""
        found = [_side_layer(image, rest_xy, s, skins[s], ipd_px,
                             None if floors is None else floors[s]) for s in (0, 1)]
        # both brows or neither, on how dark the two are on average: light brows smear into
        # a light band that the lid reveal's lift leaves alone anyway, and one brow laid up
        # whole beside one stretched read as two different brows
        both = all(layer is not None for _, layer in found)
        dark = np.mean([c for c, _ in found]) <= BROW_HAIR["dark"]
        self.layers = [layer if both and dark else None for _, layer in found]
        # over glasses, brows the hair was not cut out of move as blocks: the rim holds the
        # brow's lower points, so raised, a brow stretched from its upper edge down to the
        # frame into a tall smear (grace_hopper.jpg, its stylized copy: by eye)
        self.blocks = [None, None]
        if rims is not None and self.layers == [None, None]:
            blocks = [_block_layer(image, rest_xy, s, ipd_px, rims[s]) for s in (0, 1)]
            if all(b is not None for b in blocks):
                self.blocks = blocks

    def block_edge(self, xy: np.ndarray, side: int, rim: np.ndarray) -> np.ndarray:
        """Brow `side`'s block's lower edge, at the rim's points, where landmarks `xy` and the
        top rim's edge now (`rim`, px, its points in the order given at rest) put it: `gap`
        over the rim as at rest, and as far above that as the brow's upper edge rose."""
        layer = self.blocks[side]
        edge = layer.rim + np.stack(_block_move(layer, xy, side, rim, layer.rim[:, 0],
                                                layer.rim_fade), 1)
        edge[:, 1] -= layer.gap
        return edge

    def fill(self, side: int, x0: int, width: int) -> np.ndarray:
        """(width, 3) uint8: the colour brow `side`'s block's gap is painted with at the
        columns from `x0` (px)."""
        layer = self.blocks[side]
        return layer.fill[np.clip(np.arange(x0 - layer.fill_x0, x0 - layer.fill_x0 + width),
                                  0, len(layer.fill) - 1)]

    def apply(self, img: np.ndarray, xy: np.ndarray, side: int, share: float,
              rim: np.ndarray | None = None) -> np.ndarray:
        """Lay brow `side`'s hair (or, given the top rim's edge now, `rim`, its block) over
        `img` (in place) where landmarks `xy` (px) put its points, by `share` (the lid reveal's:
        how stretched the strip under it is)."""
        if rim is not None:
            return self._apply_block(img, xy, side, min(share, 1.0), rim)
        layer = self.layers[side]
        if layer is None or share <= 0.0:
            return img
        # each column of the hair moves as the brow's points around it moved: the upper and
        # the lower edge's motion, each interpolated along the brow, averaged (one affine for the
        # whole brow straightened sadness's raised inner end, and the warped brow showed beside it)
        d = xy[_HAIR[side], :2].astype(np.float32) - layer.rest
        laid = _moved(layer, layer.rgba, d, float(np.mean(d[:, 0])), img.shape, lambda cols: [
            0.5 * (np.interp(cols, layer.up_x, d[layer.up, k])
                   + np.interp(cols, layer.low_x, d[layer.low, k])) for k in (0, 1)])
        if laid is None:
            return img
        (x0, y0, x1, y1), moved = laid
        share = np.float32(min(share, 1.0))
        roi = img[y0:y1, x0:x1, :3]
        f = roi.astype(np.float32)
        f *= 1.0 - moved[..., 3:] * share
        f += moved[..., :3] * share
        f += 0.5
        roi[...] = np.clip(f, 0, 255)
        return img

    def _apply_block(self, img: np.ndarray, xy: np.ndarray, side: int, share: float,
                     rim: np.ndarray) -> np.ndarray:
        layer = self.blocks[side]
        if layer is None or share <= 0.0:
            return img
        # the box: the block's, moved as far as its brow's points or the rim moved
        d = np.concatenate([xy[_UPPER[side], :2] - layer.rest[:_N_UPPER], rim - layer.rim])
        laid = _moved(layer, layer.straight, d, float(np.mean(d[:_N_UPPER, 0])), img.shape,
                      lambda cols: _block_move(layer, xy, side, rim, cols, layer.fade(cols)))
        if laid is None:
            return img
        (x0, y0, x1, y1), moved = laid
        a = moved[..., 3].astype(np.float32) * np.float32(share / 255.0)
        roi = np.ascontiguousarray(img[y0:y1, x0:x1, :3])
        img[y0:y1, x0:x1, :3] = cv2.blendLinear(roi, np.ascontiguousarray(moved[..., :3]),
                                                1.0 - a, a)
        return img
