"""The row of key controls above the audio strip: add, delete, easing of the selected key, and
auto keys (propose from the voice, then accept all or discard)."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QSize, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

from app.elided_label import ElidedLabel
from app.two_rows import TwoRowBar
from core.keyframes import EASINGS

KEYS_HELP = ("Keys: the emotion changes along the take.\n"
             "K (or Add key) stores the palette's mix at the playhead.\n"
             "The selected key (thick marker, ▶) is the one under the playhead: click a key to "
             "jump there; the palette then shows its mix and palette edits change that key.\n"
             "Move the playhead off it (or click the waveform, or Esc) to deselect; palette edits "
             "then set the mix new keys start from.\n"
             "Drag a key to move it; Delete removes the selected key; Ctrl+C / Ctrl+V copy it to "
             "the playhead.")


class KeyBar(TwoRowBar):
    addClicked = Signal()
    deleteClicked = Signal()
    easingChosen = Signal(str)
    autoClicked = Signal()
    acceptClicked = Signal()
    discardClicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.add = self._button("Add key", "Store the palette's mix at the playhead (K)",
                                self.addClicked)
        self.delete = self._button("Delete", "Delete the selected key (Delete)", self.deleteClicked)
        self.easing = QComboBox()
        self.easing.setObjectName("keyEasing")
        self.easing.addItems(list(EASINGS))
        self.easing.setToolTip("How the emotion moves from the selected key to the next one")
        self.easing.currentTextChanged.connect(self.easingChosen)
        self.auto = self._button("Auto keys", "Propose keys from the emotion in the voice",
                                 self.autoClicked)
        self.accept = self._button("Accept all", "Turn the proposed (dashed) keys into keys",
                                   self.acceptClicked)
        self.discard = self._button("Discard", "Forget the proposed keys", self.discardClicked)
        self.info = ElidedLabel("", tooltip_text=False)
        self.info.setObjectName("keyInfo")
        self.setToolTip(KEYS_HELP)
        # one row where it fits, else the auto-key buttons on a second one: the row asked for
        # 601 px, and with the palette the window for 1007, over a laptop's 911 or 853 px at
        # 150% (1366x768, 1280x720), the palette's values and scroll bar past the screen's edge
        self._keys = (self.add, self.delete, QLabel("easing"), self.easing)
        self._proposals = (self.auto, self.accept, self.discard)
        self.layout().setContentsMargins(4, 2, 4, 0)
        self.layout().setSpacing(2)
        self._arrange(1)
        self.show_selection(None, 0)
        self.show_proposals(0, busy=False)

    def _place(self, rows: int) -> None:
        for w in self._keys + (self._proposals if rows == 1 else ()):
            self.top.addWidget(w)
        self.top.addWidget(self.info, 1)
        if rows == 2:
            for w in self._proposals:
                self.bottom.addWidget(w)
            self.bottom.addStretch(1)

    def one_row_width(self) -> int:
        m = self.layout().contentsMargins()
        return (self._width_of(self._keys + self._proposals) + m.left() + m.right()
                + self.info.minimumSizeHint().width())

    def minimumSizeHint(self) -> QSize:
        """The two-row width: the narrowest the bar can be with every button whole."""
        m = self.layout().contentsMargins()
        width = (max(self._width_of(self._keys) + self.info.minimumSizeHint().width(),
                     self._width_of(self._proposals)) + m.left() + m.right())
        return QSize(width, super().minimumSizeHint().height())

    def _button(self, text: str, tip: str, signal) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName("key" + text.replace(" ", ""))
        button.setToolTip(tip)
        button.clicked.connect(signal)
        return button

    def show_selection(self, key, count: int) -> None:
        """key: the selected core.keyframes.Key or None; count: keys in the take."""
        self.delete.setEnabled(key is not None)
        self.easing.setEnabled(key is not None)
        if key is not None:
            with QSignalBlocker(self.easing):
                self.easing.setCurrentText(key.easing)
            self.info.setText(f"key at {key.time:.2f} s selected: the palette edits it")
        else:
            self.info.setText(f"{count} key{'s' if count != 1 else ''} · palette sets new keys"
                              if count else "no keys: one emotion for the whole take")
        # the line elides on a narrow window ("key at 1.23 s sel…"): whole above the help
        self.info.setToolTip(f"{self.info.text()}\n\n{KEYS_HELP}")

    def show_proposals(self, count: int, busy: bool) -> None:
        self.auto.setEnabled(not busy)
        self.auto.setText("Listening…" if busy else "Auto keys")
        self.accept.setEnabled(count > 0)
        self.discard.setEnabled(count > 0)
        self.accept.setText(f"Accept all ({count})" if count else "Accept all")
        self.fit()  # a longer label may not fit one row any more
