"""Face streaming: a real take rendered by `main.py render --curves --stream` reaches a UDP
receiver on 127.0.0.1, and what arrives (decoded by our Live Link parser, or by python-osc's for
VMC) carries the same names and values as the curve file, one packet per frame at the frame rate.
"""
from __future__ import annotations

import math
import struct
import time

import pytest

from core.cli import run_cli
from core.curves import ARKIT_52, read_curves
from core.errors import InputError
from core.stream import livelink, make_target, parse_stream_url
from core.stream.face import FaceSample
from core.stream.streamer import FaceStreamer, Pacer
from tests.studio.receiver import UdpReceiver

FPS = 25
SECONDS = 1.6
TOL = 6e-5  # the curve file keeps 4 decimals; the stream sends float32


@pytest.fixture(scope="module")
def take_args(portrait_path, speech_wav, tmp_path_factory):
    out = tmp_path_factory.mktemp("stream")

    def args(name: str, url: str, *extra: str) -> tuple[list[str], object]:
        curves = out / f"{name}.csv"
        return (["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                 "--out", str(out / f"{name}.mp4"), "--curves", str(curves), "--fps", str(FPS),
                 "--size", "128", "--start", "0.5", "--duration", str(SECONDS), "--quiet",
                 "--mix", "happy=0.8", "--stream", url, *extra], curves)
    return args


def _curve_rows(path):
    names, rows = read_curves(path)
    return {round(r[0], 3): dict(zip(names, r)) for r in rows}


def test_livelink_take_matches_curves(take_args):
    with UdpReceiver() as rx:
        argv, curves = take_args("ll", f"livelink://127.0.0.1:{rx.port}", "--subject", "Eileen")
        assert run_cli(argv) == 0
        packets = [livelink.decode(d) for d in rx.close()]
    rows = _curve_rows(curves)
    assert len(packets) == len(rows) == round(SECONDS * FPS)
    assert [round(p.time, 3) for p in packets] == sorted(rows)  # every frame, in order
    assert [p.frame for p in packets] == list(range(packets[0].frame, packets[0].frame + len(rows)))
    for p in packets:
        assert p.subject == "Eileen" and p.fps == (FPS, 1) and p.version == 6
        assert list(p.curves)[:52] == list(ARKIT_52)
        row = rows[round(p.time, 3)]
        for name in ARKIT_52:
            assert p.curves[name] == pytest.approx(row[name], abs=TOL), (p.frame, name)
    # the take talks and smiles: the stream is not a flat line
    assert max(p.curves["jawOpen"] for p in packets) > 0.05
    assert min(p.curves["mouthSmileLeft"] for p in packets) > 0.1
    # head motion from the life track arrives as small rotations in radians
    yaws = [p.curves["HeadYaw"] for p in packets]
    assert 0 < max(map(abs, yaws)) < math.radians(15)


def test_vmc_take_matches_curves(take_args):
    from pythonosc.osc_bundle import OscBundle
    from pythonosc.osc_message import OscMessage

    with UdpReceiver() as rx:
        argv, curves = take_args("vmc", f"vmc://127.0.0.1:{rx.port}")
        assert run_cli(argv) == 0
        datagrams = rx.close()
    rows = _curve_rows(curves)
    assert len(datagrams) == len(rows)
    times = []
    for d in datagrams:
        assert OscBundle.dgram_is_bundle(d)
        msgs = [m for m in OscBundle(d) if isinstance(m, OscMessage)]
        by_addr: dict[str, list] = {}
        for m in msgs:
            by_addr.setdefault(m.address, []).append(m.params)
        (t,), = by_addr["/VMC/Ext/T"]
        times.append(t)
        row = rows[round(t, 3)]
        blends = dict(by_addr["/VMC/Ext/Blend/Val"])
        assert list(blends) == list(ARKIT_52)
        for name, value in blends.items():
            assert value == pytest.approx(row[name], abs=TOL), (t, name)
        assert msgs[-1].address == "/VMC/Ext/Blend/Apply"
        bones = {b[0]: b[1:] for b in by_addr["/VMC/Ext/Bone/Pos"]}
        assert set(bones) == {"Head", "LeftEye", "RightEye"}
        for values in bones.values():
            assert sum(q * q for q in values[3:]) == pytest.approx(1.0, abs=1e-5)
    steps = {round((b - a) * FPS, 3) for a, b in zip(times, times[1:])}
    assert steps == {1.0}  # consecutive frames at the take's frame rate


