"""What the main window opens and saves (a mixin of MainWindow): portraits and voices (menu,
drag-and-drop, recent files, microphone), key files, and projects with their "unsaved changes"
prompt. Each kind of file dialog starts in the folder that kind was last taken from."""
from __future__ import annotations

import errno
from pathlib import Path

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QFileDialog

from app.errors import (ask_missing_portrait, ask_missing_voice, ask_overwrite_changed,
                        ask_save_changes, ask_take_folder, show_error, user_message)
from app.save_path import ask_save_path
from app.session import LoadedAudio, LoadedPortrait
from app.path_text import local_path, real_path, shown_name
from app.ui_constants import APP_NAME, AUDIO_RATE, RECORD_MAX_S, SAMPLE_VOICE
from app.undo import SetKeysCommand
from core.errors import ExportError, InputError
from core.keyframes import load_keys, save_keys
from core.project import (PROJECT_SUFFIX, Project, changed_on_disk, load_project,
                          save_project)

# What the loaders read (core/face/image_io.py: Pillow, a GIF's first frame; core/audio/io.py:
# libsndfile, else ffmpeg), as `render --portrait/--audio` takes them: voice notes in Opus
# (WhatsApp .opus, Telegram .oga), AAC, and the sound of a video
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif"}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aiff",
                  ".aif", ".mp4", ".mov", ".webm", ".mkv"}
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)) + ")"
AUDIO_FILTER = "Audio (" + " ".join(f"*{s}" for s in sorted(AUDIO_SUFFIXES)) + ")"
PROJECT_FILTER = f"MoEE project (*{PROJECT_SUFFIX} *.json)"
KEYS_FILTER = "MoEE keys (*.json)"  # what `main.py render --keys take.json` reads


def _present(path: str) -> bool:
    """Whether a project's portrait may be there: one whose name is longer than this file
    system takes (a project made on another system) is missing; one behind a folder that may
    not be searched is left to the loader, which says so."""
    try:
        return Path(path).exists()
    except OSError as e:
        return e.errno != errno.ENAMETOOLONG


