import threading

import pytest

from core.cache import BoundedCache


def test_drops_the_least_recently_used_past_maxsize():
    c = BoundedCache(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1  # a is now newer than b
    c.put("c", 3)
    assert "b" not in c and c.get("a") == 1 and c.get("c") == 3
    assert len(c) == 2


def test_overwrite_keeps_size_and_refreshes():
    c = BoundedCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.put("a", 10)
    c.put("c", 3)
    assert c.get("a") == 10 and "b" not in c


def test_get_or_make_calls_make_once_per_key():
    c = BoundedCache(4)
    calls = []
    for _ in range(3):
        assert c.get_or_make("k", lambda: calls.append(1) or 42) == 42
    assert calls == [1]
    assert c.get("missing", "dflt") == "dflt"


def test_clear_and_bad_size():
    c = BoundedCache(1)
    c.put(1, 1)
    c.clear()
    assert len(c) == 0
    with pytest.raises(ValueError, match="maxsize"):
        BoundedCache(0)


def test_many_threads_never_exceed_maxsize():
    c = BoundedCache(8)

    def work(base):
        for i in range(500):
            c.put((base, i % 20), i)
            c.get((base, (i * 7) % 20))

    threads = [threading.Thread(target=work, args=(b,)) for b in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(c) == 8