def test_live_streams_while_running(speech_wav, capsys):
    import re
    with UdpReceiver() as rx:
        code = run_cli(["live", "--input", str(speech_wav), "--seconds", "2", "--size", "128",
                        "--stream", f"livelink://127.0.0.1:{rx.port}"])
        packets = [livelink.decode(d) for d in rx.close()]
    cap = capsys.readouterr()
    rendered = int(re.search(r"^(\d+) frames \(", cap.out, re.M)[1])
    sent, dropped = map(int, re.search(r"stream: \w+: (\d+) sent, (\d+) dropped", cap.err).groups())
    # every frame the loop rendered was sent (or, on a badly loaded machine, replaced by a newer
    # one before its turn) and every datagram sent arrived
    assert code == 0 and len(packets) == sent >= 1 and sent + dropped == rendered
    frames = [p.frame for p in packets]
    assert frames == sorted(set(frames))
    for p in packets:
        assert p.fps == (25, 1) and all(0.0 <= p.curves[n] <= 1.0 for n in ARKIT_52)


def test_no_receiver_is_fine(take_args):
    # Nothing listens on the port (bound and closed again): UDP loses the datagrams quietly.
    rx = UdpReceiver()
    port = rx.port
    rx.close()
    argv, curves = take_args("none", f"vmc://127.0.0.1:{port}")
    assert run_cli(argv) == 0 and curves.exists()


def test_nobody_listening_is_said_and_a_late_receiver_gets_every_frame():
    """The "port unreachable" a machine answers for a port nobody listens on never reached an
    unconnected socket: a stream to the wrong port (Unreal not started yet) said 'sending: 20
    sent, 0 errors' and its light was green. The socket is connected now: the answers are
    counted as refused and the stream waits. A receiver that starts later gets every frame
    from then on (the refusal took a send's place: that frame would have been lost)."""
    import socket

    rx = UdpReceiver()
    port = rx.port
    rx.close()  # nothing listens there now
    with FaceStreamer(make_target("livelink", "127.0.0.1", port), 50, queue_frames=100,
                      slack=0.0) as s:
        for i in range(20):
            s.push_sample(_sample(i))
        assert s.drain(5.0)
        alone = s.status()
        late = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        late.bind(("127.0.0.1", port))
        late.settimeout(1.0)
        for i in range(20, 40):
            s.push_sample(_sample(i))
        assert s.drain(5.0)
        frames = [livelink.decode(late.recv(4096)).frame for _ in range(20)]
        late.close()
        after = s.status()
    assert (alone.state, alone.sent, alone.errors, alone.refused) == ("waiting", 20, 0, 19)
    assert "19 refused: nothing was listening on the port" in alone.line()
    assert frames == list(range(20, 40))
    assert (after.state, after.sent, after.refused) == ("sending", 40, 20)


def _sample(i: int) -> FaceSample:
    return FaceSample(frame=i, time=i / FPS, fps=FPS, shapes=tuple([0.5] * 52),
                      head=(5.0, -3.0, 2.0), eyes=(4.0, 1.0))


def test_livelink_bytes_layout():
    data = livelink.encode(_sample(7), "Subj", "dev-1")
    # uint8 version 6, then big-endian length-prefixed device id and subject (Unreal's layout)
    assert data[0] == 6 and data[1:5] == struct.pack(">i", 5) and data[5:10] == b"dev-1"
    assert data[10:14] == struct.pack(">i", 4) and data[14:18] == b"Subj"
    assert struct.unpack(">ifii", data[18:34]) == (7, 0.0, FPS, 1)
    assert data[34] == 61 and len(data) == 35 + 61 * 4
    p = livelink.decode(data)
    # rig +yaw turns to the subject's right; ARKit +yaw to the subject's left
    assert p.curves["HeadYaw"] == pytest.approx(math.radians(-5.0), abs=1e-6)
    assert p.curves["HeadPitch"] == pytest.approx(math.radians(-3.0), abs=1e-6)
    assert p.curves["LeftEyeYaw"] == p.curves["RightEyeYaw"] == pytest.approx(math.radians(4.0))
    with pytest.raises(ValueError, match="malformed|expected"):
        livelink.decode(data[:-3])


