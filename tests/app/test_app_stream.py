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


def test_unresolvable_host_turns_the_light_red(window):
    window.stream.set_fields(host="no-such-host.invalid")
    window.stream.toggle.trigger()
    assert not window.stream.on and not window.stream.toggle.isChecked()
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


def test_the_menu_tick_follows_a_restart_that_fails(window):
    """A running stream moved to a host that does not resolve stops (the light turns red and
    the status bar says why): the menu item stayed ticked, 'Send the face' while nothing was
    sent, and the first click on it only unticked it."""
    with UdpReceiver() as rx:
        window.stream.set_fields(protocol="vmc", host="127.0.0.1", port=rx.port)
        window.stream.toggle.trigger()
        assert window.stream.on and window.stream.toggle.isChecked()
        window.stream.set_fields(host="no-such-host.invalid")
        assert not window.stream.on
        assert not window.stream.toggle.isChecked()
        assert "cannot resolve host" in window.statusBar().currentMessage()
        window.stream.set_fields(host="127.0.0.1")  # back to a good host: stays off
        window.stream.toggle.trigger()  # one click turns it on again
        assert window.stream.on and window.stream.toggle.isChecked()
        window.stream.set_on(False)
        rx.close()


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
