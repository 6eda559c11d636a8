"""Undo/redo for palette and key edits: each command sets the project's mix or keyframes;
slider drags merge."""
from __future__ import annotations

import time

from PySide6.QtGui import QUndoCommand

from app.ui_constants import UNDO_MERGE_WINDOW_S
from core.mix import EmotionMix
from core.project import Project


class _ReplaceCommand(QUndoCommand):
    """Replace one part of the project (`_apply` sets it). Commands of the same class with the
    same `merge_key` pushed within UNDO_MERGE_WINDOW_S of each other merge, so a slider drag is
    one undo step."""

    command_id = -1

    def __init__(self, project: Project, old, new, text: str, merge_key: str | None):
        super().__init__(text)
        self.project = project
        self.old = old
        self.new = new
        self.merge_key = merge_key
        self.when = time.monotonic()

    def _apply(self, value) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)

    def id(self) -> int:
        return self.command_id if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if type(other) is not type(self) or other.merge_key != self.merge_key:
            return False
        if other.when - self.when > UNDO_MERGE_WINDOW_S:
            return False
        self.new, self.when = other.new, other.when
        return True


class SetMixCommand(_ReplaceCommand):
    """Replace the project's mix."""

    command_id = 1001

    def __init__(self, project: Project, new: EmotionMix, text: str, merge_key: str | None = None):
        super().__init__(project, project.mix, new, text, merge_key)

    def _apply(self, value: EmotionMix) -> None:
        self.project.set_mix(value)


class SetKeysCommand(_ReplaceCommand):
    """Replace the project's keyframes (the list KeyTrack.to_project() writes). Edits of the
    selected key's mix from one palette control merge like SetMixCommand's."""

    command_id = 1002

    def __init__(self, project: Project, new: list[dict], text: str,
                 merge_key: str | None = None, keys: tuple | None = None):
        """keys: the track `new` reads as (KeyTrack.keys), so the key editor need not parse it."""
        super().__init__(project, ([dict(k) for k in project.keyframes], project.parsed_keys()),
                         (new, keys), text, merge_key)

    def _apply(self, value: tuple[list[dict], tuple | None]) -> None:
        self.project.set_keyframes(*value)