def test_a_gaze_set_in_degrees_streams_those_degrees():
    """A mix's gaze of 10 deg to the subject's left and 8 deg down moves the irises by
    core.body's 12 mm eyeball over a 63 mm IPD; the stream turned the shift back into degrees
    with a rounder 0.003 IPD per degree and sent 11.1 and 8.9 deg."""
    import numpy as np

    from core.engine import Frame
    from core.mix import EmotionMix
    from core.stream import vmc
    from core.stream.face import face_sample

    gaze = EmotionMix(gaze=(10.0, 8.0)).gaze_ipd()  # what the rig draws (core/rig/engine.py)
    frame = Frame(index=0, time=0.0, image=np.zeros((2, 2, 3), np.uint8),
                  info={"head": (0.0, 0.0, 0.0), "gaze": gaze})
    sample = face_sample(frame, FPS)
    assert sample.eyes == pytest.approx((10.0, 8.0))
    p = livelink.decode(livelink.encode(sample, "Subj", "dev"))
    assert p.curves["LeftEyeYaw"] == pytest.approx(math.radians(10.0), abs=1e-6)
    assert p.curves["RightEyePitch"] == pytest.approx(math.radians(8.0), abs=1e-6)
    assert vmc.bones(sample)["LeftEye"][1] == pytest.approx(vmc.unity_euler(8.0, -10.0, 0.0))


def test_pacer_keeps_the_frame_rate():
    now = [0.0]
    pacer = Pacer(FPS, clock=lambda: now[0])
    assert pacer.delay() == 0.0
    pacer.mark()
    assert pacer.delay() == pytest.approx(1 / FPS)
    now[0] = 0.03  # a little late: the cadence holds instead of drifting
    pacer.mark()
    assert pacer.next == pytest.approx(2 / FPS)
    now[0] = 5.0  # after an idle spell the cadence restarts from now
    pacer.mark()
    assert pacer.next == pytest.approx(5.0 + 1 / FPS)


def test_a_take_keeps_its_frame_rate_on_a_loaded_machine():
    """A sender woken late (a loaded machine: up to 0.14 s while a take renders) restarted its
    cadence from then on, each time: `render --fps 60 --stream` sent a 25.9 s take in 26.9 s
    (57.8 fps, measured with a receiver). Frames that waited in the queue now go sooner to
    catch up. Here every 5th send stalls 50 ms (3 frames' time): 120 frames take 2 s, not 2.8."""
    from core.stream.streamer import open_stream

    fps, frames = 60, 120
    with UdpReceiver() as rx:
        stream = open_stream(make_target("livelink", "127.0.0.1", rx.port), fps, take=True)
        encode, count = stream._encode, [0]

        def stalls(sample):
            count[0] += 1
            if count[0] % 5 == 0:
                time.sleep(0.05)  # the sender thread descheduled
            return encode(sample)

        stream._encode = stalls
        for i in range(frames):
            stream.push_sample(FaceSample(frame=i, time=i / fps, fps=fps,
                                          shapes=tuple([0.5] * 52)))
        assert stream.drain(10.0)
        stream.close()
        rx.close()  # first: it waits for the last datagram in flight
        arrived = [t for t, _ in rx.packets]
    assert len(arrived) == frames
    assert arrived[-1] - arrived[0] == pytest.approx((frames - 1) / fps, abs=0.1)


def test_push_never_waits_for_the_network():
    # 50 frames pushed at once: push returns before they are sent, the sender paces them, and
    # a live queue keeps only the newest few.
    target = make_target("livelink", "127.0.0.1", 9)
    with FaceStreamer(target, FPS, queue_frames=100) as s:
        for i in range(50):
            s.push_sample(_sample(i))
        assert s.pending_s() > 1.0
    with FaceStreamer(target, FPS, queue_frames=4) as s:
        for i in range(50):
            s.push_sample(_sample(i))
        assert s.status().dropped >= 45


