"""The main window: preview (centre), palette (right dock), audio strip (bottom dock), status bar.

Data flow: a palette gesture -> SetMixCommand on the undo stack -> Project.set_mix -> observers ->
the palette shows the mix (signals blocked) and the preview asks for a new frame (newest wins).
Keys (emotion over time, app/key_editor.py) follow the same road with SetKeysCommand; while a key
is selected the palette shows and edits that key. Live mode lives in app/live_mode.py.
"""
from __future__ import annotations

import app.pyside_imports  # noqa: F401  first: it speeds up every import after PySide6's
import os
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow

from app.audio_strip import AudioStrip
from app.autosave import Autosave
from app.elided_label import ElidedLabel
from app.engine_switch import WindowEngines, engine_problem
from app.errors import ask_stop_export, show_error
from app.export_dialog import ExportDialog
from app.frame_renderer import FrameRenderer
from app.gui_gc import GuiThreadGC
from app.icon import app_icon
from app.key_editor import KeyEditor
from app.live_mode import LiveMode
from app.palette import mixing
from app.palette.panel import PalettePanel
from app.playback import Playback
from app.preview import Preview
from app.recorder import VoiceRecorder
from app.screen_fit import fitted_size
from app.session import PORTRAIT_FAILED, Session
from app.settings import AppSettings
from app.stream_menu import install_stream_menu
from app.ui_constants import (APP_NAME, AUDIO_DOCK_HEIGHT, KEY_CLICK_TOLERANCE_S,
                              LATENCY_SAMPLES, ORG_NAME, PALETTE_DOCK_SHARE, PALETTE_DOCK_WIDTH,
                              SAMPLE_VOICE, STATUS_LABEL_MAX_WIDTH, STATUS_MESSAGE_MS, THEME_QSS,
                              WINDOW_SIZE)
from app.undo import SetMixCommand
from app.window_files import WindowFiles
from app.window_menus import WindowMenus
from core.desktop import APP_ID
from core.emotions import EMOTIONS
from core.engine import Engine, Frame
from core.errors import InputError
from core.mix import EmotionMix
from core.project import CHANGE_EXPORT, CHANGE_KEYFRAMES, CHANGE_MEDIA, CHANGE_MIX, Project


