"""The main window's menus and shortcuts (a mixin of MainWindow): File, Edit (undo, solo 1-6,
neutral 0), Keys, Playback (Space, live mode), View (docks, engine), Help."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from app.help_menu import build_help_menu
from app.palette import mixing
from core.emotions import EMOTIONS


class WindowMenus:
    def _action(self, menu, text: str, slot, shortcut=None, name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        if name:
            action.setObjectName(name)
        if menu is not None:
            menu.addAction(action)
        else:
            self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self._action(f, "Open &portrait…", self.open_portrait_dialog, "Ctrl+O")
        self._action(f, "Open &voice…", self.open_audio_dialog, "Ctrl+Shift+O")
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.record_action = self._action(f, "&Record a voice take", self.toggle_recording, "Ctrl+R")
        self._action(f, "Use the &sample portrait and voice", self.use_samples)
        self.frame_action = self._action(f, "&Frame the face", self.set_frame, None,
                                         "frameFaceAction")
        self.frame_action.setCheckable(True)
        self.frame_action.setToolTip("Show a square around the face instead of the whole "
                                     "picture (for a face small in a wide photo)")
        f.addSeparator()
        self._action(f, "&New project", self.new_project, QKeySequence.StandardKey.New)
        self._action(f, "Open pro&ject…", self.open_project_dialog, "Ctrl+Shift+P")
        self._action(f, "&Save project", self.save_project, QKeySequence.StandardKey.Save)
        self._action(f, "Save project &as…", self.save_project_as, QKeySequence.StandardKey.SaveAs)
        f.addSeparator()
        self.export_action = self._action(f, "&Export video…", self.open_export, "Ctrl+E")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        e = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence.StandardKey.Redo, QKeySequence("Ctrl+Y")])
        e.addActions([undo, redo])
        e.addSeparator()
        for i, name in enumerate(EMOTIONS):
            self._action(e, f"Solo {name}", lambda _=False, i=i: self.solo(i), str(i + 1))
        self._action(e, "Neutral", lambda: self.apply_mix(
            mixing.apply_preset(self._palette_mix(), "neutral"), "Neutral"), "0")
        self._build_keys_menu(bar.addMenu("&Keys"))
        p = bar.addMenu("&Playback")
        self.play_action = self._action(p, "&Play / pause", self.playback_toggle, "Space")
        p.addSeparator()
        self.live_action = self._action(p, "&Live mode (microphone)", self.toggle_live, "Ctrl+L",
                                        "liveAction")
        self.live_action.setCheckable(True)
        v = bar.addMenu("&View")
        v.addAction(self.palette_dock.toggleViewAction())
        v.addAction(self.audio_dock.toggleViewAction())
        self._build_engine_menu(v.addMenu("&Engine"))
        build_help_menu(self, bar.addMenu("&Help"))

    def _build_keys_menu(self, k) -> None:
        self._action(k, "&Add key at the playhead", self.add_key, "K", "addKeyAction")
        self._action(k, "&Delete key", self.keys.delete, QKeySequence.StandardKey.Delete,
                     "deleteKeyAction")
        self._action(k, "&Copy key", self.keys.copy, QKeySequence.StandardKey.Copy)
        self._action(k, "&Paste key at the playhead", lambda: self.keys.paste(self.playback.t),
                     QKeySequence.StandardKey.Paste)
        self._action(k, "D&eselect key", lambda: self.select_key(None), "Esc")
        k.addSeparator()
        self._action(k, "A&uto keys from the voice", self.propose_keys)
        k.addSeparator()
        self._action(k, "&Import keys from a file…", self.import_keys_dialog)
        self._action(k, "E&xport keys to a file…", self.export_keys_dialog)