def test_a_live_stream_keeps_up_with_a_fast_clock():
    """Live frames come at the pace of the clock that makes them (the microphone's, the audio
    player's), which runs a little faster than this machine's now and then: a sender that held
    each frame to its own grid of exactly 1/fps fell behind by one frame every 1/drift frames,
    so the face reached the receiver later and later (4 frames, 160 ms, at 25 fps) and then
    frames were dropped. Here the producer runs 4% fast for 4 s."""
    from core.stream.streamer import open_stream

    with UdpReceiver() as rx:
        stream = open_stream(make_target("livelink", "127.0.0.1", rx.port), FPS)
        pushed, start = {}, time.monotonic()
        for i in range(4 * (FPS + 1)):
            while time.monotonic() < start + i / (FPS + 1):
                time.sleep(0.001)
            pushed[i] = time.monotonic()
            stream.push_sample(_sample(i))
        stream.drain(1.0)
        status = stream.status()
        stream.close()
        rx.close()
        late = [(t - pushed[livelink.decode(d).frame]) for t, d in rx.packets]
    # a stall of the loaded machine may drop a frame or two; the backlog is what is tested
    assert status.sent + status.dropped == len(pushed) and status.sent == len(late)
    assert sorted(late[-FPS:])[FPS // 2] < 0.5 / FPS  # the last second: no backlog


@pytest.mark.parametrize("url, words", [
    ("127.0.0.1:11111", "not a stream URL"), ("osc://127.0.0.1:9000", "unknown protocol"),
    ("vmc://127.0.0.1:99999", "1 to 65535"), ("vmc://:9000", "no host"),
    ("livelink://127.0.0.1:11111/x", "extra parts"), ("vmc://127.0.0.1:abc", "1 to 65535"),
    # IPv6 typed without its brackets (the error blamed the port), or with one missing or
    # around no address (a traceback: urlsplit's ValueError)
    ("vmc://::1:39539", r"IPv6 address goes in brackets, e\.g\. vmc://\[::1\]:39539"),
    ("livelink://fe80::1", "in brackets"), ("vmc://[::1:39539", "in brackets"),
    ("vmc://[zz]:5", "in brackets")])
def test_bad_stream_urls(url, words):
    with pytest.raises(InputError, match=words):
        parse_stream_url(url)


def test_urls_and_default_ports():
    assert parse_stream_url("livelink://localhost").port == 11111
    t = parse_stream_url("VMC://[::1]:39540")
    assert (t.protocol, t.host, t.port) == ("vmc", "::1", 39540) and t.url() == "vmc://[::1]:39540"


def test_the_stream_menu_takes_an_ipv6_host_as_its_status_shows_it():
    """The Stream menu's host field given "[::1]", as the light's tooltip and the CLI write
    it (vmc://[::1]:39540): 'cannot resolve host '[::1]' ... give its IP address'."""
    with FaceStreamer(make_target("vmc", " [::1] ", 39540), FPS) as s:
        assert s.target.host == "::1" and s.target.url() == "vmc://[::1]:39540"


def test_a_name_with_both_addresses_streams_to_ipv4(monkeypatch):
    """On macOS and Windows "localhost" resolves to ::1 first, then 127.0.0.1; the receivers
    (VSeeFace, VNyan, Warudo, Unreal's Live Link Face source) listen on IPv4, so --stream
    livelink://localhost:11111 sent every frame to ::1, nothing arrived, and the status said
    'sending', no errors. The resolver's answer is staged (this machine's hosts file maps
    localhost to 127.0.0.1 alone); the sockets are real."""
    import socket

    from core.stream import target as target_module

    real = socket.getaddrinfo

    def both(host, port, *a, **k):
        if host != "localhost":
            return real(host, port, *a, **k)
        return [(socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("::1", port, 0, 0)),
                (socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("127.0.0.1", port))]

    monkeypatch.setattr(target_module.socket, "getaddrinfo", both)
    with UdpReceiver() as rx:
        with FaceStreamer(parse_stream_url(f"livelink://localhost:{rx.port}"), FPS) as s:
            s.push_sample(_sample(3))
            assert s.drain(2.0)
        packets = [livelink.decode(d) for d in rx.close()]
    assert [p.frame for p in packets] == [3]
    t = parse_stream_url("vmc://[::1]:39539")  # an IPv6 address given as such stays IPv6
    assert t.address() == (socket.AF_INET6, ("::1", 39539, 0, 0))


def test_a_render_looks_the_host_up_once(take_args, monkeypatch):
    """`render --stream livelink://NAME:PORT` looked NAME up at the door and again when the
    sender opened after the face analysis: with a DNS server that takes 2 s a lookup, the
    render waited 4 s (measured: lookups at 0.6 s and 4.3 s), and a name that stopped
    resolving in between failed the render after the slow work. It is looked up once. The
    lookup's delay is staged; the sockets and the render are real."""
    import socket

    from core.stream import target as target_module

    real = socket.getaddrinfo
    looked_up: list[str] = []

    def slow(host, port, *a, **k):
        if host == "localhost":
            looked_up.append(host)
            time.sleep(0.3)
        return real(host, port, *a, **k)

    monkeypatch.setattr(target_module.socket, "getaddrinfo", slow)
    with UdpReceiver() as rx:
        argv, curves = take_args("once", f"livelink://localhost:{rx.port}")
        assert run_cli(argv) == 0
        packets = rx.close()
    assert looked_up == ["localhost"]
    assert len(packets) == len(_curve_rows(curves)) == round(SECONDS * FPS)


# A resolver whose server does not answer, as glibc's behaves: a signal does not end the lookup
# (its poll is retried on EINTR), the Ctrl-C is seen once getaddrinfo returns. Staged in the
# command's own process by a sitecustomize; the command and its signals are real.
_DEAD_DNS = """
import signal, socket, time
_real = socket.getaddrinfo
def _dead(host, *a, **k):
    if host != "studio-pc.example":
        return _real(host, *a, **k)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        time.sleep(8.0)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
socket.getaddrinfo = _dead
"""


def test_a_ctrl_c_ends_a_lookup_that_hangs(portrait_path, tmp_path):
    """`render --stream livelink://studio-pc:11111` with a DNS server that does not answer sat
    silent for the resolver's timeout (5-30 s), and a Ctrl-C waited for the lookup's end (an
    8 s lookup staged: a Ctrl-C 6 s in took 2.7 s). The lookup runs on a thread: the command
    says it is looking the name up, and a Ctrl-C ends it at once, nothing written."""
    import os
    import signal
    import subprocess
    import sys
    import threading

    from tests.robust.helpers import ROOT, one_error_line

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_DEAD_DNS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "render", "--portrait", str(portrait_path),
         "--duration", "1", "--out", str(tmp_path / "x.mp4"),
         "--stream", "livelink://studio-pc.example:11111"],
        stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 6.0  # the imports, then the lookup's note after 1 s
        while not any("looking up" in ln for ln in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "".join(lines)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        took = time.monotonic() - sent
        reader.join(5.0)
    finally:
        proc.kill()
    err = "".join(lines)
    assert proc.returncode == 130 and took < 2.0, (took, err)
    assert "--stream: looking up studio-pc.example...; Ctrl+C stops" in err
    one_error_line(err, "interrupted")
    assert not (tmp_path / "x.mp4").exists()


def test_cli_reports_a_bad_stream_in_one_line(portrait_path, tmp_path, capsys):
    code = run_cli(["render", "--portrait", str(portrait_path), "--duration", "1",
                    "--out", str(tmp_path / "x.mp4"), "--stream", "vmc://no-such-host.invalid:1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("error: --stream: cannot resolve host")
    assert list(tmp_path.iterdir()) == []


def test_a_diffusion_take_is_not_streamed_as_a_still_face(portrait_path, tmp_path, capsys):
    """The diffusion engine's frames carry no AUs: `render --engine diffusion --stream` sent 52
    zero blendshapes and a still head for every frame (measured on the tiny engine: the
    largest weight 0.0) while its status said 'sending'. Refused at the door, before the
    engine loads; nothing is written."""
    code = run_cli(["render", "--engine", "diffusion", "--portrait", str(portrait_path),
                    "--duration", "1", "--out", str(tmp_path / "x.mp4"),
                    "--stream", "livelink://127.0.0.1:11111"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("error: --stream sends each frame's blendshapes, "
                                            "and the diffusion engine's frames carry none"), err
    assert list(tmp_path.iterdir()) == []


def test_the_streamed_tail_shows_its_seconds_left(portrait_path, speech_wav, tmp_path,
                                                  capsys):
    """A take renders faster than real time and streams its tail at the frame rate after the
    video is written (a 26 s take rendered in 6 s streamed 22 s more): one line said how long
    at the start, then nothing until the end. The seconds left count down on the progress
    line."""
    import re

    with UdpReceiver() as rx:
        code = run_cli(["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                        "--out", str(tmp_path / "tail.mp4"), "--size", "64", "--duration", "3",
                        "--stream", f"vmc://127.0.0.1:{rx.port}"])
        rx.close()
    err = capsys.readouterr().err
    left = [float(x) for x in re.findall(r"streaming: ([\d.]+) s of frames still to send", err)]
    assert code == 0 and len(left) >= 4, err
    assert left == sorted(left, reverse=True) and left[-1] < left[0] - 1.0
    assert "Ctrl+C stops it" in err


def test_a_kill_just_after_the_video_lands_keeps_the_curves(take_args, monkeypatch, capsys):
    """The kill can land in the few milliseconds between the finished video's move into place
    and the export's return (the test below hit it once in CI): every frame had reached the
    curves by then, so they are written too, and the last line says the take was written
    (the curves were dropped, and it said so)."""
    import core.video.export as export
    from core.cli import Terminated

    real = export.export_video

    def lands_then_killed(*a, **k):
        real(*a, **k)  # the video is in place
        raise Terminated(15)

    monkeypatch.setattr(export, "export_video", lands_then_killed)
    with UdpReceiver() as rx:
        argv, curves = take_args("kill", f"vmc://127.0.0.1:{rx.port}")
        assert run_cli(argv) == 128 + 15
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: stopped by SIGTERM; the take was written: "), err[-1]
    assert str(curves) in err[-1]
    assert len(_curve_rows(curves)) == round(SECONDS * FPS)  # every frame of the take
    assert not list(curves.parent.glob(".*"))


def test_a_kill_while_the_stream_drains_keeps_the_take_and_says_so(portrait_path, speech_wav,
                                                                   tmp_path):
    """The video is written and the stream is still sending its real-time tail when the kill
    comes: the curves are whole (they were left as a hidden .part), and the last line says the
    take was written (it said 'no output was written')."""
    import signal
    import subprocess
    import sys
    import time

    import numpy as np
    import soundfile as sf

    from tests.robust.helpers import ROOT, one_error_line

    data, sr = sf.read(speech_wav, dtype="float32")
    sf.write(tmp_path / "long.wav", np.tile(data, 3), sr)  # ~15 s: a long tail to stream
    out, curves = tmp_path / "take.mp4", tmp_path / "take.json"
    rx = UdpReceiver()
    try:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "render", "--portrait", str(portrait_path),
             "--audio", str(tmp_path / "long.wav"), "--out", str(out), "--curves", str(curves),
             "--size", "64", "--stream", f"vmc://127.0.0.1:{rx.port}"], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the stream's tail ended before the kill"
        proc.send_signal(signal.SIGTERM)
        err = proc.communicate(timeout=60)[1].decode()
    finally:
        rx.close()
    assert proc.returncode == 128 + signal.SIGTERM, err
    one_error_line(err, "the take was written")
    _, rows = read_curves(curves)
    assert len(rows) == round(3 * len(data) / sr * FPS)  # every frame of the take
    assert not list(tmp_path.glob(".*"))


def test_a_stream_that_sends_nothing_ends_in_an_error(take_args, speech_wav, capsys):
    """Every send refused (a broadcast address without permission: EACCES): `live` and
    `render` ended 0, the status line's error count their only word. The take is kept."""
    code = run_cli(["live", "--input", str(speech_wav), "--seconds", "1", "--size", "64",
                    "--stream", "vmc://255.255.255.255:39539"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1, err
    assert err[-1].startswith("error: --stream: nothing reached vmc://255.255.255.255"), err
    argv, curves = take_args("refused", "livelink://255.255.255.255:11111")
    code = run_cli(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and "nothing reached" in err[-1] and "the take was written" in err[-1], err
    assert curves.exists() and curves.with_suffix(".mp4").stat().st_size > 0
