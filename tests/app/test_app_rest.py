"""The palette's rest-expression row: a read-only label and the Neutralize checkbox."""
from app.palette.panel import PalettePanel
from core.mix import EmotionMix
from core.rig.rest import RestExpression


def test_neutralize_checkbox_edits_the_mix(qtbot):
    panel = PalettePanel()
    qtbot.addWidget(panel)
    panel.show_mix(EmotionMix.from_preset("sad"))
    assert panel.rest.neutralize.isChecked()  # auto: on when an emotion is mixed
    with qtbot.waitSignal(panel.edited) as sig:
        panel.rest.neutralize.setChecked(False)
    assert sig.args[0].neutralize is False
    panel.rest.show_rest(RestExpression({12: 0.6, 6: 0.4}, {}).label())
    assert panel.rest.label.text() == "at rest: AU12 0.6, AU6 0.4"
