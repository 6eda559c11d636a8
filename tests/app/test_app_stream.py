"""The Stream menu: timeline playback and live mode send the face to a UDP receiver on 127.0.0.1
(Live Link decoded by our parser, VMC by python-osc's), the status light follows, and a bad
target is refused with a reason."""
from __future__ import annotations

import pytest

from app.ui_constants import SAMPLE_VOICE
from core.curves import ARKIT_52
from core.stream import livelink
from tests.studio.receiver import UdpReceiver


def test_playback_streams_live_link_and_lights_up(window, qtbot):
    from PySide6.QtWidgets import QLabel

    with UdpReceiver() as rx:
        window.stream.set_fields(protocol="livelink", host="127.0.0.1", port=rx.port,
                                 subject="Palette")
        window.stream.toggle.trigger()
        assert window.stream.on and window.stream.toggle.isChecked()
        window.playback_toggle()
        qtbot.waitUntil(lambda: len(rx.packets) >= 5, timeout=15000)
        window.playback_toggle()
        light = window.findChild(QLabel, "status_stream")
        qtbot.waitUntil(lambda: "sending" in light.text(), timeout=2000)
        window.stream.toggle.trigger()
        packets = [livelink.decode(d) for d in rx.close()]
    assert not window.stream.on and "off" in light.text()
    assert all(p.subject == "Palette" and p.fps == (window.playback.fps, 1) for p in packets)
    assert list(packets[0].curves)[:52] == list(ARKIT_52)
    frames = [p.frame for p in packets]
    assert frames == sorted(frames) and len(set(frames)) == len(frames)
    assert window.settings.value("stream_port", 0, int) == rx.port  # remembered


def test_live_mode_streams_vmc(window, qtbot):
    from pythonosc.osc_bundle import OscBundle

    from core.audio.io import load_audio
    from core.live.sources import FileSource

    track = load_audio(str(SAMPLE_VOICE), 16000).slice(0.0, 3.0)
    window.live.make_source = lambda: FileSource(track)
    with UdpReceiver() as rx:
        window.stream.set_fields(protocol="vmc", host="127.0.0.1", port=rx.port)
        window.stream.set_on(True)
        window.live_action.trigger()
        qtbot.waitUntil(lambda: len(rx.packets) >= 5, timeout=20000)
        window.live.stop()
        qtbot.waitUntil(lambda: not window.live.active, timeout=10000)
        window.stream.set_on(False)
        datagrams = rx.close()
    names = [m.params[0] for m in OscBundle(datagrams[0]) if m.address == "/VMC/Ext/Blend/Val"]
    assert names == list(ARKIT_52)


@pytest.mark.parametrize("change, words", [({"host": " "}, "host is empty"),
                                           ({"port": 0}, "1 to 65535")])
def test_bad_target_is_refused(window, change, words):
    from core.errors import InputError
    before = window.stream.fields()
    with pytest.raises(InputError, match=words):
        window.stream.set_fields(**change)
    assert window.stream.fields() == before


@pytest.mark.parametrize("host", ["livelink://127.0.0.1:11111", "127.0.0.1:11111"])
def test_a_url_in_the_host_field_is_refused_in_the_dialog(window, host):
    """The URL the CLI takes (or HOST:PORT) typed into the dialog's Host field was stored, and
    only turning the stream on said "cannot resolve host 'livelink://127.0.0.1:11111' (Name
    or service not known)". The dialog stays open and says what goes where."""
    from app.stream_menu import StreamDialog

    before = window.stream.fields()
    dialog = StreamDialog(window.stream, window)
    dialog.host.setText(host)
    dialog.accept()
    assert not dialog.result() and window.stream.fields() == before
    assert "the port in its own field" in dialog.problem.text()


def test_the_menu_ticks_the_protocol_the_dialog_chose(window):
    """VMC chosen in the Stream dialog was stored and streamed, and the menu still ticked Live
    Link Face."""
    from PySide6.QtGui import QAction

    from app.stream_menu import StreamDialog

    dialog = StreamDialog(window.stream, window)
    dialog.protocol.setCurrentIndex(dialog.protocol.findData("vmc"))
    dialog.accept()
    assert window.stream.fields()["protocol"] == "vmc"
    assert window.findChild(QAction, "stream_vmc").isChecked()
    assert not window.findChild(QAction, "stream_livelink").isChecked()


