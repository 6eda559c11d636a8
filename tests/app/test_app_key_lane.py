"""The key markers restyle only what changed: styled all again, every palette edit on a take of
2000 keys took ~0.5 s on the GUI thread (helper's GUI fuzz; 20 ms now). Real pyqtgraph lines."""
from __future__ import annotations

import pyqtgraph as pg

from app.key_lane import KeyLane, key_color
from core.keyframes import Key
from core.mix import EmotionMix

MIXES = [EmotionMix.from_preset(e) for e in ("happy", "sad", "angry", "surprised")]


def _lane(qtbot, n):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    lane = KeyLane(w.getPlotItem())
    lane.set_duration(n * 0.04 + 1)
    keys = [Key(time=i * 0.04, mix=MIXES[i % 4]) for i in range(n)]
    lane.set_keys(keys, None)
    styled = []
    for i, line in enumerate(lane.lines):  # count each line's restyling from here on
        line.setPen = (lambda f, i=i: lambda *a, **k: (styled.append(i), f(*a, **k)))(line.setPen)
    lane.widget = w  # the plot's widget lives as long as the lane
    return lane, keys, styled


def test_an_edit_restyles_its_key_and_the_selection_only(qtbot):
    lane, keys, styled = _lane(qtbot, 300)
    keys[120] = Key(time=keys[120].time, mix=MIXES[1])
    lane.set_keys(keys, 7)
    assert sorted(styled) == [7, 120]
    assert lane.lines[120].pen.color().name() == pg.mkColor(key_color(MIXES[1])).name()
    assert lane.lines[7].label.format.startswith("▶")
    styled.clear()
    lane.set_keys(keys, 8)  # the selection moves: the two lines it leaves and reaches
    assert sorted(styled) == [7, 8] and not lane.lines[7].label.format.startswith("▶")


def test_a_dragged_line_goes_back_to_its_key_and_removed_keys_hide(qtbot):
    lane, keys, styled = _lane(qtbot, 50)
    lane.lines[10].setValue(1.234)  # dragged, the move then refused (no set_keys between)
    lane.set_keys(keys, None)
    assert styled == [10] and abs(lane.lines[10].value() - keys[10].time) < 1e-9
    lane.set_keys(keys[:40], None)
    assert len(lane.visible_times()) == 40
    lane.set_keys(keys, None)
    assert len(lane.visible_times()) == 50 and sorted(styled) == [10] + list(range(40, 50))
