"""The Stream menu: send the face (52 ARKit blendshapes, head and eyes) to Unreal Live Link or a
VMC receiver from timeline playback and live mode, with a status light in the status bar.

The sending itself is core.stream (no Qt): this file holds the settings, the menu and dialog,
and the hooks into Playback.frameShown and live sessions. The main window calls
`install_stream_menu(window)`, and `set_on(False)` from its closeEvent once the close is sure.

The target's host name is looked up on a thread of its own (core.stream.target.Lookup):
getaddrinfo blocks 5-30 s when the DNS server does not answer, and on the GUI thread the whole
window froze. The light says 'resolving' meanwhile; the answer is taken up on the GUI thread,
where the sender starts; a newer start (a new target, off and on) drops an older lookup's
answer.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QSpinBox)

from core.errors import MoeeError
from core.stream import make_target
from core.stream.target import DEFAULT_PORTS, Lookup
from core.stream.tuning import STREAM

PROTOCOL_NAMES = {"livelink": "Live Link Face (Unreal)", "vmc": "VMC protocol (VTubing)"}
LIGHTS = {"off": "#8a8a8a", "resolving": "#d8a31a", "waiting": "#d8a31a", "sending": "#2fa84f",
          "error": "#d23c3c"}
STATUS_POLL_MS = 250
LOOKUP_POLL_MS = 20  # how often the GUI thread looks for a lookup's answer


class StreamController(QObject):
    """Owns the running core.stream.FaceStreamer; `push` may be called from any thread."""

    statusChanged = Signal(str, str)  # state (a LIGHTS key), one-line detail
    failed = Signal(str)  # why streaming could not start
    fieldsChanged = Signal()  # a new target stored (the menu ticks its protocol)

    def __init__(self, settings, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self.streamer = None
        self._lookup: Lookup | None = None  # the start under way: its host's lookup
        self._faceless = False  # the last frame shown carried no face data (not sent)
        self._fps = 25
        self.timer = QTimer(self)
        self.timer.setInterval(STATUS_POLL_MS)
        self.timer.timeout.connect(self._poll)
        self._lookup_timer = QTimer(self)
        self._lookup_timer.setInterval(LOOKUP_POLL_MS)
        self._lookup_timer.timeout.connect(self._looked_up)

    # ----- settings
    def fields(self) -> dict:
        protocol = self.settings.value("stream_protocol", "livelink")
        protocol = protocol if protocol in DEFAULT_PORTS else "livelink"
        return {"protocol": protocol,
                "host": self.settings.value("stream_host", "127.0.0.1"),
                "port": self.settings.value("stream_port", DEFAULT_PORTS[protocol], int),
                "subject": self.settings.value("stream_subject", STREAM["subject"])}

    def set_fields(self, **changes) -> None:
        """Store new target fields (InputError if they make a bad target); restarts a running
        stream, or one starting, on the new target."""
        fields = {**self.fields(), **changes}
        make_target(**fields)
        for key, value in fields.items():
            self.settings.set_value(f"stream_{key}", value)
        self.fieldsChanged.emit()
        if self.on:
            self.set_on(False)
            self.set_on(True)

    # ----- on / off
    @property
    def on(self) -> bool:
        """Sending, or starting to (its host being looked up)."""
        return self.streamer is not None or self._lookup is not None

    def set_on(self, on: bool) -> bool:
        """Off at once; on starts the host's lookup and returns (False: a bad target). The
        stream starts when the lookup answers, or fails then as `failed` says."""
        if on == self.on:
            return True
        if not on:
            self._lookup = None  # its answer, when it comes, is dropped
            self._lookup_timer.stop()
            streamer, self.streamer = self.streamer, None
            if streamer is not None:
                streamer.close()
            self.timer.stop()
            self.statusChanged.emit("off", "stream: off")
            return True
        try:
            target = make_target(**self.fields())
        except MoeeError as e:
            self._fail(str(e))
            return False
        self._lookup = Lookup(target)
        self._lookup_timer.start()
        self.statusChanged.emit("resolving", f"stream to {target.url()}: resolving "
                                             f"{target.host}…")
        return True

    def _looked_up(self) -> None:
        lookup = self._lookup
        answer = lookup.answer() if lookup is not None else None
        if answer is None:
            return
        self._lookup = None
        self._lookup_timer.stop()
        target, why = answer
        if target is None:
            self._fail(why)
            return
        from core.stream import open_stream
        try:
            self.streamer = open_stream(target, self._fps)
        except MoeeError as e:
            self._fail(str(e))
            return
        self.timer.start()
        self._poll()

    def _fail(self, why: str) -> None:
        self.statusChanged.emit("error", f"stream: {why}")
        self.failed.emit(why)

    def push(self, frame, fps: int) -> None:
        """A frame that is on screen now (playback tick, live session thread)."""
        streamer = self.streamer
        if streamer is None:
            return
        from core.stream.face import has_face_data
        self._faceless = not has_face_data(frame)
        if self._faceless:  # the diffusion engine's: it streamed as a still, neutral face
            return
        if fps != streamer.fps:
            streamer.set_fps(fps)
        streamer.push(frame)

    def _poll(self) -> None:
        if self.streamer is None:
            return
        s = self.streamer.status()
        url = self.streamer.target.url()
        if self._faceless:
            self.statusChanged.emit("error", f"stream to {url}: this engine's frames carry no "
                                             "blendshapes, so none are sent; View > Engine > "
                                             "rig streams the face")
            return
        self.statusChanged.emit(s.state, f"stream to {url}: {s.line()}")


class StreamDialog(QDialog):
    """Target, host, port and subject name; OK stores them (bad values keep the dialog open)."""

    def __init__(self, controller: StreamController, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Stream target")
        self.controller = controller
        f = controller.fields()
        self.protocol = QComboBox()
        for key, name in PROTOCOL_NAMES.items():
            self.protocol.addItem(name, key)
        self.protocol.setCurrentIndex(list(PROTOCOL_NAMES).index(f["protocol"]))
        self.host = QLineEdit(f["host"])
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(int(f["port"]))
        self.subject = QLineEdit(f["subject"])
        self.problem = QLabel("")
        self.protocol.currentIndexChanged.connect(self._default_port)
        form = QFormLayout(self)
        form.addRow("Target", self.protocol)
        form.addRow("Host", self.host)
        form.addRow("Port", self.port)
        form.addRow("Subject name", self.subject)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _default_port(self) -> None:
        if self.port.value() in DEFAULT_PORTS.values():
            self.port.setValue(DEFAULT_PORTS[self.protocol.currentData()])

    def accept(self) -> None:
        try:
            self.controller.set_fields(protocol=self.protocol.currentData(),
                                       host=self.host.text(), port=self.port.value(),
                                       subject=self.subject.text())
        except MoeeError as e:
            self.problem.setText(str(e))
            return
        super().accept()


def install_stream_menu(window) -> StreamController:
    """Add the Stream menu and status light to `window` (a MainWindow) and feed the stream from
    its playback and live mode."""
    controller = StreamController(window.settings, window)
    menu = window.menuBar().addMenu("&Stream")
    toggle = QAction("&Send the face", window, checkable=True)
    toggle.setObjectName("streamAction")
    toggle.toggled.connect(lambda on: toggle.setChecked(controller.set_on(on) and on))
    menu.addAction(toggle)
    group = QActionGroup(window)
    for key, name in PROTOCOL_NAMES.items():
        action = QAction(name, window, checkable=True)
        action.setObjectName(f"stream_{key}")
        action.setChecked(controller.fields()["protocol"] == key)
        action.triggered.connect(lambda _=False, k=key: _switch_protocol(controller, k, group))
        group.addAction(action)
        menu.addAction(action)
    # the dialog's Target choice too: it left the menu ticking the protocol before it
    controller.fieldsChanged.connect(lambda: _tick_protocol(group, controller))
    menu.addSeparator()
    menu.addAction("Target, port and &subject…", lambda: StreamDialog(controller, window).exec())
    light = QLabel()
    light.setObjectName("status_stream")
    light.setContentsMargins(8, 0, 8, 0)
    window.statusBar().addPermanentWidget(light)
    controller.statusChanged.connect(lambda state, text: _light(light, state, text))
    # the tick follows the stream, also when it stops on its own (a restart on a new target
    # that fails): it said 'Send the face' over a stream that was off
    controller.statusChanged.connect(lambda *_: _tick(toggle, controller.on))
    controller.failed.connect(window.statusBar().showMessage)
    _light(light, "off", "stream: off")
    window.playback.frameShown.connect(lambda frame: controller.push(frame, window.playback.fps))
    window.live.stateChanged.connect(lambda on: _tap_live(window.live, controller) if on else None)
    controller.toggle = toggle
    return controller


def _tick(toggle: QAction, on: bool) -> None:
    if toggle.isChecked() != on:
        toggle.blockSignals(True)
        toggle.setChecked(on)
        toggle.blockSignals(False)


def _switch_protocol(controller: StreamController, protocol: str, group: QActionGroup) -> None:
    """A target kept from before (a host an older version stored, such as a URL) that fails
    the check says why and keeps its protocol ticked: it escaped as 'Unexpected problem', the
    menu ticking a protocol that was not taken."""
    port = controller.fields()["port"]
    changes = {"protocol": protocol}
    if port in DEFAULT_PORTS.values():
        changes["port"] = DEFAULT_PORTS[protocol]
    try:
        controller.set_fields(**changes)
    except MoeeError as e:
        _tick_protocol(group, controller)
        controller.failed.emit(f"{e}; set the target in Stream > Target, port and subject")


def _tick_protocol(group: QActionGroup, controller: StreamController) -> None:
    kept = controller.fields()["protocol"]
    for action in group.actions():
        action.setChecked(action.objectName() == f"stream_{kept}")


def _tap_live(live, controller: StreamController) -> None:
    session = live.window.session if live.window is not None else None
    if session is not None:
        session.taps.append(lambda frame: controller.push(frame, session.fps))


def _light(label: QLabel, state: str, text: str) -> None:
    label.setText(f"<span style='color:{LIGHTS.get(state, LIGHTS['off'])}'>●</span> stream: "
                  f"{state}")
    label.setToolTip(text)
