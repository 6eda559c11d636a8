"""Keys of the take (emotion over time) between the project and the audio strip.

The project stores keys as KeyTrack.to_project() dicts; this editor keeps a KeyTrack built from
them (rebuilt on every change, never mutated, so render threads can hold it) and turns each edit
into a SetKeysCommand on the undo stack. It also holds the selection, the copied key and the
proposals of "Auto keys" (computed in a worker). Rule for the palette: while a key is selected,
palette edits change that key; with none selected they change the project's own mix.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.undo import SetKeysCommand
from app.workers import Worker
from core.errors import InputError
from core.keyframes import Key, KeyTrack, propose_keys
from core.mix import EmotionMix
from core.project import CHANGE_KEYFRAMES, Project


class KeyEditor(QObject):
    keysChanged = Signal()  # the project's keys changed (edit, undo, open)
    selectionChanged = Signal()
    proposalsChanged = Signal()
    failed = Signal(str, object)  # title, exception

    def __init__(self, project: Project, undo_stack: QUndoStack, parent: QObject | None = None):
        super().__init__(parent)
        self.project, self.undo_stack = project, undo_stack
        self.track = KeyTrack()
        self.selected: int | None = None
        self.clipboard: Key | None = None
        self.proposals: list[Key] = []
        self._worker: Worker | None = None
        project.subscribe(self._on_project_changed)
        self.reload()

    # ----- reading
    def reload(self) -> None:
        try:
            self.track = self.project.key_track()
        except InputError as e:  # an unreadable key list renders as "no keys", file untouched
            self.track = KeyTrack()
            self.failed.emit("Cannot read the keys", e)
        if self.selected is not None and self.selected >= len(self.track):
            self.selected = None
        self.keysChanged.emit()

    def _on_project_changed(self, what: str) -> None:
        if what == CHANGE_KEYFRAMES:
            self.reload()

    def render_track(self) -> KeyTrack | None:
        """What RenderJob.keys gets: the track when the take has keys, else None."""
        return self.track if len(self.track) else None

    def selected_key(self) -> Key | None:
        return None if self.selected is None else self.track.keys[self.selected]

    # ----- selection and clipboard
    def select(self, index: int | None) -> None:
        if index is not None and not 0 <= index < len(self.track):
            index = None
        if index != self.selected:
            self.selected = index
            self.selectionChanged.emit()

    def copy(self) -> bool:
        key = self.selected_key()
        if key is not None:
            self.clipboard = key
        return key is not None

    # ----- edits (each one undo step)
    def add(self, time: float, mix: EmotionMix) -> None:
        self._edit("Add key", lambda t: t.add(Key(max(0.0, time), mix)))

    def move(self, index: int, time: float) -> None:
        if 0 <= index < len(self.track) and abs(self.track.keys[index].time - time) > 1e-6:
            self._edit("Move key", lambda t: t.move(index, time))
        else:
            self.select(index)
            self.keysChanged.emit()  # a drag that did not move: put the marker back

    def delete(self) -> None:
        if self.selected is not None:
            index = self.selected
            self._edit("Delete key", lambda t: (t.delete(index), None)[1])

    def paste(self, time: float) -> None:
        if self.clipboard is not None:
            key = self.clipboard
            self._edit("Paste key", lambda t: t.paste(key, time))

    def set_easing(self, easing: str) -> None:
        key = self.selected_key()
        if key is not None and key.easing != easing:
            index = self.selected
            self._edit(f"Easing {easing}", lambda t: t.replace(index, easing=easing))

    def set_mix(self, mix: EmotionMix, text: str, merge_key: str | None = None) -> None:
        """A palette edit while a key is selected changes that key."""
        index = self.selected
        if index is not None and mix != self.track.keys[index].mix:
            self._edit(f"{text} (key)", lambda t: t.replace(index, mix=mix),
                       f"key{index}:{merge_key}" if merge_key else None)

    def _edit(self, text: str, change: Callable[[KeyTrack], int | None],
              merge_key: str | None = None) -> None:
        track = KeyTrack(self.track.keys)
        self.selected = change(track)
        self.undo_stack.push(SetKeysCommand(self.project, track.to_project(), text, merge_key,
                                            track.keys))
        self.selectionChanged.emit()

    # ----- auto keys
    def propose(self, audio) -> Worker | None:
        """Run propose_keys on the take in a worker; the result becomes `proposals`."""
        if audio is None:
            self.failed.emit("Auto keys", InputError("Load a voice first: auto keys listen to it."))
            return None
        if self._worker is not None:
            self._worker.cancel()
        worker = Worker(propose_keys, audio)
        worker.returned.connect(lambda keys, w=worker: self._proposed(w, keys))
        worker.errored.connect(lambda e: self.failed.emit("Auto keys", e))
        worker.finished.connect(lambda w=worker: self._worker_done(w))
        self._worker = worker
        self.proposalsChanged.emit()
        return worker.start()

    @property
    def proposing(self) -> bool:
        return self._worker is not None

    def _proposed(self, worker: Worker, keys: list[Key]) -> None:
        if worker is self._worker and not worker.cancelled:
            self.proposals = list(keys)
            if not keys:
                self.failed.emit("Auto keys", InputError(
                    "No voiced speech found: there is no emotion to propose keys from."))

    def _worker_done(self, worker: Worker) -> None:
        if worker is self._worker:
            self._worker = None
            self.proposalsChanged.emit()

    def accept_proposals(self) -> None:
        keys, self.proposals = self.proposals, []
        if keys:
            self._edit(f"Accept {len(keys)} auto keys",
                       lambda t: ([t.add(k) for k in keys], None)[1])
        self.proposalsChanged.emit()

    def discard_proposals(self) -> None:
        """Also drops a search still running: its keys were heard in a voice no longer loaded
        (or the user said no to them already)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        self.proposals = []
        self.proposalsChanged.emit()
