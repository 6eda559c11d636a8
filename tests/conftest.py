"""Shared fixtures: a real portrait (scikit-image's astronaut) and real speech (espeak-ng)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
import app.pyside_imports  # noqa: E402,F401  the suite imports torch after PySide6 (pytest-qt)

# A suite started in the background (`./.ci/run &`, nohup) inherits SIGINT ignored, and Python
# keeps it so: the tests that send themselves a Ctrl-C (tests/core/test_child_processes.py,
# test_native_logs.py) and the commands they start would never see one. Ctrl-C as in a terminal
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

SPEECH_TEXT = ("Hello there. My name is Eileen, and I fly to space. "
               "Papa bought a map of the moon.")


def make_speech(path: Path, text: str = SPEECH_TEXT, rate: int = 150, pad_s: float = 0.0,
                sample_rate: int | None = None) -> Path:
    """Speak `text` with espeak-ng into a wav file; optional leading/trailing silence pad."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.fail("espeak-ng is missing: install Debian's espeak-ng (the README's test command does)")
    subprocess.run([exe, "-s", str(rate), "-w", str(path), text], check=True, capture_output=True)
    if pad_s or sample_rate:
        import soundfile as sf
        data, sr = sf.read(path, dtype="float32")
        if pad_s:
            pad = np.zeros(int(pad_s * sr), np.float32)
            data = np.concatenate([pad, data, pad])
        if sample_rate and sample_rate != sr:
            from scipy.signal import resample_poly
            data = resample_poly(data, sample_rate, sr).astype(np.float32)
            sr = sample_rate
        sf.write(path, data, sr)
    return path


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def portrait() -> np.ndarray:
    from core.samples import sample_portrait
    return sample_portrait(512)


@pytest.fixture(scope="session")
def portrait_path(media_dir, portrait) -> Path:
    import cv2
    p = media_dir / "portrait.png"
    cv2.imwrite(str(p), portrait[:, :, ::-1])
    return p


@pytest.fixture(scope="session")
def far_face(portrait) -> np.ndarray:
    """The sample portrait at 256 px in the middle of a 1,456 px canvas (its edges repeated):
    a face small in its picture, ~42.6 px between the pupils (15 px in a 512 px video)."""
    import cv2
    return cv2.copyMakeBorder(cv2.resize(portrait, (256, 256), interpolation=cv2.INTER_AREA),
                              600, 600, 600, 600, cv2.BORDER_REPLICATE)


@pytest.fixture(scope="session")
def far_face_path(media_dir, far_face) -> Path:
    import cv2
    p = media_dir / "far.png"
    cv2.imwrite(str(p), far_face[:, :, ::-1])
    return p


@pytest.fixture(scope="session")
def speech_wav(media_dir) -> Path:
    """About 5 s of speech with 0.5 s of silence before and after."""
    return make_speech(media_dir / "speech.wav", pad_s=0.5)


@pytest.fixture(scope="session")
def silence_wav(media_dir) -> Path:
    import soundfile as sf
    p = media_dir / "silence.wav"
    sf.write(p, np.zeros(16000 * 2, np.float32), 16000)
    return p


def pytest_collection_modifyitems(config, items):
    """Tests marked slow (timings, long takes) run only when asked for: `pytest -m slow`."""
    if "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
