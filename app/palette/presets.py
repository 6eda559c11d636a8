"""Preset picker: basic emotions, the MoEE paper's four compounds, Du et al.'s other compounds."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QStandardItem
from PySide6.QtWidgets import QComboBox, QWidget

from app.palette.mixing import BASIC_PRESETS, DU_COMPOUNDS, PAPER_COMPOUNDS
from core.emotions import COMPOUND_PRESETS

PLACEHOLDER = "Preset…"
CUSTOM = "Custom"  # shown once the sliders moved away from the chosen preset


class PresetBox(QComboBox):
    presetChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("presets")
        self.addItem(PLACEHOLDER)
        self._add_group("Basic emotions", BASIC_PRESETS)
        self._add_group("MoEE paper compounds", PAPER_COMPOUNDS)
        self._add_group("Du et al. 2014 compounds", DU_COMPOUNDS)
        self.setToolTip("Sets the expert weights and, for compounds, forces their core AUs "
                        "(Du, Tao & Martinez 2014, Table 1)")
        self.activated.connect(self._chosen)

    def _add_group(self, title: str, names) -> None:
        header = QStandardItem(f"— {title} —")
        header.setEnabled(False)
        self.model().appendRow(header)
        for name in names:
            self.addItem(name, name)
            if name in COMPOUND_PRESETS:
                p = COMPOUND_PRESETS[name]
                weights = ", ".join(f"{k} {v:.2f}" for k, v in p.gates.items())
                aus = " ".join(f"AU{a}" for a in p.core_aus)
                self.setItemData(self.count() - 1, f"{weights}\ncore AUs: {aus}",
                                 Qt.ItemDataRole.ToolTipRole)

    def names(self) -> list[str]:
        return [self.itemData(i) for i in range(self.count()) if self.itemData(i)]

    def choose(self, name: str) -> None:
        """Select a preset as if the user picked it."""
        index = self.findData(name)
        if index < 0:
            raise ValueError(name)
        self.setCurrentIndex(index)
        self._chosen(index)

    def _chosen(self, index: int) -> None:
        name = self.itemData(index)
        if name:
            self.presetChosen.emit(name)

    def show_label(self, label: str, custom: bool = False) -> None:
        """label: the preset the mix still is ("" none); custom: a mix that is no preset."""
        with QSignalBlocker(self):
            index = self.findData(label) if label else 0
            self.setItemText(0, CUSTOM if custom and index <= 0 else PLACEHOLDER)
            self.setCurrentIndex(index if index >= 0 else 0)
