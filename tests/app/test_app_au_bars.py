"""The AU grid's bars show what the mix gives the face (the rig's strengths and the compounds'
yields, as the AU curves show them), not the gates' plain FACS blend."""
import pytest

from app.palette.panel import PalettePanel
from app.ui_constants import SLIDER_STEPS
from core.mix import EmotionMix


def test_the_bars_show_the_face(qtbot):
    panel = PalettePanel()
    qtbot.addWidget(panel)
    panel.show_mix(EmotionMix.from_dict({"sad": 0.5}))
    bar = panel.au_grid.cells[1].produced
    assert bar.value() == round(0.65 * SLIDER_STEPS)  # sad's strength 1.3 (0.5 before)
    assert "0.65" in bar.toolTip()
    panel.show_mix(EmotionMix.from_preset("sadly surprised"))
    # surprise's outer brow raise yields to sadness: 0.12 of 1 (1.0 before)
    assert panel.au_grid.cells[2].produced.value() == pytest.approx(0.12 * SLIDER_STEPS, abs=1)
