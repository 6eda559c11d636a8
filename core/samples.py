"""Sample media that ship with packages the project depends on (nothing is downloaded)."""
from __future__ import annotations

import numpy as np


def sample_portrait(size: int = 512) -> np.ndarray:
    """Eileen Collins' NASA portrait ('astronaut', public domain, shipped in scikit-image),
    cropped to head and shoulders: RGB uint8, size x size."""
    import cv2

    img = _astronaut()[20:280, 100:360]
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_CUBIC)


def _astronaut() -> np.ndarray:
    """skimage.data.astronaut(), read straight from the wheel's PNG when it is there: importing
    scikit-image costs about a second of the app's start-up (bench_startup.py)."""
    import importlib.util
    from pathlib import Path

    from PIL import Image  # not cv2: its libpng warns about this file's colour profile

    spec = importlib.util.find_spec("skimage")  # finds the package without importing it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        png = Path(folder) / "data" / "astronaut.png"
        if png.is_file():
            with Image.open(png) as im:
                return np.asarray(im.convert("RGB"))
    from skimage import data
    return data.astronaut()
