"""Sample media that ship with packages the project depends on (nothing is downloaded)."""
from __future__ import annotations

import numpy as np


def sample_portrait(size: int = 512) -> np.ndarray:
    """Eileen Collins' NASA portrait ('astronaut', public domain, shipped in scikit-image),
    cropped to head and shoulders: RGB uint8, size x size."""
    import cv2
    from skimage import data

    img = data.astronaut()[20:280, 100:360]
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_CUBIC)
