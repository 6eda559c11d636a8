"""A bounded least-recently-used cache, for results a render reuses across frames or jobs.

Thread-safe: the GUI's preview and clip workers share one engine, so one lock guards every read
and write (callers holding a lock of their own may still use it; the lock is re-entrant).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """At most `maxsize` entries; a read or write makes an entry the newest, and a write past
    `maxsize` drops the least recently used."""

    def __init__(self, maxsize: int):
        if maxsize < 1:
            raise ValueError(f"a cache needs room for at least one entry, got maxsize={maxsize}")
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, key: Hashable, default: V | None = None) -> V | None:
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value, or make() stored and returned (make runs outside the lock, so a
        slow one does not block readers of other keys)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()
        self.put(key, value)
        return value

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
