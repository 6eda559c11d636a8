"""The palette dock: expert sliders, hexagon picker, presets, prompt and AU grid.

It shows the project's mix (`show_mix`, signals blocked) and turns every gesture into a new mix
emitted as `edited(mix, undo_text, merge_key)`; it never changes the model itself.
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from app.errors import show_error
from app.palette import mixing
from app.palette.au_grid import AUGrid
from app.palette.hexagon import HexagonPicker
from app.palette.pose import PoseControls
from app.palette.presets import PresetBox
from app.palette.prompt import PromptBox
from app.palette.rest import RestBox
from app.palette.sliders import ExpertSliders
from app.ui_constants import PALETTE_MIN_WIDTH
from app.workers import Worker
from core.emotions import EMOTIONS
from core.mix import EmotionMix


def _group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for w in widgets:
        layout.addWidget(w)
    return box


class PalettePanel(QWidget):
    edited = Signal(object, str, object)  # EmotionMix, undo text, merge key (str | None)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.mix = EmotionMix()
        self._prompt_worker: Worker | None = None
        self.sliders = ExpertSliders()
        self.hexagon = HexagonPicker()
        self.presets = PresetBox()
        self.prompt = PromptBox()
        self.au_grid = AUGrid()
        self.rest = RestBox()
        self.pose = PoseControls()
        self._connect()
        self._layout()

    def _layout(self) -> None:
        picker = QWidget()
        row = QHBoxLayout(picker)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.hexagon, 1)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(_group("Experts (global gate g)", self.sliders, self.rest))
        layout.addWidget(_group("Palette", picker, self.presets))
        layout.addWidget(_group("Text condition", self.prompt))
        aus = _group("Action Units", self.au_grid)
        aus.setToolTip("Click an AU: off (the mix decides) → forced on → muted; "
                       "the bar shows what the mix itself makes")
        layout.addWidget(aus)
        pose = _group("Head and gaze", self.pose)
        pose.setToolTip("Degrees, added to the emotion's own posture and the speech motion")
        layout.addWidget(pose)
        layout.addStretch(1)
        # Laptop-sized (issue 14): the panel never asks for more than PALETTE_MIN_WIDTH; the AU
        # grid reflows to fewer columns, and anything wider scrolls instead of widening the window.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setMinimumWidth(PALETTE_MIN_WIDTH)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _connect(self) -> None:
        s = self.sliders
        s.weightEdited.connect(lambda i, v: self._emit(
            mixing.set_weight(self.mix, i, v), f"Set {EMOTIONS[i]}", f"weight:{i}"))
        s.modeEdited.connect(lambda m: self._emit(mixing.set_mode(self.mix, m), f"Mode {m}"))
        s.intensityEdited.connect(lambda v: self._emit(
            replace(self.mix, intensity=v), "Master intensity", "intensity"))
        self.hexagon.weightsPicked.connect(lambda w: self._emit(
            mixing.pick(self.mix, w), "Palette pick", "hexagon"))
        self.presets.presetChosen.connect(lambda n: self._emit(
            mixing.apply_preset(self.mix, n), f"Preset {n}"))
        self.au_grid.auEdited.connect(lambda au, v: self._emit(
            mixing.set_au(self.mix, au, v), f"AU{au}", f"au:{au}"))
        self.pose.poseEdited.connect(lambda head, gaze, axis: self._emit(
            replace(self.mix, head=head, gaze=gaze), f"Head/gaze {axis}", f"pose:{axis}"))
        self.prompt.promptApplied.connect(self._prompt)
        self.rest.neutralizeToggled.connect(lambda v: self._emit(
            replace(self.mix, neutralize=v), "Neutralize rest"))
        self.prompt.overrideToggled.connect(lambda on: self._emit(
            replace(self.mix, gate_override=on), "Gating override"))

    def _prompt(self, text: str) -> None:
        """Map the text in a worker (the text encoder may load for seconds)."""
        if not text:
            self.prompt.show_note(None)
            self._emit(mixing.with_prompt(self.mix, "", None), "Clear text condition")
            return
        if self._prompt_worker is not None:
            self._prompt_worker.cancel()
        self.prompt.apply.setEnabled(False)
        worker = Worker(mixing.prompt_gates, text)
        token = worker.token  # not the worker: its own signals must not keep it alive
        worker.returned.connect(lambda r: self._prompt_read(token, text, *r))
        worker.errored.connect(lambda e: self._prompt_failed(token, e))
        worker.finished.connect(lambda: self._prompt_idle(token))
        self._prompt_worker = worker.start()

    def _current_prompt(self, token) -> bool:
        """Whether `token` is the latest text's worker (an earlier one's late answer is dropped)."""
        return self._prompt_worker is not None and self._prompt_worker.token is token

    def _prompt_idle(self, token) -> None:
        if self._current_prompt(token):
            self.prompt.apply.setEnabled(True)

    def _prompt_read(self, token, text: str, gates, note: str | None) -> None:
        if not self._current_prompt(token):
            return
        # Apply is enabled again before the mix changes: whoever sees the new mix can apply more
        self._prompt_idle(token)
        self.prompt.show_note(note)
        self._emit(mixing.with_prompt(self.mix, text, gates), "Text condition")

    def _prompt_failed(self, token, error: BaseException) -> None:
        if self._current_prompt(token):
            self._prompt_idle(token)
            show_error(self, "Text condition", error)

    def _emit(self, mix: EmotionMix, text: str, merge_key: str | None = None) -> None:
        if mix != self.mix:
            self.edited.emit(mix, text, merge_key)

    def show_mix(self, mix: EmotionMix) -> None:
        self.mix = mix
        self.sliders.show_mix(mix)
        self.hexagon.show_weights(mix.weights, mix.mode == "normalized")
        self.presets.show_label(mixing.shown_preset(mix), custom=any(mix.weights))
        self.prompt.show_mix(mix)
        self.au_grid.show_mix(mix)
        self.rest.show_mix(mix)
        self.pose.show_mix(mix)
