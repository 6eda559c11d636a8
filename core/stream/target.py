"""Where to stream: `livelink://HOST:PORT` or `vmc://HOST:PORT`, checked into one StreamTarget."""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlsplit

from core.errors import InputError, MoeeError
from core.stream.tuning import STREAM

Protocol = Literal["livelink", "vmc"]
PROTOCOLS: tuple[str, ...] = ("livelink", "vmc")
DEFAULT_PORTS = {"livelink": STREAM["livelink_port"], "vmc": STREAM["vmc_port"]}


@dataclass(frozen=True)
class StreamTarget:
    protocol: Protocol  # livelink: Unreal Live Link Face; vmc: VMC protocol (OSC)
    host: str  # name or address of the receiver
    port: int  # UDP port of the receiver
    subject: str = STREAM["subject"]  # Live Link subject name (ignored by VMC)
    # (family, sockaddr) once looked up (`resolved()`): the sender uses it as it is
    looked_up: tuple | None = field(default=None, compare=False, repr=False)

    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.protocol}://{host}:{self.port}"

    def address(self) -> tuple:
        """(family, sockaddr) for a UDP socket; InputError when the host does not resolve. A
        name with an IPv4 address gets that one even where IPv6 comes first ("localhost" on
        macOS and Windows): the receivers (VSeeFace, VNyan, Warudo, Unreal's Live Link Face
        source) listen on IPv4."""
        if self.looked_up is not None:
            return self.looked_up
        try:
            info = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)
        except (socket.gaierror, UnicodeError) as e:
            raise InputError(f"cannot resolve host {self.host!r} ({e}); check the name or give "
                             "its IP address") from None
        family, _, _, _, sockaddr = min(info, key=lambda i: i[0] != socket.AF_INET)
        return family, sockaddr

    def resolved(self) -> StreamTarget:
        """This target with its address looked up now (InputError as address()): a render
        checks the host at the door and its sender, opened after the face analysis, sends there
        without a second lookup (a DNS server that does not answer cost each one seconds)."""
        return replace(self, looked_up=self.address())


def parse_stream_url(text: str, subject: str | None = None) -> StreamTarget:
    """`livelink://127.0.0.1:11111` -> StreamTarget; the port defaults per protocol."""
    raw = (text or "").strip()
    if "://" not in raw:
        raise InputError(f"--stream: {text!r} is not a stream URL; use livelink://HOST:PORT "
                         "or vmc://HOST:PORT")
    scheme, netloc = raw.split("://", 1)[0].lower(), raw.split("://", 1)[1].split("/", 1)[0]
    if scheme not in PROTOCOLS:
        raise InputError(f"--stream: unknown protocol {scheme!r}; use livelink:// or vmc://")
    bracketed = (f"--stream: cannot read the host in {text!r}; an IPv6 address goes in "
                 f"brackets, e.g. {scheme}://[::1]:{DEFAULT_PORTS[scheme]}")
    try:
        parts = urlsplit(raw)
    except ValueError:  # a bracket left open, or no address inside them
        raise InputError(bracketed) from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InputError(f"--stream: {text!r} has extra parts; give only {scheme}://HOST:PORT")
    try:
        port = parts.port
    except ValueError:
        if "[" not in netloc and netloc.count(":") > 1:  # ::1:39539 is no port 1:39539
            raise InputError(bracketed) from None
        raise InputError(f"--stream: the port in {text!r} must be a number from 1 to "
                         "65535") from None
    if not parts.hostname:
        raise InputError(f"--stream: {text!r} has no host; e.g. {scheme}://127.0.0.1:"
                         f"{DEFAULT_PORTS[scheme]}")
    if port == 0:
        raise InputError(f"--stream: the port in {text!r} must be a number from 1 to 65535")
    return make_target(scheme, parts.hostname, port or DEFAULT_PORTS[scheme], subject)


def make_target(protocol: str, host: str, port: int, subject: str | None = None) -> StreamTarget:
    """The checked target (the app's Stream menu builds one from its fields)."""
    if protocol not in PROTOCOLS:
        raise InputError(f"stream target must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    host = (host or "").strip()
    if host.startswith("[") and host.endswith("]"):  # [::1], as url() and the CLI write it
        host = host[1:-1].strip()
    if not host:
        raise InputError("stream host is empty; e.g. 127.0.0.1")
    if "/" in host or host.count(":") == 1:  # a URL, or HOST:PORT, in the app's Host field
        raise InputError(f"stream host {host!r} is not a host name or address: give the host "
                         "alone (e.g. 127.0.0.1), the port in its own field")
    if not 1 <= int(port) <= 65535:
        raise InputError(f"stream port must be from 1 to 65535, got {port}")
    name = STREAM["subject"] if subject is None else subject.strip()
    if not name or len(name.encode("utf-8")) > 255:
        raise InputError("stream subject name must be 1 to 255 bytes long")
    return StreamTarget(protocol, host, int(port), name)  # type: ignore[arg-type]


class Lookup:
    """target.resolved() on a daemon thread. getaddrinfo blocks 5-30 s where the DNS server
    does not answer, and nothing ends it early: a window's event loop stood still, and a
    Ctrl-C waited for it (glibc's resolver carries on through the signal). Nothing waits for
    the thread (a window closed, an interpreter that exits). `answer()`: None while looking,
    else (the target resolved, None) or (None, why); `wait(timeout)`: whether it answered."""

    def __init__(self, target: StreamTarget):
        self.target = target
        self._answer: tuple | None = None
        self._done = threading.Event()
        threading.Thread(target=self._run, name=f"resolve-{target.host}", daemon=True).start()

    def _run(self) -> None:
        try:
            answer = self.target.resolved(), None
        except MoeeError as e:
            answer = None, str(e)
        except Exception as e:  # noqa: BLE001 - said, not left 'resolving' for ever
            answer = None, f"cannot resolve host {self.target.host!r} ({e})"
        self._answer = answer  # one assignment: a reader sees None or the whole answer
        self._done.set()

    def answer(self) -> tuple | None:
        return self._answer

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)