class WindowFiles:
    # ----- media
    def _load_project_media(self) -> None:
        """The project's portrait (framed as it says) and voice, each loaded unless it is the
        one shown or asked for already. The project's portrait path lags a load under way (it
        is set when that one is ready): while it still names the one shown, the portrait asked
        for is the one wanted, so File > Frame the face during a load re-frames that one."""
        loaded, wanted = self.session.portrait, self.session.wanted
        path = self.project.portrait_path
        if wanted is not None and path == (loaded.path if loaded else None):
            path = wanted[0]
        self.session.frame = self.project.portrait_frame
        with QSignalBlocker(self.frame_action):
            self.frame_action.setChecked(self.session.frame == "face")
        if path is not None and not _present(path):
            self._drop_portrait(f"portrait missing: {Path(path).name}")
        elif (path, self.session.frame) != wanted \
                and not self.session.back_to_shown(path, self.session.frame):
            self.session.load_portrait(path)
        audio = self.session.audio
        if self.session.audio_coming(self.project.audio_path):
            return  # the project names the voice under way once it is ready
        path = self.project.audio_path
        if (audio.path if audio else None) != path:
            if audio is not None:  # should this project's voice fail to load, no voice plays,
                self.session.load_audio(None)  # never the previous project's under this one
            if path is None or _present(path):
                self.session.load_audio(path)
            else:  # skipped when asked (or a recovered project's): said, its path kept
                self._status("audio", f"voice missing: {shown_name(path)}")

    def _drop_portrait(self, status: str) -> None:
        self.playback.pause()
        self.session.clear_portrait()
        self.preview.clear()
        self._show_portrait_notes()  # no portrait: nothing to note
        self._status("portrait", status)

    def _portrait_ready(self, portrait: LoadedPortrait) -> None:
        self._status("portrait", portrait.name)
        rest = getattr(getattr(portrait.prepared, "motion", None), "rest", None)
        self.palette.rest.show_rest(rest.label() if rest is not None else "-")
        self._show_portrait_notes()
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
            for text in track.notes:  # a WAV cut short: the take is what the file holds
                self._status_message(f"Note: {text}")
            if Path(audio.path).resolve() != SAMPLE_VOICE.resolve():
                self.settings.add_recent("audio", audio.path)
            if audio.path != self.project.audio_path:
                self.project.set_media(audio_path=audio.path)
        self.preview.set_duration(self.session.duration)
        self.keys.discard_proposals()
        self._refresh_gates()
        self.seek(min(self.playback.t, self.session.duration))

    def _engine_ready(self, info: dict) -> None:
        """The engine's name and device; when it renders far slower than real time here (the
        diffusion engine off a GPU), how slow, in its field and in the status bar: the preview
        stopped updating for minutes with no word why."""
        speed = info.get("speed")
        engine = f"engine: {info.get('engine', '?')}"
        self._status("engine", engine if speed is None else f"{engine} ({speed})")
        self.status_labels["engine"].setToolTip(speed or "")
        bar, shown = self.statusBar(), self._speed_shown
        if speed is not None:
            bar.showMessage(speed)  # until the engine changes: not gone in 5 s
        elif shown is not None and bar.currentMessage() == shown:
            bar.clearMessage()  # back on the rig: no word of the diffusion engine's speed
        self._speed_shown = speed
        self.settings.set_value("engine", self.session.engine_name)
        self._show_engine_checked()
        self._status("device", info.get("device", "?"))
        self._refresh_gates()  # the curve shows what this engine renders

    def _show_portrait_notes(self) -> None:
        """Several faces (the largest is animated), a face small in the video at the export's
        size: under the rest row while this portrait is loaded (a status-bar message was cut
        off at 1280 px); again when the export size changes."""
        from core.face.framing import portrait_notes
        portrait = self.session.portrait
        self.palette.rest.show_notes([] if portrait is None else portrait_notes(
            portrait.prepared, self.project.export.size,
            "tick File > Frame the face, or export at a larger size"))

    def set_frame(self, face: bool) -> None:
        """File > Frame the face: the video shows a square around the face, or the picture."""
        self.project.set_media(portrait_frame="face" if face else "picture")

    def open_portrait(self, path: str) -> None:
        self.session.load_portrait(path)

    def open_audio(self, path: str) -> None:
        self.session.load_audio(path)

    def _chosen(self, path: str) -> str:
        """A path a file dialog or a drop gave, as the file system names it (a name that is
        not UTF-8 came back with U+FFFD: app.path_text.real_path); "" (and why, shown) when
        which file it is cannot be told."""
        try:
            return real_path(path) if path else ""
        except InputError as e:
            show_error(self, "Cannot open this file", e)
            return ""

    def open_portrait_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open portrait",
                                              self.settings.last_dir("portrait"), IMAGE_FILTER)
        if path := self._chosen(path):
            self.settings.remember_dir("portrait", path)
            self.open_portrait(path)

    def open_audio_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open voice", self.settings.last_dir("audio"),
                                              AUDIO_FILTER)
        if path := self._chosen(path):
            self.settings.remember_dir("audio", path)
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
        if self.recorder.recording:
            take = self.stop_take()
            if take is not None:
                self.open_audio(take)
            return
        try:
            self.recorder.start()
            self.record_action.setText("Stop &recording")
            self._status_message("Recording… press Ctrl+R again to stop.")
        except Exception as e:
            show_error(self, "Cannot record", e)

    def stop_take(self) -> str | None:
        """Stop recording and keep the take as a file of its own: its path, or None (and why,
        shown) when it could not be kept."""
        self.record_action.setText("&Record a voice take")
        try:
            take = str(self.recorder.stop())
        except ExportError as e:  # not written (a full disk): the take is held, kept elsewhere
            take = self._keep_take_elsewhere(e)
            if take is None:
                return None
        except Exception as e:
            show_error(self, "Cannot record", e)
            return None
        if self.recorder.cut:
            show_error(self, "The take was cut", f"A take keeps at most "
                       f"{RECORD_MAX_S:.0f} s: what was said after that is not in it.")
        return take

    def _keep_take_elsewhere(self, error: Exception) -> str | None:
        """Ask for another folder for a take that could not be written until one keeps it, or
        the user cancels (then it is dropped, as they chose); its path or None."""
        while True:
            show_error(self, "Cannot keep the take", f"{user_message(error)}. The take is "
                       "still held: choose another folder to keep it in.")
            folder = ask_take_folder(self, self.settings.last_dir("audio"))
            if not folder:
                return None
            try:
                return str(self.recorder.keep(Path(real_path(folder))))
            except (ExportError, InputError) as e:
                error = e

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for kind in ("project", "portrait", "audio"):
            for path in self.settings.recent(kind):
                self.recent_menu.addAction(f"{kind}: {shown_name(path)}",
                                           lambda p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(nothing yet)").setEnabled(False)

    # ----- key files (the take's keys alone, for `main.py render --keys`)
    def import_keys_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import keys", self.settings.last_dir("keys"),
                                              KEYS_FILTER)
        if not (path := self._chosen(path)):
            return
        self.settings.remember_dir("keys", path)
        try:
            track = load_keys(path)
        except Exception as e:
            show_error(self, "Cannot import the keys", e)
            return
        self.keys.select(None)
        self.undo_stack.push(SetKeysCommand(self.project, track.to_project(),
                                            f"Import keys {Path(path).name}", keys=track.keys))

    def export_keys_dialog(self) -> None:
        if not len(self.keys.track):
            show_error(self, "No keys to export", "Add a key first (K stores the palette's mix).")
            return
        name = Path(self.project.file_path or "take").name.removesuffix(".json")
        start = str(Path(self.settings.last_dir("keys")) / f"{Path(name).stem}.keys.json")
        path = ask_save_path(self, "Export keys", start, KEYS_FILTER, ".json")
        if not path:
            return
        self.settings.remember_dir("keys", path)
        try:
            save_keys(self.keys.track, path)
        except Exception as e:
            show_error(self, "Cannot export the keys", e)
            return
        self._status_message(f"Saved keys to {path}")

    # ----- drag and drop
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and (path := self._chosen(local_path(url))):
                self.open_path(path)
        event.acceptProposedAction()

    # ----- projects
    def new_project(self) -> None:
        if not self._may_discard():
            return
        self._replace_project(Project(audio_path=self.project.audio_path))
        self.undo_stack.clear()

    def _replace_project(self, other: Project) -> None:
        """The one door from one project to another (New, Open, a recovered copy): a portrait,
        voice or auto keys still loading for the project before never land in this one."""
        self.session.switch_project()
        self.keys.discard_proposals()
        self.project.replace_with(other)

    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project",
                                              self.settings.last_dir("project"), PROJECT_FILTER)
        if path := self._chosen(path):
            self.settings.remember_dir("project", path)
            self.open_project(path)

    def open_project(self, path: str) -> bool:
        """Open a project, whole or not at all. A missing portrait or voice asks
        Locate…/Skip/Cancel: Locate uses the chosen file (the project is then unsaved: its file
        names another); Skip opens the project without it (nothing of the previous project's
        stays on screen; saving keeps the missing path); Cancel leaves the open project
        untouched."""
        if not self._may_discard():
            return False
        try:
            loaded = load_project(path)
        except Exception as e:
            show_error(self, "Cannot open the project", e)
            return False
        portrait = self._find_media(loaded.portrait_path, "portrait")
        voice = False if portrait is False else self._find_media(loaded.audio_path, "audio")
        if voice is False:
            return False
        if portrait:
            loaded.portrait_path = portrait
        if voice:
            loaded.audio_path = voice
        self._take_over(loaded, unsaved=bool(portrait or voice))
        if portrait or voice:  # unsaved from the start: kept for recovery now, not at the next
            self.autosave.write_now()  # edit
        self.settings.add_recent("project", path)
        return True

    def _take_over(self, other: Project, unsaved: bool) -> None:
        """Show `other` in place of the open project, with a fresh undo history; `unsaved`
        marks it changed since its file (a located portrait, a recovered copy)."""
        if (self.session.portrait is None
                or self.session.portrait.path != other.portrait_path):
            self._drop_portrait("loading portrait…")  # never the previous project's face
        self._replace_project(other)
        if unsaved:
            self.project.dirty = True
            self._update_title()
        self.undo_stack.clear()

    def restore_project(self, recovered: Project) -> None:
        """Take over a project recovered after a crash (app/autosave.py): unsaved, titled as
        the file it was saved to before (if any), its copy kept again from now on."""
        self._take_over(recovered, unsaved=True)
        self.autosave.write_now()
        self._status_message("Recovered the unsaved changes")

    def _find_media(self, missing: str | None, kind: str) -> str | None | bool:
        """A project's portrait or voice (`kind`: "portrait", "audio") at path `missing`: None
        when it is there (or skipped, or the voice is the one loaded, which plays from memory);
        a path: located; False: cancelled."""
        audio = self.session.audio
        if missing is None or _present(missing) or (
                kind == "audio" and audio is not None and audio.path == missing):
            return None
        ask, what, name_filter = (ask_missing_portrait, "portrait", IMAGE_FILTER) \
            if kind == "portrait" else (ask_missing_voice, "voice", AUDIO_FILTER)
        answer = ask(self, missing)
        if answer == "skip":
            return None
        if answer == "locate":
            start = str(Path(missing).parent) if Path(missing).parent.is_dir() else \
                self.settings.last_dir(kind)
            found, _ = QFileDialog.getOpenFileName(self, f"Locate the {what}", start,
                                                   name_filter)
            if found := self._chosen(found):
                self.settings.remember_dir(kind, found)
                return found
        return False

    def save_project(self) -> bool:
        if not self.project.file_path:
            return self.save_project_as()
        if changed_on_disk(self.project):  # another window saved it: never replaced unasked
            answer = ask_overwrite_changed(self, shown_name(self.project.file_path))
            if answer != "overwrite":
                return answer == "save as" and self.save_project_as()
        return self._save_to(self.project.file_path)

    def save_project_as(self) -> bool:
        path = ask_save_path(self, "Save project", self.settings.last_dir("project"),
                             PROJECT_FILTER, PROJECT_SUFFIX, (".json",))
        if not path:
            return False
        self.settings.remember_dir("project", path)
        return self._save_to(path)

    def _save_to(self, path: str) -> bool:
        try:
            save_project(self.project, path)
        except Exception as e:  # disk full, permission: the project stays open and unsaved
            show_error(self, "Cannot save the project", e)
            return False
        self.settings.add_recent("project", path)
        self.undo_stack.setClean()
        self._status_message(f"Saved {shown_name(path)}")
        return True

    def _may_discard(self) -> bool:
        if not self.project.dirty:
            return True
        answer = self._ask_once(ask_save_changes, self)
        if answer == "save":
            return self.save_project()
        return answer == "discard"

    def _ask_once(self, ask, *args) -> str | None:
        """ask(*args)'s answer; None while a question is open already (a second Ctrl-C closing
        the window while it waits): that question decides, not a second one."""
        if getattr(self, "_asking", False):
            return None
        self._asking = True
        try:
            return ask(*args)
        finally:
            self._asking = False

    def _update_title(self) -> None:
        name = shown_name(self.project.file_path) if self.project.file_path else "untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.project.dirty)
