"""View > Engine (a mixin of MainWindow): which engines can run here, and switching between them.

Before the menu shows, an engine that cannot start (the diffusion engine without its model
files) is disabled, and its tooltip says what to put where (core.diffusion.loading, the same
check `main.py doctor` makes). A switch builds the new engine and prepares the portrait in a
worker while the current engine keeps rendering; only a switch that worked replaces it, so a
failed one leaves the previous engine in place and says why in one sentence, with the details
(paths, parts, traceback) behind "Show details".
"""
from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup

from app.errors import show_error, user_message
from core.engines import engine_names


def engine_problem(name: str) -> tuple[str, str] | None:
    """(one sentence, details) when engine `name` cannot start here; None when it may."""
    if name != "diffusion":
        return None
    try:
        from core.diffusion.loading import missing_parts, setup_hint
    except ImportError as e:
        return (f"The diffusion engine is not available in this installation ({e}).", str(e))
    missing = missing_parts()
    if not missing:
        return None
    details = "\n".join(f"{path}: {part.expected}" for part, path in missing)
    return setup_hint(missing), f"Missing parts:\n{details}"


class WindowEngines:
    def _build_engine_menu(self, menu) -> None:
        self.engine_menu = menu
        self.engine_actions: dict[str, QAction] = {}
        menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        for name in engine_names() or [self.session.engine_name]:
            action = QAction(name, self, checkable=True)
            action.setObjectName(f"engine_{name}")
            action.setChecked(name == self.session.engine_name)
            action.triggered.connect(lambda _=False, n=name: self.switch_engine(n))
            group.addAction(action)
            menu.addAction(action)
            self.engine_actions[name] = action
        menu.aboutToShow.connect(self.refresh_engine_menu)
        self.session.engineFailed.connect(self._engine_failed)

    def refresh_engine_menu(self) -> None:
        """Disable the engines that cannot start, saying what is missing where."""
        for name, action in self.engine_actions.items():
            problem = None if name == self.session.engine_name else engine_problem(name)
            action.setEnabled(problem is None)
            action.setText(name if problem is None else f"{name} (model files missing)")
            action.setToolTip(name if problem is None else problem[0])
            action.setChecked(name == self.session.chosen_engine)

    def switch_engine(self, name: str) -> None:
        if name == self.session.chosen_engine:
            return
        if name == self.session.engine_name:  # the one in use again: a switch under way stops
            self.session.switch_engine(name)
            return
        problem = engine_problem(name)
        if problem is not None:
            self._show_engine_checked()
            show_error(self, f"Cannot use the {name} engine", problem[0], details=problem[1])
            return
        self.playback.pause()
        # a slow frame of the engine left (the diffusion engine's: minutes off a GPU) stops;
        # the new engine's first frame comes when its portrait is ready
        self.renderer.cancel()
        self.preview_rid = 0  # its reports on their way are no longer shown
        self.preview.set_working("")
        self._status("engine", f"engine: {name} (loading…)")
        self.session.switch_engine(name)

    def _engine_failed(self, name: str, error: BaseException,
                       portrait_error: BaseException | None = None) -> None:
        """One dialog, also when the portrait opened just before failed as well."""
        self._show_engine_checked()
        self._status("engine", f"engine: {self.session.engine_name}")
        text = (f"The {name} engine could not start, so the {self.session.engine_name} "
                f"engine is still in use: {user_message(error)}")
        details = str(error)
        if portrait_error is not None:
            shown = self.session.portrait
            kept = "no portrait" if shown is None else shown.name if shown.path else \
                "the sample portrait"
            text = (f"{text.rstrip('.')}. The portrait opened just before cannot be used "
                    f"either, so {kept} is still shown: {user_message(portrait_error)}")
            details = f"{details}\n\n{portrait_error}"
        show_error(self, f"Cannot use the {name} engine", text, details=details)
        self.request_preview()

    def _show_engine_checked(self) -> None:
        for name, action in self.engine_actions.items():
            action.setChecked(name == self.session.chosen_engine)
