"""A scroll area that gives its page all the room there is, and scrolls only when that is too little."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class FitScrollArea(QScrollArea):
    """Fits ``page`` to the visible area; scrolls only below the page's minimum size.

    A layout given less height than its widgets need draws them over each other (the Models
    page's repo box over its catalogue after a long error). ``widgetResizable`` would size the
    page to its preferred height instead, and scroll in a window of any size.
    """

    def __init__(self, page: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidget(page)
        page.installEventFilter(self)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self, self.fit)  # once the layout has placed the labels at their width
        return False

    def fit(self) -> None:
        page, area = self.widget(), self.viewport().size()
        if page is None:
            return
        minimum = page.minimumSizeHint().expandedTo(page.minimumSize())
        width = max(area.width(), minimum.width())
        layout = page.layout()
        height = minimum.height()
        if layout is not None and layout.hasHeightForWidth():  # wrapped labels: taller when narrow
            height = max(height, layout.minimumHeightForWidth(width))
        page.resize(width, max(area.height(), height))
