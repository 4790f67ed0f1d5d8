"""The message bar above the editor (errors with what to do) and the status bar widgets."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from cloze_app.gui.worker import EngineStatus


class MessageBar(QFrame):
    """A dismissable line of text with an optional action ("Open settings").

    Signals:
        action_triggered(str): the action button was pressed; carries the action's key.
    """

    action_triggered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setAccessibleName("Message")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.action.setObjectName("messageAction")
        self.close_button = QPushButton("Dismiss")
        self.close_button.setObjectName("messageDismiss")
        self.close_button.setAccessibleName("Dismiss message")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self._action_key = ""
        self.action.clicked.connect(lambda: self.action_triggered.emit(self._action_key))
        self.close_button.clicked.connect(self.hide)
        self.level = ""
        self.hide()

    def show_message(self, text: str, level: str = "info", action: str = "", action_key: str = "") -> None:
        """Show ``text``; ``level`` is ``info``, ``warning`` or ``error``."""
        self.level = level
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self._action_key = action_key
        self.action.setText(action)
        self.action.setVisible(bool(action))
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Window)
        tint = {"error": QColor(220, 50, 47), "warning": QColor(230, 160, 20)}.get(
            level, QColor(40, 120, 220)
        )
        mixed = QColor(
            (base.red() * 3 + tint.red()) // 4,
            (base.green() * 3 + tint.green()) // 4,
            (base.blue() * 3 + tint.blue()) // 4,
        )
        palette.setColor(QPalette.ColorRole.Window, mixed)
        self.setPalette(palette)
        self.show()

    def text(self) -> str:
        """The message shown now ("" when hidden)."""
        return "" if self.isHidden() else self.label.text()


class StatusWidgets:
    """Model name, the provider really running, the last request's time, a busy indicator."""

    def __init__(self, bar: QStatusBar) -> None:
        self.model = QLabel("No model")
        self.model.setObjectName("statusModel")
        self.model.setAccessibleName("Model")
        self.provider = QLabel("")
        self.provider.setObjectName("statusProvider")
        self.provider.setAccessibleName("Execution provider in use")
        self.timing = QLabel("")
        self.timing.setObjectName("statusTiming")
        self.timing.setAccessibleName("Time of the last request")
        self.busy = QProgressBar()
        self.busy.setObjectName("statusBusy")
        self.busy.setAccessibleName("Loading the model")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.hide()
        for widget in (self.busy, self.model, self.provider, self.timing):
            widget.setContentsMargins(6, 0, 6, 0)
            bar.addPermanentWidget(widget)

    def set_loading(self, what: str) -> None:
        self.busy.show()
        self.model.setText(f"Loading {what}…")

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def set_engine(self, status: EngineStatus) -> None:
        info = status.info
        self.model.setText(f"Model: {info.name}")
        self.model.setToolTip(f"{info.id} — {info.path}")
        active = status.provider.active.removesuffix("ExecutionProvider")
        self.provider.setText(f"Running on: {active}")
        self.provider.setToolTip(
            html.escape(status.message or f"Available: {', '.join(status.provider.available)}")
        )

    def set_failed(self, previous: EngineStatus | None) -> None:
        if previous is None:
            self.model.setText("No model loaded")
            self.provider.setText("")
        else:
            self.set_engine(previous)

    def set_timing(self, ms: float) -> None:
        self.timing.setText(f"{ms:.0f} ms")
