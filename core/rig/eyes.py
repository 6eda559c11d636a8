"""Eyes: the warp squashes whatever lies between the lids; a real eyeball doesn't squash. So the
rest eye is painted back inside the current lid opening: an "empty" eyeball (the rest eye with
its iris inpainted away, so a gaze shift leaves sclera behind, not a second iris) moving with the
skull (the head's motion at the eye), and the rest iris disc on top moving with gaze. As lids
close they cover the iris instead of flattening it (DESIGN.md, "Eyes"). A lid raised above its
rest line shows the eyeball continued from inside where its rest rim was, not that rim painted
back (a second lid line); a lower lid dropped below its own shows the seen iris continued down.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.regions import eye_polygon, lid_opening, polygon_opening, region, skin_colour
from core.rig.blend import LUMA, paint, spread
from core.rig.eyeball import (EYEBALL, MadeUpEyeball, iris_drop, lash_shade, made_up_eyeball,
                              visible_blur)
from core.rig.roi import UNIT, poly_box, polygon_coverage, polygon_mask
from core.rig.tuning import FACE_BLUR
from core.rig.ufuncs import clip

EYE_TUNING = {
    "iris_margin": 1.12,  # disc radius / iris contour radius: include the limbal ring
    "feather": 0.008,  # IPD: lid-edge softness (~0.7 px at IPD 85), keeps the warped lash line
    "closed": 0.02,  # IPD of lid opening under which the eye counts as closed (brief)
    "pad": 0.12,  # IPD of texture around the rest eye: room for gaze and lid travel
    "max_gaze": 0.12,  # IPD: the iris stays inside the eye (iris radius ~0.2 IPD, eye ~0.45 wide)
    "inpaint_radius": 0.04,  # IPD: sclera filled in from this far around the iris
    # IPD: the rest upper lid's rim inside the opening (lashes, the lid's anti-aliased edge).
    # A lid raised off it (AU5) showed that rim painted back with the eyeball as a grey arc
    # across the sclera and the top of the iris, a second lid line (by eye at 6x on the smiling
    # sample portrait's surprise and fear). Where the rim now lies deeper than this inside the
    # opening, the eyeball layers show it inpainted from inside (showing the warp there instead
    # left the 256 px frame's raised lids grey: the warp stretches the lid line into them)
    "rim_band": 0.02,
    # a raised lid's uncovered iris top darkens from this share of the iris' radius out to its
    # rim, eased, to EYEBALL["limbus"] of its colour (the made-up eyeball's limbal ring)
    "limbus_from": 0.7,
    # the pupil, left out of the iris continued under a dropped lower lid (continued down, it
    # stood as a dark bar under the iris): its middle's pixels (this share of its radius)
    # darker than this share of its outer ring's median luminance (pupils measure 0.14-0.35
    # of it, the rest of the middle 0.54 and up at its 5th percentile: eight eyes of deepface's
    # img1, 3, 12, 19 and SadTalker's art_0 at 1024 px)
    "pupil_within": 0.6,
    "pupil_dark": 0.5,
    # the rest lower rim under the iris counts as sclera (the iris ends above the lid there,
    # and the sclera is continued under it, not the iris) only as light as this share of the
    # skin's luminance: between a waterline's 0.55-0.7 (deepface's img1 and img3, whose dim
    # sclera's colour it is near) and a sclera's 0.95-1.3 (SadTalker's art_0), at 1024 px
    "sclera_rim_light": 0.85,
    # px: a dropped lower lid's rest rim gives way this far inside the lids and deeper (the
    # lid's own anti-aliased edge pixel keeps the rest eye's)
    "lower_rim_edge": 1.0,
    # IPD: the largest catchlight left out of the iris continued into the rest lid's rim
    "catchlight": 0.025,
}


@dataclass
class _Eye:
    poly: np.ndarray  # landmark indices of the lid opening, corner to corner and back
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the textures in the rest image
    empty: np.ndarray  # (bh, bw, 3) float32 eyeball without iris
    iris: np.ndarray  # (bh, bw, 3) float32 rest pixels
    iris_alpha: np.ndarray  # (bh, bw) float32 iris disc (its hidden top filled with iris colour)
    ball_alpha: np.ndarray  # (bh, bw) float32 rest opening: where the eyeball texture is real
    rims: tuple[np.ndarray, np.ndarray]  # (bh, bw) float32: the rest upper, lower lid's rim
    clean: tuple  # per rim: (empty, iris) with that rim continued from inside the eye
    upper: np.ndarray  # upper lid landmark indices
    lower: np.ndarray  # lower lid landmark indices
    lid_points: np.ndarray  # upper then lower lid landmark indices (one look-up a frame)
    rest_lids: np.ndarray  # (n, 2) float32: those points at rest
    up: np.ndarray  # (2,) unit vector from the lower lid's middle to the upper's, at rest
    made_up: MadeUpEyeball | None  # for an eye shown (nearly) shut: core/rig/eyeball.py
    # the pairs of textures that move alike, each packed in one (bh, bw, 4) texture (_pack;
    # None: warped apart): (empty, ball_alpha), (iris, iris_alpha), per rim (its clean empty
    # and iris, each with the rim), the made-up eyeball's (iris, iris_alpha)
    ball_pack: np.ndarray | None = None
    iris_pack: np.ndarray | None = None
    rim_packs: tuple = ((None, None), (None, None))
    made_pack: np.ndarray | None = None
    iris_colour: np.ndarray | None = None  # (3,) the visible iris' median (None: none seen)
    # the blur the portrait shows round this eye (px; 0: sharp, eyeball.visible_blur) and the lid
    # edge's feather kernel it takes: on a blurred face a sharp-edged eye (a laugh's squint
    # opened, lids raised) was a cut-out sticker with a jagged rim (by eye on GFPGAN's inputs)
    soft: float = 0.0
    feather: np.ndarray | None = None


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _nearer(a: np.ndarray, b: np.ndarray, shape: tuple[int, int], origin) -> np.ndarray:
    """(shape) bool: the pixels nearer polyline `a` than polyline `b` (px, box at `origin`)."""
    dist = []
    for line in (a, b):
        m = np.full(shape, 255, np.uint8)
        pts = np.round(line - np.asarray(origin, np.float32)).astype(np.int32)
        cv2.polylines(m, [pts.reshape(-1, 1, 2)], False, 0, 1)
        dist.append(cv2.distanceTransform(m, cv2.DIST_L2, 3))
    return dist[0] < dist[1]


_IDENTITY = np.eye(2, 3, dtype=np.float32)
# clip(lids * 3, 0, 1) of a lid mask, looked up from its uint8 coverage (the same values)
_LID_EDGE = clip(UNIT * 3, 0, 1)


def _ease_made_up(outside: np.ndarray, soft: float, layers) -> None:
    """On a face blurred `soft` px, each of `layers` (h, w, 3 float32, in place) eases from the
    rest opening's own pixels, continued outward, into its made-up fill over 2 x `soft` px past
    the opening (`outside`, bool): switched at once, the blurred portrait's pale eye met the
    made-up iris top in a crisp line, a dark dash under a raised lid (GFPGAN's 0143, by eye).
    Inside the opening nothing changes: at rest the eye is its own pixels."""
    ramp = clip(cv2.distanceTransform(outside.astype(np.uint8), cv2.DIST_L2, 3)
                / np.float32(2.0 * soft), 0.0, 1.0)
    w = ramp[outside][:, None]
    for layer in layers:
        grown = _inpainted(layer, outside, max(soft, 1.0))
        layer[outside] = grown[outside] + (layer[outside] - grown[outside]) * w


def _pupil(patch: np.ndarray, iris: np.ndarray, dist: np.ndarray, radius: float) -> np.ndarray:
    """(h, w) bool: the pupil, the seen iris' (`iris`, bool) pixels within
    EYE_TUNING["pupil_within"] of its `radius` (px; `dist`: each pixel's distance from its
    centre) darker than EYE_TUNING["pupil_dark"] of its outer ring's median luminance."""
    lum = patch.astype(np.float32) @ LUMA
    within = dist < EYE_TUNING["pupil_within"] * radius
    ring = iris & ~within
    if not ring.any():
        return np.zeros(iris.shape, bool)
    return iris & within & (lum < EYE_TUNING["pupil_dark"] * np.median(lum[ring]))


def _sclera_rim(patch: np.ndarray, vis: np.ndarray, inner: np.ndarray, sclera: np.ndarray,
                iris: np.ndarray, skin: np.ndarray, reach: float) -> np.ndarray:
    """(h, w, 1) float32, 0..1: how much the rest lid's rim (`vis` (bool), the rest opening,
    less `inner`) is the sclera rather than the iris continued from inside the eye there
    (`iris`, (h, w, 3)): each pixel nearer the sclera's colour than that iris and the lid's
    `skin` (3,), and lighter than EYE_TUNING["sclera_rim_light"] of the skin, averaged along
    the rim over `reach` px (one pixel of the iris' anti-aliased edge, continued on its own,
    stood as a dark tick under it); past the opening, its nearest rim pixel's. The sclera's
    colour: the median of the lightest quarter of `sclera` (bool: the sclera seen, with the
    eye's shadowed corners and pink caruncle); none seen, 0 throughout."""
    seen = patch[sclera].astype(np.float32)
    if len(seen) < 4:
        return np.zeros((*vis.shape, 1), np.float32)
    lum = seen @ LUMA
    colour = np.median(seen[lum >= np.percentile(lum, 75)], axis=0)
    rest = patch.astype(np.float32)
    skin = np.asarray(skin, np.float32)
    near = np.linalg.norm(rest - colour, axis=-1)
    own = (near < np.linalg.norm(rest - iris, axis=-1)) \
        & (near < np.linalg.norm(rest - skin, axis=-1)) \
        & (rest @ LUMA >= EYE_TUNING["sclera_rim_light"] * float(skin @ LUMA))
    rim = (vis & ~inner).astype(np.float32)
    # each pixel's say in the average: how far that iris is from the sclera there (beside the
    # iris, the sclera continued, either way alike, has none)
    say = rim * np.linalg.norm(iris - colour, axis=-1)
    share = cv2.GaussianBlur(own * say, (0, 0), reach)
    share /= np.maximum(cv2.GaussianBlur(say, (0, 0), reach), 1e-6)
    share *= rim
    _, label = cv2.distanceTransformWithLabels((~vis).astype(np.uint8), cv2.DIST_L2, 5,
                                               labelType=cv2.DIST_LABEL_PIXEL)
    lut = np.zeros(int(label.max()) + 1, np.float32)
    lut[label[vis]] = share[vis]
    return lut[label][..., None]


def _inpainted(layer: np.ndarray, where: np.ndarray, radius: float) -> np.ndarray:
    """`layer` (h, w, 3 float) with `where` (bool) filled in from around it (Telea, `radius`
    px), as float32."""
    return cv2.inpaint(clip(layer + 0.5, 0, 255).astype(np.uint8),
                       where.astype(np.uint8) * 255, radius,
                       cv2.INPAINT_TELEA).astype(np.float32)


def _soften_rim(img: np.ndarray, poly: np.ndarray, soft: float, share: float) -> None:
    """Blur `img` (in place) across the lid polygon's edge as the portrait around it is blurred
    (`soft` px), by `share` (0..1: how far the lids left their rest lines; at rest nothing
    changes): the painted eye's rim, kept inside the polygon, stayed a crisp cut-out edge on a
    face that is soft all round it (a squint opened on GFPGAN's blurred inputs, by eye)."""
    box = poly_box(poly, img.shape, pad=2 + int(np.ceil(3 * soft)))
    if box is None:
        return
    x0, y0, x1, y1 = box
    inside = cv2.LUT(polygon_coverage(poly, (y1 - y0, x1 - x0), (x0, y0)), UNIT)
    inside = cv2.GaussianBlur(inside, (0, 0), soft)
    band = inside * (1.0 - inside) * np.float32(4.0 * share)  # 1 on the edge, 0 off it
    roi = img[y0:y1, x0:x1]
    out = roi.astype(np.float32)
    out += (cv2.GaussianBlur(out, (0, 0), soft) - out) * spread(band)
    roi[:] = clip(out + 0.5, 0, 255).astype(np.uint8)


def _kernel(sigma: float) -> np.ndarray:
    """cv2.GaussianBlur's own kernel for a float image of this sigma (px)."""
    return cv2.getGaussianKernel(int(round(sigma * 8 + 1)) | 1, sigma, cv2.CV_32F)


def _translation(offset: np.ndarray) -> np.ndarray:
    """The 2x3 float32 matrix that moves a texture by `offset` (2,) px: one a frame for each
    offset, shared by the textures that move alike."""
    m = _IDENTITY.copy()
    m[:, 2] = offset
    return m


def _shift(patch: np.ndarray, m: np.ndarray, size: tuple[int, int], border: int):
    return cv2.warpAffine(patch, m, size, flags=cv2.INTER_LINEAR, borderMode=border)


def _pack(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray | None:
    """A colour texture (h, w, 3) and its alpha (h, w) float32 as one (h, w, 4) texture, moved
    in one warp (~9 us on an eye's box against ~16 for the two, and ~3 to part them again), or
    None where the alpha's outer ring isn't all 0. The pair warps with the colour's border
    (BORDER_REPLICATE): past the texture it reads that ring, where the alpha's own
    (BORDER_CONSTANT) reads 0, so a ring of 0 gives the alpha the very values of its own warp
    (so does a 4-channel warp each channel's: checked on 3000 random textures and moves)."""
    if alpha[[0, -1]].any() or alpha[:, [0, -1]].any():
        return None
    return cv2.merge([colour, alpha])


def _shift_pair(colour: np.ndarray, alpha: np.ndarray, pack: np.ndarray | None, m: np.ndarray,
                size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(colour, alpha) moved by `m` into `size`: as _shift with their own borders (replicated,
    constant 0), in one warp where `pack` (their _pack) has them; fresh arrays."""
    if pack is None:
        return (_shift(colour, m, size, cv2.BORDER_REPLICATE),
                _shift(alpha, m, size, cv2.BORDER_CONSTANT))
    both = _shift(pack, m, size, cv2.BORDER_REPLICATE)
    return cv2.cvtColor(both, cv2.COLOR_RGBA2RGB), cv2.extractChannel(both, 3)


class EyeRenderer:
    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, frame: FaceFrame,
                 blur: float = 0.0):
        """`blur`: the whole face's blur (px, core/rig/face_blur.py): what is made up round the
        eyes takes its share FACE_BLUR["eyes"] where the eye's own patch measures less."""
        self.ipd = frame.ipd
        self.blur = FACE_BLUR["eyes"] * blur
        # px: the rest upper lid's rim band (EYE_TUNING["rim_band"])
        self.rim_px = max(int(round(EYE_TUNING["rim_band"] * self.ipd)), 1)
        # the lid edge's feather (px): cv2.GaussianBlur's own kernel for a float image (its
        # size from sigma as it picks it), made once; sepFilter2D with it gives the blur's
        # very values without building the kernel every call
        f = EYE_TUNING["feather"] * self.ipd
        self._feather = _kernel(f) if f > 0.3 else None
        self.rest_xy = rest_xy[:, :2].astype(np.float32).copy()
        self.skin = skin_colour(image, self.rest_xy)
        # one eye shut at rest (a made-up eyeball, _eye), the other open: the made-up eyeball
        # takes the open eye's iris colour (read from its own slit it was the lashes' and the
        # pupil's: a green-eyed photo's squinting eye opened brown beside the real green one, by
        # eye), so the open eye is built first
        shut = [lid_opening(self.rest_xy, s) / self.ipd < EYEBALL["below"] for s in "RL"]
        eyes: list[_Eye | None] = [None, None]
        for k in sorted(range(2), key=lambda i: shut[i]):
            other = eyes[1 - k]
            known = other.iris_colour if shut[k] and not shut[1 - k] and other is not None \
                else None  # both shut: each reads its own slit
            eyes[k] = self._eye(image, self.rest_xy, "RL"[k], shut[k], known)
        self.eyes: list[_Eye] = eyes
        # both lid polygons, fetched from a frame's points in one look-up
        self._polys = np.concatenate([e.poly for e in self.eyes])

    def _eye(self, image: np.ndarray, xy: np.ndarray, s: str, shut: bool,
             known_iris: np.ndarray | None = None) -> _Eye:
        """Eye `s`'s layers; `shut`: (nearly) shut at rest, it gets a made-up eyeball, which
        takes `known_iris` (3,) for its iris colour where given."""
        upper, lower = region(f"{s}_eye_upper_lid"), region(f"{s}_eye_lower_lid")
        c = tuple(int(i) for i in region(f"{s}_eye_corners"))  # outer, inner
        poly = eye_polygon(s)
        iris = region(f"{s}_iris")
        centre = xy[iris[0]]
        r = float(np.mean(np.hypot(*(xy[iris[1:]] - centre).T))) * EYE_TUNING["iris_margin"]
        h, w = image.shape[:2]
        pad = EYE_TUNING["pad"] * self.ipd
        lo = np.floor(xy[poly].min(0) - pad).astype(int)
        hi = np.ceil(xy[poly].max(0) + pad).astype(int)
        x0, y0, x1, y1 = max(lo[0], 0), max(lo[1], 0), min(hi[0], w), min(hi[1], h)
        patch = np.ascontiguousarray(image[y0:y1, x0:x1, :3])
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        # a pixel past the rest opening too: its anti-aliased edge must repaint with the
        # iris layer's own pixels, not the inpainted sclera
        opening = cv2.dilate((polygon_mask(xy[poly], xx.shape, (x0, y0)) > 0).astype(np.float32),
                             np.ones((3, 3), np.uint8))
        # the iris layer covers the whole inpainted hole, so at rest the eye is repainted with
        # its own pixels (identity) and the inpainted sclera only shows where the iris left
        dist = np.hypot(xx - centre[0], yy - centre[1])
        hole = (dist < r + 1.5).astype(np.uint8) * 255
        disc = clip(r + 2.5 - dist, 0, 1)  # 1 over the whole hole, soft just outside
        rad = max(EYE_TUNING["inpaint_radius"] * self.ipd, 1.0)
        empty = cv2.inpaint(patch, hole, rad, cv2.INPAINT_TELEA).astype(np.float32)
        iris_layer = patch.astype(np.float32)
        # What a raised lid (AU5) uncovers was never visible: fill the hidden top of the iris
        # with the iris's own colour and everything else outside the rest opening with the
        # sclera's, so it reads as "white above the iris" (FACS AU5), not smeared lid skin.
        # Inside the rest opening nothing changes, so the rest eye stays pixel-identical.
        vis = polygon_mask(xy[poly], xx.shape, (x0, y0)) > 0.5
        # the iris's colour from the iris itself: the disc's margin takes in the limbus and
        # the sclera beside it, and its median filled a raised lid's uncovered iris top grey
        iris_vis = vis & (dist < r / EYE_TUNING["iris_margin"] - 1.0)
        if iris_vis.sum() < 4:
            iris_vis = vis & (disc > 0.5)
        sclera_vis = vis & (disc <= 0)
        near = cv2.dilate(opening, np.ones((5, 5), np.uint8)) > 0  # the feathered lid edge
        # past the rest opening's own anti-aliased pixel (the feathered lid at rest reaches no
        # further): a band of lid skin and lashes kept there showed as pink streaks across the
        # iris of a raised lid (fear on a painting of LivePortrait's examples, by eye at 1024 px)
        outside = opening == 0
        iris_colour = np.median(patch[iris_vis], axis=0).astype(np.float32) \
            if iris_vis.any() else None
        inner = cv2.erode(vis.astype(np.uint8), _disc(self.rim_px)) > 0
        upper_side = _nearer(xy[[c[0], *upper, c[1]]], xy[[c[0], *lower, c[1]]], xx.shape,
                             (x0, y0))
        reach = max(EYE_TUNING["rim_band"] * self.ipd, 1.0)
        ri = r / EYE_TUNING["iris_margin"]  # the iris' own radius
        # The iris' hidden bottom, what a dropped lower lid uncovers, is the seen iris continued
        # down from inside the eye, past the rest lid's rim: filled as the hidden top is (one
        # colour, darkened to a limbal ring) and with the rest rim left in place above it, a
        # light iris got a dark line under it (surprise and fear, by eye at 1024 px). Where the
        # iris ends above the lid at rest (the rest rim under it is the sclera), the sclera is
        # continued there instead: the iris continued over it grew down as a block
        below = ~upper_side & ~inner
        low_sclera = _inpainted(empty, ~inner, reach) if inner.any() else None
        low_iris = sclera_rim = None
        if low_sclera is not None and (iris_vis & inner & ~upper_side).any():
            low_iris = _inpainted(patch, ~inner | _pupil(patch, iris_vis, dist, ri), reach)
            sclera_rim = _sclera_rim(patch, vis, inner, sclera_vis & inner, low_iris,
                                     self.skin, reach)
            low_iris += (low_sclera - low_iris) * sclera_rim
        if iris_colour is not None:
            # darker toward its rim, as the seen iris is (the limbus): flat, an uncovered top
            # read as a grey dome over the iris (surprise on a hooded eye, by eye at 1024 px)
            start = EYE_TUNING["limbus_from"]
            rim = clip((dist / max(r / EYE_TUNING["iris_margin"], 1.0) - start) / (1.0 - start),
                       0.0, 1.0)
            shade = 1.0 - (1.0 - EYEBALL["limbus"]) * rim * rim * (3.0 - 2.0 * rim)
            iris_layer[outside] = iris_colour * shade[outside][:, None]
            if low_iris is not None:
                fill = outside & below
                iris_layer[fill] = low_iris[fill]
        if sclera_vis.any():
            empty[outside] = np.median(patch[sclera_vis], axis=0)
        # where the lids hid it at rest the disc ends at the iris itself, not past it: its
        # margin painted a pale ring round an iris a raised lid uncovered (by eye at 1024 px)
        disc = np.where(outside, clip(r / EYE_TUNING["iris_margin"] + 0.5 - dist, 0, 1), disc)
        soft = max(visible_blur(patch), self.blur)
        if soft:  # the iris continued under the lower lid already meets the opening's own
            _ease_made_up(outside, soft, (empty,))
            _ease_made_up(outside if low_iris is None else outside & ~below, soft, (iris_layer,))

        def inpainted(layer: np.ndarray, where: np.ndarray) -> np.ndarray:
            return _inpainted(layer, where, reach)

        rim = ((opening > 0) & ~inner & upper_side).astype(np.float32)
        # both continued from inside the eye only: past the rest opening the layers hold
        # made-up fills, the iris' top with its dark limbal ring and the sclera's median,
        # which drawn into the rim band laid a line where the rest lid had been across a raised
        # lid's eye (by eye at 12x: a dark second lid line across the iris on sharp photos, a
        # black dash on a blurred one's pale eye, a pale stripe over a dark blurred sclera);
        # the iris without its catchlight, which drawn up into the band stood as a white bar
        lit = max(int(round(EYE_TUNING["catchlight"] * self.ipd)), 1)
        unlit = cv2.morphologyEx(iris_layer, cv2.MORPH_OPEN, _disc(lit))
        clean = (low_sclera, inpainted(unlit, ~inner)) if inner.any() \
            else (inpainted(empty, rim > 0), inpainted(iris_layer, rim > 0))
        # the lower lid's rim too, once the lid drops (a smile's cheek raise taken away drew a
        # dark arc under the iris, by eye at 1024 px): the sclera continued from inside (only:
        # drawn from the made-up sclera past the opening too, a dark one laid a grey line along
        # the lid), and the iris layer only past the iris itself (inpainted, the iris grew down
        # as a block); over the iris, the iris continued as below the rest opening
        low = near & below
        sclera = inpainted(empty, low) if low_sclera is None else low_sclera
        past = low & (dist > r / EYE_TUNING["iris_margin"])
        if low_iris is None:
            lower_iris = np.where(past[..., None], sclera, iris_layer)
        else:
            lower_iris = np.where(outside[..., None], iris_layer,
                                  np.where(past[..., None], sclera, low_iris))
        lower_clean = (sclera, lower_iris)
        rims = (rim, low.astype(np.float32))
        up = xy[upper].mean(0) - xy[lower].mean(0)
        up = (up / max(float(np.hypot(*up)), 1e-6)).astype(np.float32)
        rest_open = lid_opening(xy, s) / self.ipd
        made_up = made_up_eyeball(patch, (x0, y0), centre, r / EYE_TUNING["iris_margin"],
                                  xy[list(c)], vis, self.skin, self.ipd, rest_open,
                                  known_iris, self.blur) \
            if shut else None
        lids = np.concatenate([upper, lower])
        return _Eye(poly, (x0, y0, x1, y1), empty, iris_layer, disc, opening, rims,
                    (clean, lower_clean), np.asarray(upper), np.asarray(lower), lids, xy[lids],
                    up, made_up, _pack(empty, opening), _pack(iris_layer, disc),
                    tuple((_pack(e, rim), _pack(i, rim)) for rim, (e, i)
                          in zip(rims, (clean, lower_clean))),
                    _pack(made_up.iris, made_up.iris_alpha) if made_up else None,
                    iris_colour, soft,
                    _kernel(max(soft, EYE_TUNING["feather"] * self.ipd)) if soft else None)

    def opening(self, xy: np.ndarray, eye: int) -> float:
        """Mean lid opening of eye 0 (subject's right) or 1 (left) in IPD: the opening's area
        over its corner-to-corner width (whatever way the lid points slide sideways)."""
        return lid_opening(xy, "RL"[eye]) / self.ipd

    def composite(self, img: np.ndarray, deformed_xy: np.ndarray,
                  gaze_px=(0.0, 0.0), skull_px: np.ndarray | None = None) -> np.ndarray:
        """Paint the unsquashed eyes into `img` (h, w, 3 uint8; in place) and return it.

        skull_px: (2, 2) pixels each eyeball (subject's right, left) moves with the skull (the
        head's motion at its own centre; none: the head is still); gaze_px: (2,) pixels the
        irises move on top of it, at most EYE_TUNING["max_gaze"]. Both irises took the two
        eyes' mean motion before, and a rolled head lifts one eye and lowers the other: at
        disgust's 4 degrees of roll one iris sat 0.03-0.04 IPD high under its lid, a pale eye
        with no pupil, and the other low (by eye on a photo of deepface's tests)."""
        g = np.asarray(gaze_px, np.float32).reshape(2)
        # the iris stays within max_gaze of where the eyeball took it: clamping the whole shift
        # (gaze plus the head's motion) left the iris behind a head tilted back more than ~5
        # degrees, under the lower lid (happily surprised at intensity 1.5: white above a sliver)
        limit = EYE_TUNING["max_gaze"] * self.ipd
        norm = float(np.hypot(g[0], g[1]))
        if norm > limit:
            g = g * np.float32(limit / norm)
        polys = deformed_xy[self._polys]
        n = len(self.eyes[0].poly)
        polys = [polys[i * n:(i + 1) * n] for i in range(len(self.eyes))]
        openings = [polygon_opening(p) / self.ipd for p in polys]  # as self.opening
        # both eyes alike: one opened to a made-up eye beside a slit read as a wink (by eye)
        made_up = max((e.made_up.weight(o) for e, o in zip(self.eyes, openings)
                       if e.made_up is not None), default=0.0)
        skull = np.zeros((len(self.eyes), 2), np.float32) if skull_px is None \
            else np.asarray(skull_px, np.float32)
        for i, eye in enumerate(self.eyes):
            if openings[i] >= EYE_TUNING["closed"]:
                self._paint(img, deformed_xy, polys[i], eye, g, skull[i],
                            made_up if eye.made_up else 0.0)
        return img

    def _paint(self, img: np.ndarray, xy: np.ndarray, poly: np.ndarray, eye: _Eye,
               rel: np.ndarray, ball: np.ndarray, made_up: float = 0.0) -> None:
        """Paint `eye` into `img`: `poly` its lid polygon's points in `xy`, the eyeball moved
        by `ball` (2,) px, the iris by `rel` (2,) px more (within max_gaze)."""
        box = poly_box(poly, img.shape)
        if box is None:
            return
        X0, Y0, X1, Y1 = box
        size = (int(X1 - X0), int(Y1 - Y0))
        bx, by = eye.box[:2]
        # the eyeball rides with the skull (`ball`); the iris adds gaze
        o_ball = np.array([bx - X0, by - Y0], np.float32)
        o_ball += ball
        o_iris = o_ball + rel
        m_ball, m_iris = _translation(o_ball), _translation(o_iris)
        empty, ba = _shift_pair(eye.empty, eye.ball_alpha, eye.ball_pack, m_ball, size)
        iris, ia = _shift_pair(eye.iris, eye.iris_alpha, eye.iris_pack, m_iris, size)
        cover = polygon_coverage(poly, (size[1], size[0]), (X0, Y0))
        # a blurred face's edge as soft as the face's own
        k = self._feather if eye.feather is None else eye.feather
        if k is not None:  # blurred, and kept to the polygon's own soft edge
            lids = cv2.sepFilter2D(cv2.LUT(cover, UNIT), -1, k, k)
            lids *= cv2.LUT(cover, _LID_EDGE)
        else:
            lids = cv2.LUT(cover, UNIT)  # polygon_mask
        # the rest lid's rim, where a raised lid left it deeper inside the opening than its own
        # width, gives way to the eyeball continued from inside (at rest it lies within that
        # width: unchanged). How far the upper lid rises, the lower drops: one look-up of both
        # lids' points, one product (each row's value as in a product of its lid's rows alone:
        # 100000 random trials), and the lower's drop the negated rise (the same values)
        band = self.rim_px
        rise = xy[eye.lid_points] - eye.rest_lids
        rise -= ball
        rise = (rise @ eye.up).tolist()
        nu = len(eye.upper)
        away = (max(rise[:nu]), -min(rise[nu:]))
        # The lower lid's rim (its waterline and lashes) gives way as soon as the lid drops, in
        # step with the drop, from the lid's own edge pixel in: kept until the drop passed the
        # band, the rest waterline stood inside the eye over the iris continued below it, a
        # dark line under a light iris (surprise and fear, by eye at 1024 px)
        inside = None
        for k in (0, 1):
            if away[k] <= (band if k == 0 else 0.0):  # within its width; not dropped
                continue
            if inside is None:  # how far inside the lids
                inside = cv2.distanceTransform(cv2.compare(lids, 0.5, cv2.CMP_GT),
                                               cv2.DIST_L2, 3)
            deep = clip(inside - np.float32(band), 0, 1) if k == 0 else \
                clip(inside - np.float32(EYE_TUNING["lower_rim_edge"]), 0, 1) \
                * np.float32(min(away[1] / band, 1.0))
            for layer, clean, pack, m in ((empty, eye.clean[k][0], eye.rim_packs[k][0], m_ball),
                                          (iris, eye.clean[k][1], eye.rim_packs[k][1], m_iris)):
                moved, w = _shift_pair(clean, eye.rims[k], pack, m, size)
                w *= deep
                moved -= layer
                moved *= spread(w)
                layer += moved
        # eyeball texture only where it was real at rest (beyond that the warp's raised lid
        # shows); the iris wherever the lids let it
        # in place on the fresh layers (the same values as the plain expressions)
        # the iris' share of what is painted, ia over the painted alpha: where both fade at the
        # rest opening's edge (one edge, one coverage), what shows there is iris, not the
        # sclera layer mixed in at half; as ia alone, the raised lid's first row over the
        # iris was a pale line where the rest lid had been (by eye at 12x, surprise)
        alpha = np.maximum(ba, ia, out=ba)
        ia = np.divide(ia, alpha, out=np.zeros_like(ia), where=alpha > 1e-6)
        ia3 = spread(ia)
        content = np.multiply(empty, 1 - ia3, out=empty)
        content += np.multiply(iris, ia3, out=iris)
        alpha *= lids
        if made_up > 0:  # an eye shut at rest, opened: the made-up eyeball over its slit
            m = eye.made_up
            at = o_iris + np.float32(m.centre) + np.float32([X0, Y0])
            m_made = _translation(
                o_iris + np.float32([0.0, iris_drop(xy[eye.lower], *at, m.radius)]))
            made, ia = _shift_pair(m.iris, m.iris_alpha, eye.made_pack, m_made, size)
            ia3 = spread(ia)
            ball = _shift(m.ball, m_ball, size, cv2.BORDER_REPLICATE)
            # made = ball + (iris - ball) * ia3, shaded; then content += (made - content) * w:
            # in place on the fresh iris layer (the same values)
            made -= ball
            made *= ia3
            made += ball
            made *= spread(lash_shade(lids, float(poly[:, 1].mean()) - Y0, self.ipd, inside))
            made -= content
            made *= np.float32(made_up)
            content += made
            alpha += (lids - alpha) * np.float32(made_up)
        # one layer, so the lid's soft edge blends it once
        paint(img, box, content, alpha)
        if eye.soft and max(away) > 0:  # lids moved off their rest lines on a blurred face
            _soften_rim(img, poly, eye.soft, min(max(away) / (2.0 * band), 1.0))