class MainWindow(WindowMenus, WindowFiles, WindowEngines, QMainWindow):
    def __init__(self, settings: AppSettings | None = None, engine: Engine | None = None,
                 engine_name: str | None = None, load_samples: bool = True):
        super().__init__()
        self.gc_guard = GuiThreadGC(self).start()  # before any worker runs
        self.settings = settings or AppSettings()
        self.project = Project(audio_path=str(SAMPLE_VOICE) if SAMPLE_VOICE.exists() else None)
        self.undo_stack = QUndoStack(self)
        name = engine_name or self.settings.value("engine", "rig")
        if engine is None and engine_problem(name) is not None:
            name = "rig"  # the saved engine cannot start here (models removed): start on the rig
        self.session = Session(name, engine, self)
        self.renderer = FrameRenderer(self)
        self.playback = Playback(parent=self)
        self.recorder = VoiceRecorder()
        # control change -> frame on screen, the newest LATENCY_SAMPLES
        self.latencies_ms: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self.preview_rid = 0  # the renderer's id of the newest preview request
        self._speed_shown: str | None = None  # the engine's speed line in the status bar
        self.export_dialog: ExportDialog | None = None
        self.hung_up = False  # the terminal closed (SIGHUP): closing asks nothing, keeps the copy
        self._gate_times: np.ndarray | None = None  # the strip's gate curve: times (T,)
        self._gate_rows: np.ndarray | None = None  # and g (T, 6)
        self.keys = KeyEditor(self.project, self.undo_stack, self)
        self.live = LiveMode(parent=self)
        self._build_widgets()
        self._build_menus()
        self._build_status()
        self.stream = install_stream_menu(self)
        self._connect()
        self._restore_layout()
        self.setAcceptDrops(True)
        self.setWindowIcon(app_icon())  # also set app-wide by start_app, for dialogs
        self.project.subscribe(self._on_project_changed)
        self.autosave = Autosave(self.project, self.settings.data_dir() / "recovery", self)
        self.autosave.failed.connect(self._status_message)
        self.autosave.message.connect(self._status_message)
        self.palette.show_mix(self.project.mix)
        self._update_title()
        if load_samples:
            self._load_project_media()

    # ----- construction
    def _build_widgets(self) -> None:
        self.preview = Preview()
        self.setCentralWidget(self.preview)
        self.palette = PalettePanel()
        self.palette_dock = self._dock("Palette", "paletteDock", self.palette,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.audio_strip = AudioStrip()
        self.audio_dock = self._dock("Audio", "audioDock", self.audio_strip,
                                     Qt.DockWidgetArea.BottomDockWidgetArea)
        self.audio_strip.setMinimumHeight(AUDIO_DOCK_HEIGHT)
        # the palette runs the full height; the audio strip sits under the preview only
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resize(*self._first_size())
        palette = min(PALETTE_DOCK_WIDTH, int(self.width() * PALETTE_DOCK_SHARE))
        self.resizeDocks([self.palette_dock], [palette], Qt.Orientation.Horizontal)
        self.resizeDocks([self.audio_dock], [AUDIO_DOCK_HEIGHT], Qt.Orientation.Vertical)

    def _first_size(self) -> tuple[int, int]:
        """WINDOW_SIZE, or the screen's free area when that is smaller (a laptop)."""
        return fitted_size(self, WINDOW_SIZE)

    def _dock(self, title: str, name: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.status_labels: dict[str, QLabel] = {}
        for key in ("engine", "device", "fps", "portrait", "audio"):
            label = ElidedLabel("–")
            label.setMaximumWidth(STATUS_LABEL_MAX_WIDTH)
            label.setObjectName(f"status_{key}")
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
            self.status_labels[key] = label
        self._status("engine", f"engine: {self.session.engine_name}")
        self.rate_timer = QTimer(self)
        self.rate_timer.setInterval(500)
        self.rate_timer.timeout.connect(self._show_rates)
        self.rate_timer.start()

    def _connect(self) -> None:
        self.palette.edited.connect(self.apply_mix)
        self.session.portraitReady.connect(self._portrait_ready)
        self.session.audioReady.connect(self._audio_ready)
        self.session.engineReady.connect(self._engine_ready)
        self.session.failed.connect(self._load_failed)
        self.session.busy.connect(self._show_busy)
        self.renderer.rendered.connect(self._frame_rendered)
        self.renderer.failed.connect(self._preview_failed)
        self.renderer.progressed.connect(self._preview_progressed)
        self.preview.playToggled.connect(self.playback_toggle)
        self.preview.scrubbed.connect(self.seek)
        self.preview.loopToggled.connect(self._loop_toggled)
        self.audio_strip.seeked.connect(self.seek)
        self.audio_strip.rangeChanged.connect(lambda *_: self._update_play_range())
        self.playback.frameShown.connect(self._show_frame)
        self.playback.position.connect(self._position)
        self.playback.stateChanged.connect(self.preview.set_playing)
        self.playback.stateChanged.connect(self._playing_changed)
        self.playback.message.connect(self._status_message)
        self.playback.failed.connect(lambda e: show_error(self, "Playback stopped", e))
        self._connect_keys()
        self.live.stateChanged.connect(self._live_state)
        self.live.failed.connect(lambda title, e: show_error(self, title, e))

    def _connect_keys(self) -> None:
        strip, bar, keys = self.audio_strip, self.audio_strip.keybar, self.keys
        strip.keyClicked.connect(self.select_key)
        strip.keyMoved.connect(self.move_key)
        strip.backgroundClicked.connect(lambda _t: self.select_key(None))
        bar.addClicked.connect(self.add_key)
        bar.deleteClicked.connect(keys.delete)
        bar.easingChosen.connect(keys.set_easing)
        bar.autoClicked.connect(self.propose_keys)
        bar.acceptClicked.connect(keys.accept_proposals)
        bar.discardClicked.connect(keys.discard_proposals)
        keys.keysChanged.connect(self._keys_changed)
        keys.selectionChanged.connect(self._selection_changed)
        keys.proposalsChanged.connect(self._proposals_changed)
        keys.failed.connect(lambda title, e: show_error(self, title, e))

    def _show_busy(self, text: str) -> None:
        """What is loading, in the status bar and on the preview; when idle again, clears only
        its own message (not, e.g., "playing without sound" shown since), back to the engine's
        speed line where there is one (the diffusion engine off a GPU)."""
        bar = self.statusBar()
        if text:
            bar.showMessage(text)
        elif bar.currentMessage() == self.preview.busy_text:
            if self._speed_shown:
                bar.showMessage(self._speed_shown)
            else:
                bar.clearMessage()
        self.preview.set_busy(text)

    def _load_failed(self, title: str, error: BaseException) -> None:
        if title == PORTRAIT_FAILED and self.session.portrait is None:
            self._status("portrait", "no portrait")  # not "loading portrait…" for ever
        show_error(self, title, error)

    # ----- palette edits
    def apply_mix(self, mix: EmotionMix, text: str = "Edit palette", merge_key=None) -> None:
        if self.keys.selected is not None:  # the palette shows the selected key: edit it
            self.keys.set_mix(mix, text, merge_key)
        else:
            self.undo_stack.push(SetMixCommand(self.project, mix, text, merge_key))
        self.live.set_mix(mix)

    def _palette_mix(self) -> EmotionMix:
        key = self.keys.selected_key()
        return key.mix if key is not None else self.project.mix

    def solo(self, index: int) -> None:
        self.apply_mix(mixing.solo(self._palette_mix(), index), f"Solo {EMOTIONS[index]}")

    def _on_project_changed(self, what: str) -> None:
        if what in (CHANGE_MIX, CHANGE_KEYFRAMES):  # the editor rebuilt its track already
            self.palette.show_mix(self._palette_mix())
            self._refresh_gates()
            self.request_preview()
            self.playback.restart_clip()
        elif what == CHANGE_MEDIA:
            self._load_project_media()
        elif what == CHANGE_EXPORT:  # the notes' face size is at the export's size
            self._show_portrait_notes()
        self._update_title()

    # ----- preview
    def request_preview(self) -> None:
        """Render the frame under the playhead; newest request wins (GUI never waits)."""
        if self.playback.playing:
            return
        job = self._job()
        if job is None:
            return
        index = min(job.frame_count() - 1, int(round(self.playback.t * job.fps)))
        self.preview_rid = self.renderer.request(self.session.engine, job, index)

    def _job(self, start: float = 0.0, end: float | None = None):
        """The take as the engine renders it: keyed when the project has keys."""
        return self.session.job(self.project.mix, start, end, keys=self.keys.render_track())

    def _preview_progressed(self, rid: int, done: int, total: int) -> None:
        """A slow frame (the diffusion engine's) says where it is, while it is the newest."""
        if rid != self.preview_rid:
            return
        self.preview.set_working("rendering the preview frame…" if total <= 1 else
                                 f"rendering the preview: {done}/{total} frames up to the "
                                 "playhead")

    def _preview_failed(self, error: BaseException) -> None:
        self.preview.set_working("")
        show_error(self, "Preview failed", error)

    def _frame_rendered(self, frame: Frame, asked: float, rid: int) -> None:
        if rid == self.preview_rid:
            self.preview.set_working("")
        if self.playback.playing:
            return
        self._show_frame(frame)
        self.latencies_ms.append((time.perf_counter() - asked) * 1000.0)

    def _show_frame(self, frame: Frame) -> None:
        self.preview.show_frame(frame.image)
        if self.preview.frames_shown == 1:
            self.session.warm_up()
        if frame.gates is not None and self._gate_rows is not None:
            row = round(frame.time / self._gate_times[1])  # the curve's samples are evenly spaced
            self._gate_rows[min(row, len(self._gate_rows) - 1)] = frame.gates

    def _show_rates(self) -> None:
        playing = self.playback.playing
        render = self.playback.ring.render_fps() if playing else None
        # measured while paused only (playing, an edit reaches the picture through the ring):
        # beside the playback's frame rate it was a stale number read as the current one
        latency = self.latencies_ms[-1] if self.latencies_ms and not playing else None
        self.preview.set_rates(self.playback.shown_fps(), latency)
        self._status("fps", f"render {render:.1f} fps" if render else "render – fps")
        if playing and self._gate_rows is not None:
            self._draw_gates()

    def _refresh_gates(self) -> None:
        """The gate curves: the track's g over the take, as the engine renders it."""
        self._gate_times, self._gate_rows = self.session.gate_curve(self.project.mix,
                                                                    self.keys.render_track())
        self._draw_gates()

    def _draw_gates(self) -> None:
        self.audio_strip.set_gates(self._gate_times, self._gate_rows)

    # ----- playback
    def playback_toggle(self) -> None:
        if self.session.portrait is None:
            self._status_message("Load a portrait first.")
            return
        self._update_play_range()
        self.playback.configure(self.session.engine,
                                self._job,
                                self.session.fps)
        self.playback.toggle()
        if not self.playback.playing:
            self.request_preview()
            return
        speed = self.session.engine.speed_line()
        if speed is not None:  # the picture lags the voice by minutes: say so, not frozen
            self.renderer.cancel()  # a slow paused frame no longer wanted
            self.preview_rid = 0
            self.preview.set_working(f"playing as fast as frames come ({speed})")

    def _playing_changed(self, playing: bool) -> None:
        if not playing:  # paused, or at the end: "playing as fast as frames come" is over
            self.preview.set_working("")

    def seek(self, t: float) -> None:
        t = float(np.clip(t, 0.0, self.session.duration))
        self.playback.seek(t)
        self._position(t)
        self.request_preview()

    def _position(self, t: float) -> None:
        self.preview.set_time(t)
        self.audio_strip.set_playhead(t)
        self._deselect_if_away(t)

    def _deselect_if_away(self, t: float) -> None:
        """The selected key is the one under the playhead (rule in app/key_bar.KEYS_HELP)."""
        key = self.keys.selected_key()
        if key is not None and abs(key.time - t) > KEY_CLICK_TOLERANCE_S:
            self.keys.select(None)

    def _loop_toggled(self, on: bool) -> None:
        self.playback.loop = on
        self._update_play_range()

    def _update_play_range(self) -> None:
        lo, hi = self.audio_strip.loop_range()
        if self.playback.loop and hi - lo > 1.0 / self.session.fps:
            self.playback.range = (lo, hi)
        else:
            self.playback.range = (0.0, self.session.duration)

    # ----- keys (emotion over time)
    def add_key(self) -> None:
        self.keys.add(self.playback.t, self.palette.mix)

    def move_key(self, index: int, t: float) -> None:
        self.seek(t)  # first: the moved key stays the selected one, under the playhead
        self.keys.move(index, t)

    def select_key(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.keys.track):
            self.seek(self.keys.track.keys[index].time)
        self.keys.select(index)

    def propose_keys(self) -> None:
        self.keys.propose(self.session.audio.track if self.session.audio else None)

    def _keys_changed(self) -> None:
        self._deselect_if_away(self.playback.t)
        self.audio_strip.keys.set_keys(self.keys.track.keys, self.keys.selected)
        self.audio_strip.keybar.show_selection(self.keys.selected_key(), len(self.keys.track))

    def _selection_changed(self) -> None:
        self._keys_changed()
        self.palette.show_mix(self._palette_mix())

    def _proposals_changed(self) -> None:
        self.audio_strip.keys.set_ghosts(self.keys.proposals)
        self.audio_strip.keybar.show_proposals(len(self.keys.proposals), self.keys.proposing)

    # ----- live mode
    def toggle_live(self, on: bool = True) -> None:
        if self.live.active and not on:
            self.live.stop()
        elif on and not self.live.active:
            if self.session.portrait is None:
                self.live_action.setChecked(False)
                show_error(self, "Cannot start live mode", "Load a portrait first.")
                return
            self.playback.pause()
            self.live.start(self.session.engine_name, self.session.portrait, self.palette.mix)

    def _live_state(self, on: bool) -> None:
        with QSignalBlocker(self.live_action):
            self.live_action.setChecked(on)
        self._status_message("Live mode: 1-6, 0, A in the live window; Esc stops." if on
                             else "Live mode off.")

    # ----- export
    def open_export(self) -> None:
        if self.session.portrait is None:
            show_error(self, "Nothing to export", "Load a portrait first.")
            return
        self.playback.pause()
        self.export_dialog = ExportDialog(self.session, self.project, self,
                                          keys=self.keys.render_track(), settings=self.settings)
        self.export_dialog.exported.connect(lambda p: self._status_message(f"Saved to {p}"))
        self.export_dialog.finished.connect(self._export_closed)
        self.export_dialog.open()

    def _export_closed(self) -> None:
        """A closed export dialog goes (each one stayed a child of the window: a booth's day
        of exports kept them all, with their takes)."""
        dialog = self.sender()
        if dialog is self.export_dialog:
            self.export_dialog = None
        dialog.deleteLater()

    # ----- status and layout
    def _status(self, key: str, text: str) -> None:
        self.status_labels[key].setText(text)

    def _status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_MESSAGE_MS)

    def _restore_layout(self) -> None:
        geometry, state = self.settings.window()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def hang_up(self) -> None:
        """The terminal that started the app closed (SIGHUP): no one is there to answer the
        unsaved-changes question, and the process would die with the terminal's session. The
        unsaved changes go to the recovery copy, offered at the next start, and the app quits."""
        self.hung_up = True
        self.close()

    def _may_stop_export(self) -> bool:
        """Whether the export under way may be stopped to close (closing cancelled it unasked,
        minutes into a long take)."""
        state = self.export_dialog.state
        done, total = state.get("done", 0), state.get("total", 0)
        return self._ask_once(ask_stop_export, self, done, total) == "stop"

    def closeEvent(self, event) -> None:
        if self.recorder.recording:  # closed mid-take: the take is kept and becomes the
            take = self.stop_take()  # project's voice, which the unsaved-changes question covers
            if take is not None:
                self.project.set_media(audio_path=take)
        exporting = self.export_dialog is not None and self.export_dialog.running
        if self.hung_up:  # no one to ask: the unsaved changes stay in the recovery copy
            self.autosave.write_now()
        elif exporting and not self._may_stop_export() or not self._may_discard():
            event.ignore()  # the export runs on: it is stopped only once the close is sure
            return
        else:
            self.autosave.stop()
        if self.export_dialog is not None and self.export_dialog.running:  # (done meanwhile)
            self.export_dialog.cancel_or_close()
        self.playback.shutdown()
        self.live.stop()
        self.stream.set_on(False)  # here, not before: a close cancelled above keeps it on
        self.renderer.stop()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.gc_guard.stop()
        event.accept()


def _install_excepthook(window_getter) -> None:
    """An exception escaping a slot becomes a dialog, not a crash or a silent failure."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        show_error(window_getter(), "Unexpected problem", value.with_traceback(tb))

    sys.excepthook = hook


def start_app(argv: list[str], **window_args) -> tuple[QApplication, MainWindow]:
    """What run_app does before the event loop: the application's names and icon, the window,
    then each file named on the command line opened as the window opens it when dropped (a
    project, a portrait, a voice: `moee-palette take.moee.json`, `moee-palette face.jpg
    voice.wav`, what a desktop launcher's %F passes). `window_args` go to MainWindow (tests)."""
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)  # on X11 also the windows' class, the launcher's WMClass
    app.setDesktopFileName(APP_ID)  # Wayland's app id: the desktop file, its name and icon
    app.setWindowIcon(app_icon())
    if THEME_QSS.exists():
        app.setStyleSheet(THEME_QSS.read_text())
    window = MainWindow(**window_args)
    _install_excepthook(lambda: window)
    from app.terminal_signals import close_on_terminal_signals
    # Ctrl-C in the terminal closes it as its button does; closing the terminal keeps the work
    close_on_terminal_signals(window, app, hangup=window.hang_up)
    window.show()
    window.autosave.offer(window)
    for arg in argv:  # absolute: a name relative to this run's folder is kept (the project's
        if not arg.startswith("-"):  # file, recent files) for runs started elsewhere
            window.open_path(os.path.abspath(arg)) if Path(arg).exists() else show_error(
                window, "Cannot open", InputError(f"no such file: {arg}"))
    return app, window


def run_app(argv: list[str]) -> int:
    app, _window = start_app(argv)
    return app.exec()
