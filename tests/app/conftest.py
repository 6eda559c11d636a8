"""App test fixtures: a settings file per test, a small stand-in engine, a ready window."""
from __future__ import annotations

import gc
import time

import numpy as np
import pytest

from core.engine import CancelToken, Engine, Frame, RenderJob
from core.expression import aus_from_gates


class PaintEngine(Engine):
    """Test stand-in for the rig: the frame's colour encodes the gates and the AU overrides,
    so a test can see that a control reached the picture. Used only where the real rig engine
    cannot be built yet (see `engine` fixture)."""

    name = "paint"

    def prepare(self, image):
        return np.asarray(image)

    def _frame(self, job: RenderJob, index: int) -> Frame:
        mix = job.mix_at(job.frame_time(index))
        g = mix.gates()
        aus = aus_from_gates(g, mix.au_overrides)
        img = np.ascontiguousarray(job.portrait[::4, ::4]).copy()
        tint = np.array([g[:3].sum(), g[3:].sum(), sum(aus.values()) / 4.0]) * 60
        img = np.clip(img.astype(np.int16) + tint.astype(np.int16), 0, 255).astype(np.uint8)
        return Frame(index, job.frame_time(index), img, aus, g)

    def frames(self, job, progress=None, cancel: CancelToken | None = None):
        n = job.frame_count()
        for i in range(n):
            if cancel is not None:
                cancel.raise_if_cancelled()
            time.sleep(0.002)
            yield self._frame(job, i)
            if progress:
                progress(i + 1, n)

    def render_frame(self, job, index):
        return self._frame(job, index)


def make_engine():
    """The real rig engine when it is importable, else the stand-in."""
    from core.engines import create_engine
    from core.errors import InputError
    try:
        return create_engine("rig")
    except InputError:
        return PaintEngine()


@pytest.fixture(scope="session", autouse=True)
def torch_loaded():
    """Every window warms its engine up after its first frame (the rig imports torch then); with
    torch loaded once here, that import never runs in the background of the next test."""
    import torch  # noqa: F401


@pytest.fixture
def settings(tmp_path):
    from app.settings import AppSettings
    return AppSettings(str(tmp_path / "settings.ini"))


class _Errors(list):
    """(title, message) per error dialog; `details`: what dialogs keep behind "Show details"."""

    def __init__(self):
        super().__init__()
        self.details: list[str] = []


@pytest.fixture
def errors(monkeypatch):
    """Collect error dialogs instead of showing them."""
    seen = _Errors()

    def fake(parent, title, error, details=None):
        from app.errors import user_message
        seen.append((title, user_message(error)))
        if details:
            seen.details.append(details)

    for module in ("app.errors", "app.main_window", "app.window_files", "app.export_dialog",
                   "app.palette.panel", "app.engine_switch"):
        monkeypatch.setattr(f"{module}.show_error", fake)
    return seen


@pytest.fixture
def answers(monkeypatch):
    """What the 'unsaved changes' question answers; tests append what they expect to be asked."""
    asked: list[str] = []
    reply = {"value": "discard"}

    def fake(parent, what="this project"):
        asked.append(what)
        return reply["value"]

    monkeypatch.setattr("app.window_files.ask_save_changes", fake)
    return {"asked": asked, "reply": reply}


def answer_missing(monkeypatch, question: str) -> dict:
    """Answer app.window_files' `question` (ask_missing_portrait, ask_missing_voice) with
    reply["value"] ("skip" unless a test sets it), the paths asked about in reply["asked"]."""
    reply = {"value": "skip", "asked": []}

    def fake(_parent, path):
        reply["asked"].append(path)
        return reply["value"]

    monkeypatch.setattr(f"app.window_files.{question}", fake)
    return reply


@pytest.fixture
def window(qtbot, settings, errors, answers):
    from app.main_window import MainWindow
    w = MainWindow(settings=settings, engine=make_engine())
    qtbot.addWidget(w)
    w.show()
    # generous: a machine loaded by other work (2 cores at load 6) took over 10 s here; the
    # start-up's speed is measured by benchmarks/bench_startup.py, not by these waits
    qtbot.waitUntil(lambda: w.session.portrait is not None and not w.session.loading(),
                    timeout=60000)
    qtbot.waitUntil(lambda: w.preview.image.image is not None, timeout=60000)
    yield w
    w.close()
    assert gc.isenabled()  # the window handed garbage collection back when it closed