def test_a_bad_stored_host_keeps_its_protocol_and_says_why(window):
    """A host an older version stored (a URL, before the dialog refused one): choosing VMC in
    the Stream menu raised InputError out of the menu's slot ('Unexpected problem') and the
    menu ticked VMC, the stream still Live Link. It says why, and Live Link stays ticked."""
    from PySide6.QtGui import QAction

    window.settings.set_value("stream_protocol", "livelink")
    window.settings.set_value("stream_host", "livelink://127.0.0.1:11111")
    window.findChild(QAction, "stream_vmc").trigger()
    assert window.stream.fields()["protocol"] == "livelink"
    assert window.findChild(QAction, "stream_livelink").isChecked()
    assert not window.findChild(QAction, "stream_vmc").isChecked()
    message = window.statusBar().currentMessage()
    assert "is not a host name or address" in message and "Stream > Target" in message


def test_unresolvable_host_turns_the_light_red(window, qtbot):
    window.stream.set_fields(host="no-such-host.invalid")
    window.stream.toggle.trigger()
    qtbot.waitUntil(lambda: not window.stream.on, timeout=10000)  # looked up on a thread
    assert not window.stream.toggle.isChecked()
    message = window.statusBar().currentMessage()
    assert "cannot resolve host" in message
    assert "--stream" not in message  # the app has no such flag (the CLI's message named it)


def test_a_cancelled_close_keeps_the_stream_on(window, qtbot, answers):
    """Closing the window with unsaved changes and answering Cancel keeps the window (and live
    mode, and playback): the stream stopped all the same, its menu item still ticked."""
    with UdpReceiver() as rx:
        window.stream.set_fields(protocol="livelink", host="127.0.0.1", port=rx.port)
        window.stream.toggle.trigger()
        window.palette.presets.choose("happy")  # unsaved changes: closing asks
        answers["reply"]["value"] = "cancel"
        assert not window.close() and window.isVisible() and answers["asked"]
        assert window.stream.on and window.stream.toggle.isChecked()
        window.playback_toggle()
        qtbot.waitUntil(lambda: len(rx.packets) >= 3, timeout=15000)
        window.playback_toggle()
        answers["reply"]["value"] = "discard"
        assert window.close()
        assert not window.stream.on  # a close that goes through still stops it
        rx.close()


def test_the_menu_tick_follows_a_restart_that_fails(window, qtbot):
    """A running stream moved to a host that does not resolve stops (the light turns red and
    the status bar says why): the menu item stayed ticked, 'Send the face' while nothing was
    sent, and the first click on it only unticked it."""
    with UdpReceiver() as rx:
        window.stream.set_fields(protocol="vmc", host="127.0.0.1", port=rx.port)
        window.stream.toggle.trigger()
        qtbot.waitUntil(lambda: window.stream.streamer is not None, timeout=10000)
        assert window.stream.on and window.stream.toggle.isChecked()
        window.stream.set_fields(host="no-such-host.invalid")
        qtbot.waitUntil(lambda: not window.stream.on, timeout=10000)  # looked up on a thread
        assert not window.stream.toggle.isChecked()
        assert "cannot resolve host" in window.statusBar().currentMessage()
        window.stream.set_fields(host="127.0.0.1")  # back to a good host: stays off
        window.stream.toggle.trigger()  # one click turns it on again
        assert window.stream.on and window.stream.toggle.isChecked()
        window.stream.set_on(False)
        rx.close()


def test_the_light_says_when_nothing_listens(window, qtbot):
    """A port nobody listens on (Unreal not started, a wrong port): the light was green,
    'sending', while every datagram was lost. It waits, and its tooltip says why."""
    from PySide6.QtWidgets import QLabel

    light = window.findChild(QLabel, "status_stream")
    rx = UdpReceiver()
    rx.close()  # its port is free: nothing listens there
    window.stream.set_fields(protocol="livelink", host="127.0.0.1", port=rx.port)
    window.stream.set_on(True)
    window.playback_toggle()
    qtbot.waitUntil(lambda: "refused" in light.toolTip(), timeout=15000)
    assert "waiting" in light.text() and "nothing was listening" in light.toolTip()
    window.playback_toggle()
    window.stream.set_on(False)


