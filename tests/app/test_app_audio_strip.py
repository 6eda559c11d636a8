"""The audio strip's waveform: one filled min/max outline (app/audio_strip.py)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF

from app.audio_strip import AudioStrip, envelope, envelope_path
from app.ui_constants import WAVEFORM_POINTS


def test_the_outline_covers_loud_parts_and_leaves_silence_thin(qtbot):
    rate = 16000
    samples = np.zeros(rate * 2, np.float32)
    samples[rate // 2: rate] = 0.8 * np.sin(np.arange(rate // 2) * 0.3)  # 0.5-1.0 s loud
    strip = AudioStrip()
    qtbot.addWidget(strip)
    strip.set_audio(samples, rate, 2.0)
    path = strip.envelope.path()
    box = path.boundingRect()
    assert abs(box.left()) < 1e-9 and abs(box.right() - (2.0 - 2.0 / WAVEFORM_POINTS)) < 1e-6
    assert abs(box.top() + 0.8) < 0.01 and abs(box.bottom() - 0.8) < 0.01
    assert path.contains(QPointF(0.75, 0.5)) and path.contains(QPointF(0.75, -0.5))
    assert not path.contains(QPointF(1.5, 0.1)) and not path.contains(QPointF(0.25, -0.1))
    t, lo, hi = envelope(samples, rate)
    assert len(t) == WAVEFORM_POINTS and path.elementCount() >= 2 * WAVEFORM_POINTS


def test_no_audio_draws_a_flat_line(qtbot):
    strip = AudioStrip()
    qtbot.addWidget(strip)
    strip.set_audio(None, 16000, 3.0)
    box = strip.envelope.path().boundingRect()
    assert box.height() == 0 and abs(box.width() - 3.0) < 1e-9
    path = envelope_path(np.array([0.0]), np.array([0.0]), np.array([0.0]))
    assert path.elementCount() >= 2
