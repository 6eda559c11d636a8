"""The Qt binding itself: PySide6 6.12.0 dropped a reference to Python's True every time a
Signal(bool) reached a Python slot, so a long app session (every toggle, every checkable action)
or the test run ended in an abort ("Fatal Python error: bool_dealloc"). pyproject.toml keeps
PySide6 below 6.12 until a release passes this test."""
import sys

from PySide6.QtCore import QObject, Signal


class _Sender(QObject):
    flag = Signal(bool)


def test_bool_signals_keep_pythons_true_alive(qapp):
    sender, seen = _Sender(), []
    sender.flag.connect(lambda on: seen.append(on))
    for on in (True, False):
        before = sys.getrefcount(on)
        for _ in range(200):
            sender.flag.emit(on)
        seen.clear()
        assert sys.getrefcount(on) >= before - 2, "the Qt binding drops references to bools"