def test_frames_without_face_data_are_not_streamed_as_a_still_face(window, qtbot):
    """The diffusion engine's frames carry no AUs and no head: shown with the stream on, each
    went out as 52 zero blendshapes and a straight head, the light green. They are not sent,
    and the light says why; the rig's frames stream again at once. The frames are built as
    DiffusionEngine._frame builds them (its weights are not installed here)."""
    import numpy as np
    from PySide6.QtWidgets import QLabel

    from core.engine import Frame

    light = window.findChild(QLabel, "status_stream")
    with UdpReceiver() as rx:
        window.stream.set_fields(protocol="livelink", host="127.0.0.1", port=rx.port)
        window.stream.set_on(True)
        qtbot.waitUntil(lambda: window.stream.streamer is not None, timeout=5000)
        for i in range(5):
            window.playback.frameShown.emit(Frame(
                index=i, time=i / 25, image=np.zeros((64, 64, 3), np.uint8),
                gates=np.eye(6, dtype=np.float32)[1], info={"clip": 0}))
        qtbot.waitUntil(lambda: "error" in light.text(), timeout=2000)
        assert "carry no blendshapes" in light.toolTip() and "rig" in light.toolTip()
        qtbot.wait(300)
        assert rx.packets == []
        window.playback_toggle()  # the rig engine's frames
        qtbot.waitUntil(lambda: len(rx.packets) >= 3 and "sending" in light.text(),
                        timeout=15000)
        window.playback_toggle()
        window.stream.set_on(False)
        packets = [livelink.decode(d) for d in rx.close()]
    assert len(packets) >= 3  # decoded: whole Live Link packets


def test_the_light_leaves_sending_when_playback_stops(window, qtbot):
    """Playback paused, nothing goes out: the light stayed green, 'sending', for as long as the
    stream was on (the receiver's avatar frozen). It says 'waiting' once no frame has gone for
    a second, and 'sending' again when playback resumes."""
    from PySide6.QtWidgets import QLabel

    light = window.findChild(QLabel, "status_stream")
    with UdpReceiver() as rx:
        window.stream.set_fields(protocol="vmc", host="127.0.0.1", port=rx.port)
        window.stream.set_on(True)
        window.playback_toggle()
        qtbot.waitUntil(lambda: "sending" in light.text(), timeout=15000)
        window.playback_toggle()
        qtbot.waitUntil(lambda: "waiting" in light.text(), timeout=5000)
        count = len(rx.packets)
        assert "sent" in light.toolTip()
        window.playback_toggle()
        qtbot.waitUntil(lambda: "sending" in light.text() and len(rx.packets) > count,
                        timeout=15000)
        window.playback_toggle()
        window.stream.set_on(False)
        rx.close()


SLOW_DNS_S = 2.0


@pytest.fixture
def slow_dns(monkeypatch):
    """A resolver as slow as a dead DNS server for every name but an address: each lookup of
    a name sleeps SLOW_DNS_S, then asks the real one."""
    import socket
    import time

    from core.stream import target as target_module

    real = socket.getaddrinfo
    looked_up: list[str] = []

    def slow(host, port, *a, **k):
        looked_up.append(host)
        if not host[:1].isdigit():
            time.sleep(SLOW_DNS_S)
        return real(host, port, *a, **k)

    monkeypatch.setattr(target_module.socket, "getaddrinfo", slow)
    return looked_up


def _ticks(qtbot):
    """Times a 10 ms QTimer fired at: a GUI thread blocked anywhere stops it."""
    import time

    from PySide6.QtCore import QTimer
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    return timer, ticks


def _stream_threads() -> list:
    import threading
    return [t for t in threading.enumerate()
            if t.name.startswith(("stream-", "resolve")) and t.is_alive()]


