"""Record a voice take from the microphone into the user's data folder."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QStandardPaths

from app.ui_constants import AUDIO_RATE, RECORD_MAX_S
from core.errors import InputError


def takes_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    folder = Path(base or Path.home() / ".moee-palette") / "takes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class VoiceRecorder:
    def __init__(self):
        self._stream = None
        self._blocks: list[np.ndarray] = []
        self._lock = threading.Lock()

    @property
    def recording(self) -> bool:
        return self._stream is not None

    def start(self) -> None:
        """Raise InputError with a readable reason when no microphone can be opened."""
        self._blocks = []
        try:
            import sounddevice as sd
            self._stream = sd.InputStream(samplerate=AUDIO_RATE, channels=1, dtype="float32",
                                          callback=self._callback)
            self._stream.start()
        except Exception as e:
            self._stream = None
            first = (str(e).strip() or type(e).__name__).splitlines()[0]
            raise InputError(f"No microphone is available ({first}). Connect one, or open a "
                             "recorded voice file instead.") from None

    def _callback(self, data, _frames, _time, _status) -> None:
        with self._lock:
            if sum(len(b) for b in self._blocks) < RECORD_MAX_S * AUDIO_RATE:
                self._blocks.append(data[:, 0].copy())

    def stop(self, folder: Path | None = None) -> Path:
        """Stop and write the take as a 16 kHz mono wav; returns its path."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
        with self._lock:
            samples = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        if len(samples) < AUDIO_RATE // 4:
            raise InputError("The take is too short to use (under a quarter of a second).")
        import soundfile as sf
        path = (folder or takes_folder()) / time.strftime("take-%Y%m%d-%H%M%S.wav")
        sf.write(path, samples, AUDIO_RATE)
        return path
