"""The app's icon: the palette's hexagon of six emotion colours around a face
(resources/icons/moee-palette.svg). Drawn from the SVG at each size a window manager, task
bar or Alt-Tab list asks for, so a small one is drawn small, not shrunk from a large picture;
the shipped 256 px PNG (scripts/render_icon.py) where Qt has no SVG renderer."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap

from app.ui_constants import RESOURCES
from core.desktop import ICON_PNG as _PNG_PARTS
from core.desktop import ICON_SVG as _SVG_PARTS

ICON_SVG = RESOURCES.joinpath(*_SVG_PARTS)
ICON_PNG = RESOURCES.joinpath(*_PNG_PARTS)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)

_icon: QIcon | None = None


def render_icon(svg, size: int) -> QImage:
    """The SVG drawn into a transparent size x size image (a null image if it cannot be)."""
    try:
        from PySide6.QtSvg import QSvgRenderer
    except ImportError:
        return QImage()
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        return QImage()
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def app_icon() -> QIcon:
    """The icon for QApplication.setWindowIcon and each top-level window (made once)."""
    global _icon
    if _icon is None:
        icon = QIcon()
        for size in ICON_SIZES:
            image = render_icon(ICON_SVG, size)
            if not image.isNull():
                icon.addPixmap(QPixmap.fromImage(image))
        if icon.isNull() and ICON_PNG.is_file():
            icon = QIcon(str(ICON_PNG))
        _icon = icon
    return _icon
