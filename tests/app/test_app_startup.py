"""Start-up order: a busy mark while the portrait loads, the first frame, then the engine
warms up in a worker, so the first frame never waits for it. The rig has nothing to warm: its
experts run in numpy, and the app never loads torch for them."""
from __future__ import annotations

from app.preview import BUSY_MARK, PLACEHOLDER
from core.rig.engine import RigEngine
from tests.app.conftest import make_engine


def test_busy_mark_first_frame_then_warm_up(qtbot, settings, errors, answers):
    from app.main_window import MainWindow
    w = MainWindow(settings=settings, engine=make_engine())
    qtbot.addWidget(w)
    w.show()
    assert w.session.loading()
    assert w.preview.placeholder.text().startswith(BUSY_MARK)
    assert not w.preview.busy.isVisible()  # no frame yet: the mark is in the empty preview
    qtbot.waitUntil(lambda: w.preview.image.image is not None, timeout=20000)
    qtbot.waitUntil(lambda: not w.session.loading(), timeout=60000)
    assert w.session.portrait.warmed
    if isinstance(w.session.engine, RigEngine):
        assert w.session.portrait.prepared.motion.moe._net is None
    assert not w.preview.busy.isVisible() and not w.preview.placeholder.isVisible()
    assert errors == []
    w.preview.set_busy("")
    assert w.preview.placeholder.text() == PLACEHOLDER
    w.close()
