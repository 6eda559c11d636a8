"""Record a voice take from the microphone into the user's data folder."""
from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QStandardPaths

from app.ui_constants import AUDIO_RATE, RECORD_MAX_S
from core.atomic import os_error_reason
from core.errors import ExportError, InputError


def takes_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    folder = Path(base or Path.home() / ".moee-palette") / "takes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class VoiceRecorder:
    def __init__(self):
        self._stream = None
        self._blocks: list[np.ndarray] = []
        self._kept = 0  # samples in _blocks
        self._lock = threading.Lock()
        self.cut = False  # the take reached RECORD_MAX_S: what was said after is not in it

    @property
    def recording(self) -> bool:
        return self._stream is not None

    def start(self) -> None:
        """Raise InputError with a readable reason when no microphone can be opened."""
        with self._lock:
            self._blocks, self._kept, self.cut = [], 0, False
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
            if self._kept < RECORD_MAX_S * AUDIO_RATE:
                self._blocks.append(data[:, 0].copy())
                self._kept += len(data)
            else:
                self.cut = True

    def stop(self, folder: Path | None = None) -> Path:
        """Stop and write the take as a 16 kHz mono wav of its own; returns its path."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
        samples = self._samples()
        if len(samples) < AUDIO_RATE // 4:
            raise InputError("The take is too short to use (under a quarter of a second).")
        return write_take(folder or takes_folder(), samples)

    def keep(self, folder: Path) -> Path:
        """Write the last take again, into `folder`: one that could not be written (a full
        disk, a folder gone) is held until the next take starts."""
        return write_take(folder, self._samples())

    def _samples(self) -> np.ndarray:
        with self._lock:
            return np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)


def write_take(folder: Path, samples: np.ndarray) -> Path:
    """take-<date>-<time>.wav in `folder`, -2, -3, ... when a take of that second is there
    already (never written over: a project may use it); whole or not at all."""
    import soundfile as sf
    stem = time.strftime("take-%Y%m%d-%H%M%S")
    for n in itertools.count(1):
        path = folder / (f"{stem}.wav" if n == 1 else f"{stem}-{n}.wav")
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))  # the name
            break
        except FileExistsError:
            continue
        except OSError as e:
            raise ExportError(f"cannot keep the take in {folder}: {os_error_reason(e)}") from None
    temp = path.with_name(f".{path.name}.tmp")
    try:
        sf.write(temp, samples, AUDIO_RATE, format="WAV")
        os.replace(temp, path)
    except (OSError, RuntimeError) as e:  # libsndfile says "disk full" as a RuntimeError
        temp.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        reason = os_error_reason(e) if isinstance(e, OSError) else str(e)
        raise ExportError(f"cannot keep the take in {folder}: {reason}") from None
    return path
