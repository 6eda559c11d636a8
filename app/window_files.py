"""What the main window opens and saves (a mixin of MainWindow): portraits and voices (menu,
drag-and-drop, recent files, microphone), and projects with their "unsaved changes" prompt."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app.errors import ask_save_changes, show_error
from app.session import LoadedAudio, LoadedPortrait
from app.ui_constants import APP_NAME, AUDIO_RATE, SAMPLE_VOICE
from core.project import PROJECT_SUFFIX, Project, load_project, save_project

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aiff", ".aif"}
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)) + ")"
AUDIO_FILTER = "Audio (" + " ".join(f"*{s}" for s in sorted(AUDIO_SUFFIXES)) + ")"
PROJECT_FILTER = f"MoEE project (*{PROJECT_SUFFIX} *.json)"


class WindowFiles:
    # ----- media
    def _load_project_media(self) -> None:
        loaded = self.session.portrait
        if loaded is None or loaded.path != self.project.portrait_path:
            self.session.load_portrait(self.project.portrait_path)
        audio = self.session.audio
        if (audio.path if audio else None) != self.project.audio_path:
            self.session.load_audio(self.project.audio_path)

    def _portrait_ready(self, portrait: LoadedPortrait) -> None:
        self._status("portrait", portrait.name)
        if portrait.path:
            self.settings.add_recent("portrait", portrait.path)
        if portrait.path != self.project.portrait_path:
            self.project.set_media(portrait_path=portrait.path)
        self.request_preview()

    def _audio_ready(self, audio: LoadedAudio | None) -> None:
        self.playback.pause()
        if audio is None:
            self.playback.player.load(None, AUDIO_RATE)
            self.audio_strip.set_audio(None, AUDIO_RATE, self.session.duration)
            self._status("audio", "no audio")
        else:
            track = audio.track
            self.playback.player.load(track.samples, track.sample_rate)
            self.audio_strip.set_audio(track.samples, track.sample_rate, track.duration)
            self._status("audio", audio.name)
            if Path(audio.path).resolve() != SAMPLE_VOICE.resolve():
                self.settings.add_recent("audio", audio.path)
            if audio.path != self.project.audio_path:
                self.project.set_media(audio_path=audio.path)
        self.preview.set_duration(self.session.duration)
        self.keys.discard_proposals()
        self._refresh_gates()
        self.seek(min(self.playback.t, self.session.duration))

    def _engine_ready(self, info: dict) -> None:
        self._status("engine", f"engine: {info.get('engine', '?')}")
        self._status("device", info.get("device", "?"))

    def open_portrait(self, path: str) -> None:
        self.session.load_portrait(path)

    def open_audio(self, path: str) -> None:
        self.session.load_audio(path)

    def open_portrait_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open portrait", self._last_dir(), IMAGE_FILTER)
        if path:
            self._remember_dir(path)
            self.open_portrait(path)

    def open_audio_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open voice", self._last_dir(), AUDIO_FILTER)
        if path:
            self._remember_dir(path)
            self.open_audio(path)

    def use_samples(self) -> None:
        self.session.load_portrait(None)
        if SAMPLE_VOICE.exists():
            self.session.load_audio(str(SAMPLE_VOICE))

    def open_path(self, path: str) -> None:
        """Open whatever a path is: a portrait, a voice or a project (drag-and-drop, recent)."""
        suffix = Path(path).suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            self.open_portrait(path)
        elif suffix in AUDIO_SUFFIXES:
            self.open_audio(path)
        elif suffix == ".json":
            self.open_project(path)
        else:
            show_error(self, "Cannot open this file",
                       f"{Path(path).name} is not a portrait image, a voice recording or a "
                       "MoEE project.")

    def toggle_recording(self) -> None:
        try:
            if not self.recorder.recording:
                self.recorder.start()
                self.record_action.setText("Stop &recording")
                self._status_message("Recording… press Ctrl+R again to stop.")
            else:
                self.record_action.setText("&Record a voice take")
                self.open_audio(str(self.recorder.stop()))
        except Exception as e:
            self.record_action.setText("&Record a voice take")
            show_error(self, "Cannot record", e)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for kind in ("project", "portrait", "audio"):
            for path in self.settings.recent(kind):
                self.recent_menu.addAction(f"{kind}: {Path(path).name}",
                                           lambda p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(nothing yet)").setEnabled(False)

    def _last_dir(self) -> str:
        return self.settings.value("last_dir", str(Path.home()))

    def _remember_dir(self, path: str) -> None:
        self.settings.set_value("last_dir", str(Path(path).parent))

    # ----- drag and drop
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_path(url.toLocalFile())
        event.acceptProposedAction()

    # ----- projects
    def new_project(self) -> None:
        if not self._may_discard():
            return
        self.project.replace_with(Project(audio_path=self.project.audio_path))
        self.undo_stack.clear()

    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._last_dir(), PROJECT_FILTER)
        if path:
            self.open_project(path)

    def open_project(self, path: str) -> bool:
        if not self._may_discard():
            return False
        try:
            loaded = load_project(path)
        except Exception as e:
            show_error(self, "Cannot open the project", e)
            return False
        self.project.replace_with(loaded)
        self.undo_stack.clear()
        self.settings.add_recent("project", path)
        return True

    def save_project(self) -> bool:
        if not self.project.file_path:
            return self.save_project_as()
        return self._save_to(self.project.file_path)

    def save_project_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save project", self._last_dir(), PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(".json"):
            path += PROJECT_SUFFIX
        return self._save_to(path)

    def _save_to(self, path: str) -> bool:
        try:
            save_project(self.project, path)
        except Exception as e:  # disk full, permission: the project stays open and unsaved
            show_error(self, "Cannot save the project", e)
            return False
        self.settings.add_recent("project", path)
        self.undo_stack.setClean()
        self._status_message(f"Saved {Path(path).name}")
        return True

    def _may_discard(self) -> bool:
        if not self.project.dirty:
            return True
        answer = ask_save_changes(self)
        if answer == "save":
            return self.save_project()
        return answer == "discard"

    def _update_title(self) -> None:
        name = Path(self.project.file_path).name if self.project.file_path else "untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.project.dirty)
