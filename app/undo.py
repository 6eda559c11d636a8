"""Undo/redo for palette and key edits: each command sets the project's mix or keyframes;
slider drags merge."""
from __future__ import annotations

import time

from PySide6.QtGui import QUndoCommand

from app.ui_constants import UNDO_MERGE_WINDOW_S
from core.mix import EmotionMix
from core.project import Project

_MIX_COMMAND_ID = 1001


class SetMixCommand(QUndoCommand):
    """Replace the project's mix. Commands with the same `merge_key` pushed within
    UNDO_MERGE_WINDOW_S of each other merge, so a slider drag is one undo step."""

    def __init__(self, project: Project, new: EmotionMix, text: str, merge_key: str | None = None):
        super().__init__(text)
        self.project = project
        self.old = project.mix
        self.new = new
        self.merge_key = merge_key
        self.when = time.monotonic()

    def redo(self) -> None:
        self.project.set_mix(self.new)

    def undo(self) -> None:
        self.project.set_mix(self.old)

    def id(self) -> int:
        return _MIX_COMMAND_ID if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetMixCommand) or other.merge_key != self.merge_key:
            return False
        if other.when - self.when > UNDO_MERGE_WINDOW_S:
            return False
        self.new, self.when = other.new, other.when
        return True


_KEYS_COMMAND_ID = 1002


class SetKeysCommand(QUndoCommand):
    """Replace the project's keyframes (the list KeyTrack.to_project() writes). Edits of the
    selected key's mix from one palette control merge like SetMixCommand's."""

    def __init__(self, project: Project, new: list[dict], text: str,
                 merge_key: str | None = None):
        super().__init__(text)
        self.project = project
        self.old = [dict(k) for k in project.keyframes]
        self.new = new
        self.merge_key = merge_key
        self.when = time.monotonic()

    def redo(self) -> None:
        self.project.set_keyframes(self.new)

    def undo(self) -> None:
        self.project.set_keyframes(self.old)

    def id(self) -> int:
        return _KEYS_COMMAND_ID if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetKeysCommand) or other.merge_key != self.merge_key:
            return False
        if other.when - self.when > UNDO_MERGE_WINDOW_S:
            return False
        self.new, self.when = other.new, other.when
        return True
