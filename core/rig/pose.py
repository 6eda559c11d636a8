"""One frame's worth of rig controls: what every frame source (take, preview, live) produces."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class RigPose:
    """aus: AU intensities applied directly through the AU basis (speech, forced AUs);
    gates: the emotion's global gates g, applied through the MoE experts;
    final_aus: everything that drove the frame, for display and curve export."""

    aus: dict[int, float] = field(default_factory=dict)  # AU -> intensity in [0, 1]
    head: tuple[float, float, float] = (0.0, 0.0, 0.0)  # yaw, pitch, roll in degrees
    gaze: tuple[float, float] = (0.0, 0.0)  # iris shift in IPD (x to subject's left, y down)
    blink: float = 0.0  # AU45 from the blink track, in [0, 1]
    gates: np.ndarray | None = None  # global gates g (6,), for display and curves
    final_aus: dict[int, float] = field(default_factory=dict)
    smile_taken: float = 0.0  # rest AU12 x the share of it taken away (core/rig/unsmile.py)
    cheek_taken: float = 0.0  # rest AU6 x the share of it taken away (the same)
    # (2,) IPD: how far the chin raiser (AU17) moved the chin against the rest, soft tissue
    # over a still jaw (core/rig/mouth.py: the lower teeth don't follow it)
    chin_raise: Any = None
    emotion: Any = None  # core.track.TrackRow of a live frame (toggles, regions, head, gaze)