def test_a_slow_dns_lookup_does_not_freeze_the_window(window, qtbot, slow_dns):
    """Turning the stream on resolved the host on the GUI thread: with a DNS server that does
    not answer, getaddrinfo blocks 5-30 s and the whole window froze. The name is now looked
    up on a thread of its own; the light says it is resolving, the window keeps running, and
    the stream then sends."""
    import time

    from PySide6.QtWidgets import QLabel

    light = window.findChild(QLabel, "status_stream")
    with UdpReceiver() as rx:
        window.stream.set_fields(protocol="livelink", host="localhost", port=rx.port,
                                 subject="Palette")
        timer, ticks = _ticks(qtbot)
        t0 = time.monotonic()
        window.stream.toggle.trigger()
        assert time.monotonic() - t0 < 0.5 * SLOW_DNS_S  # before: the lookup's 2 s
        assert window.stream.toggle.isChecked() and window.stream.on
        assert "resolving" in light.text() and "localhost" in light.toolTip()
        seen = len(ticks)
        qtbot.waitUntil(lambda: len(ticks) > seen, timeout=100)  # the event loop runs
        window.playback_toggle()
        qtbot.waitUntil(lambda: len(rx.packets) >= 3, timeout=20000)
        window.playback_toggle()
        timer.stop()
        assert time.monotonic() - t0 >= SLOW_DNS_S  # the lookup did take its time
        assert max(b - a for a, b in zip(ticks, ticks[1:])) < 0.5 * SLOW_DNS_S
        qtbot.waitUntil(lambda: "sending" in light.text(), timeout=2000)
        window.stream.toggle.trigger()
        packets = [livelink.decode(d) for d in rx.close()]
    assert packets and all(p.subject == "Palette" for p in packets)
    assert not window.stream.on and "off" in light.text()
    assert slow_dns == ["localhost"]


def test_a_new_target_supersedes_one_still_resolving(window, qtbot, slow_dns):
    """Retargeted while the old name is still being looked up: the stream goes to the new
    target, and the old lookup's answer, when it comes, opens nothing."""
    import time

    with UdpReceiver() as old, UdpReceiver() as new:
        window.stream.set_fields(protocol="vmc", host="localhost", port=old.port)
        t0 = time.monotonic()
        window.stream.set_on(True)
        window.stream.set_fields(host="127.0.0.1", port=new.port)
        assert time.monotonic() - t0 < 0.5 * SLOW_DNS_S  # before: the first lookup's 2 s
        qtbot.waitUntil(lambda: window.stream.streamer is not None, timeout=5000)
        assert window.stream.streamer.target.port == new.port
        window.playback_toggle()
        qtbot.wait(int(SLOW_DNS_S * 1000) + 500)  # the old lookup is over
        window.playback_toggle()
        assert window.stream.on and window.stream.streamer.target.port == new.port
        assert len(_stream_threads()) == 1  # the old target's sender never started, or ended
        window.stream.set_on(False)
        assert not old.close() and new.close()
    assert slow_dns == ["localhost", "127.0.0.1"]


def test_closing_the_window_while_resolving(window, qtbot, slow_dns, errors):
    """The window closed during a slow lookup closes at once; the lookup, when it ends, opens
    no stream (no sender thread, no socket left behind) and raises nothing."""
    import time

    window.stream.set_fields(protocol="livelink", host="localhost", port=11111)
    t0 = time.monotonic()
    window.stream.set_on(True)
    assert window.close()
    assert time.monotonic() - t0 < 0.5 * SLOW_DNS_S
    assert not window.stream.on
    qtbot.waitUntil(lambda: not _stream_threads(), timeout=int(SLOW_DNS_S * 1000) + 3000)
    assert window.stream.streamer is None and not errors


def test_a_name_that_does_not_resolve_after_a_wait(window, qtbot, slow_dns):
    """The error of a slow lookup shows as a fast one's: red light, status bar, tick off."""
    from PySide6.QtWidgets import QLabel

    light = window.findChild(QLabel, "status_stream")
    window.stream.set_fields(host="no-such-host.invalid")
    window.stream.toggle.trigger()
    assert window.stream.toggle.isChecked() and "resolving" in light.text()
    qtbot.waitUntil(lambda: not window.stream.on, timeout=int(SLOW_DNS_S * 1000) + 5000)
    assert not window.stream.toggle.isChecked() and "error" in light.text()
    assert "cannot resolve host" in window.statusBar().currentMessage()
