"""A tab whose widget is built the first time the tab is shown (``MainWindow.add_mode_on_demand``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget


class OnDemand(QWidget):
    """Holds the widget ``build()`` makes when this is first shown (or :meth:`built` is called),
    so that its imports and construction stay out of the window's start."""

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build: Callable[[], QWidget] | None = build
        self._content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._content is not None

    def built(self) -> QWidget:
        """The widget, built now if it was not yet."""
        if self._content is None and self._build is not None:
            build, self._build = self._build, None
            self._content = build()
            self._layout.addWidget(self._content)
            self._content.show()  # (a child added to a shown widget would appear one event later)
        assert self._content is not None
        return self._content

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.built()
        super().showEvent(event)
