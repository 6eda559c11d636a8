"""A portrait prepared once for the rig, and its per-output-size render state (cached)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

from core import lab_tables
from core.face.landmarks import FaceAnalysis, detect_face
from core.rig.drawn_mouth import drawn_extent
from core.rig.eyes import EyeRenderer
from core.rig.face_blur import face_blur
from core.rig.glasses import find_glasses
from core.rig.lid_band import dark_lid_bands
from core.rig.lid_reveal import LidReveal
from core.rig.motion import MotionModel
from core.rig.mouth import MouthRenderer
from core.rig.rest import rest_notes
from core.rig.shading import ShadingRenderer
from core.rig.unsmile import CreaseFlattener
from core.rig.warp import Warper

SIZE_CACHE = 3  # output sizes kept warm (preview, export, thumbnail)


@dataclass
class ScaledPortrait:
    image: np.ndarray  # RGB uint8 at output size
    rest_xy: np.ndarray  # (478, 2) pixels at output size
    scale: float  # output pixels per analysed-image pixel
    warper: Warper
    mouth: MouthRenderer
    eyes: EyeRenderer
    shading: ShadingRenderer
    unsmile: CreaseFlattener
    lids: LidReveal


def output_shape(h: int, w: int, longest: int) -> tuple[int, int]:
    """Keep the aspect ratio; even dimensions for H.264, none over `longest` (rounded to even,
    an odd --size 131 gave a 132 px video)."""
    s = longest / max(h, w)
    return tuple(max(2, min(int(round(v * s / 2)) * 2, longest // 2 * 2)) for v in (h, w))


class PreparedPortrait:
    def __init__(self, image: np.ndarray, analysis: FaceAnalysis | None = None,
                 sizes: dict[int, ScaledPortrait] | None = None):
        """`sizes`: render state already built for this image and analysis (scaled_states() of
        the same portrait in another process)."""
        lab_tables.start()  # OpenCV's Lab tables, built while the face is found
        self.image = np.ascontiguousarray(image[:, :, :3])
        self.analysis = analysis or detect_face(self.image)
        self.glasses = find_glasses(self.image, self.analysis.xy)
        self.motion = MotionModel(self.analysis, self.glasses,
                                  dark_lid_bands(self.image, self.analysis.xy))
        # the drawn mouth's reach, a share of the way to each corner: one for every output size
        self.drawn_mouth = drawn_extent(self.image, self.analysis.xy)
        self.notes = list(self.analysis.notes) + rest_notes(self.motion.rest)
        self._sizes: OrderedDict[int, ScaledPortrait] = OrderedDict(sizes or {})
        self._lock = threading.Lock()

    def scaled_states(self) -> dict[int, ScaledPortrait]:
        with self._lock:
            return dict(self._sizes)

    @property
    def frame(self):
        return self.motion.frame

    def at_size(self, longest: int) -> ScaledPortrait:
        with self._lock:
            sp = self._sizes.get(longest)
            if sp is None:
                sp = self._build(longest)
                self._sizes[longest] = sp
                while len(self._sizes) > SIZE_CACHE:
                    self._sizes.popitem(last=False)
            else:
                self._sizes.move_to_end(longest)
            return sp

    def _build(self, longest: int) -> ScaledPortrait:
        h, w = self.image.shape[:2]
        oh, ow = output_shape(h, w, longest)
        sx, sy = ow / w, oh / h
        interp = cv2.INTER_AREA if sx < 1 else cv2.INTER_CUBIC
        img = cv2.resize(self.image, (ow, oh), interpolation=interp) if (ow, oh) != (w, h) \
            else self.image.copy()
        rest = (self.analysis.xy * np.array([sx, sy])).astype(np.float32)
        frame = self.frame.scaled((sx + sy) / 2)
        rims = self.motion.rims
        pins = None if rims is None else frame.to_image(rims.pins.astype(np.float64))
        blur = face_blur(img, rest)  # what the made-up parts take on (0: a sharp face)
        return ScaledPortrait(img, rest, (sx + sy) / 2, Warper(rest, (oh, ow), pins=pins),
                              MouthRenderer(img, rest, frame, self.drawn_mouth, blur),
                              EyeRenderer(img, rest, frame, blur),
                              ShadingRenderer(img, rest, frame, blur),
                              CreaseFlattener(img, rest, frame.ipd, glasses=rims is not None),
                              LidReveal(img, rest, frame.ipd, rims, pins))
