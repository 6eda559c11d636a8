"""A UDP receiver on 127.0.0.1 for stream tests: collects datagrams on a thread of its own until
closed (bounded: it stops after `max_s` seconds whatever happens)."""
from __future__ import annotations

import socket
import threading
import time


class UdpReceiver:
    def __init__(self, max_s: float = 120.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.packets: list[tuple[float, bytes]] = []  # (arrival, datagram)
        self._stop = threading.Event()
        self._deadline = time.monotonic() + max_s
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            self.packets.append((time.monotonic(), data))

    def close(self) -> list[bytes]:
        time.sleep(0.2)  # let the last datagram in flight on loopback arrive
        self._stop.set()
        self._thread.join(2.0)
        self.sock.close()
        return [d for _, d in self.packets]

    def __enter__(self) -> UdpReceiver:
        return self

    def __exit__(self, *exc) -> None:
        if not self._stop.is_set():
            self.close()
