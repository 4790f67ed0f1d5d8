"""The message bar above the editor (errors with what to do) and the status bar widgets."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from cloze_app.core.engine.providers import label
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
        self.label.setTextFormat(Qt.TextFormat.RichText)
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
        self.close_button.clicked.connect(self.clear)
        self._messages: dict[str, tuple[str, str]] = {}
        self.level = ""
        self.hide()

    def show_message(
        self, text: str, level: str = "info", action: str = "", action_key: str = "", key: str = ""
    ) -> None:
        """Show ``text`` (``level``: info, warning or error) under ``key``.

        Messages with different keys are shown together; a new message with the same key
        replaces the old one. The bar takes the colour of the most serious message.
        """
        self._messages[key or text] = (text, level)
        if action:
            self._action_key = action_key
            self.action.setText(action)
        self._refresh()

    def remove(self, key: str) -> None:
        """Take back the message under ``key`` (hides the bar when none is left)."""
        if self._messages.pop(key, None) is not None:
            self._refresh()

    def clear(self) -> None:
        """Dismiss every message."""
        self._messages.clear()
        self._action_key = ""
        self.hide()

    def _refresh(self) -> None:
        if not self._messages:
            self.clear()
            return
        levels = [level for _text, level in self._messages.values()]
        self.level = next((lv for lv in ("error", "warning") if lv in levels), "info")
        text = "<br>".join(html.escape(t) for t, _level in self._messages.values())
        self.label.setText(text)
        self.setAccessibleDescription(" ".join(t for t, _level in self._messages.values()))
        self.action.setVisible(bool(self._action_key))
        palette = self.palette()
        parent = self.parentWidget()
        base = (parent or self).palette().color(QPalette.ColorRole.Window)
        tint = {"error": QColor(220, 50, 47), "warning": QColor(230, 160, 20)}.get(
            self.level, QColor(40, 120, 220)
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
        """The messages shown now, one per line ("" when hidden)."""
        return "" if self.isHidden() else "\n".join(t for t, _level in self._messages.values())


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
        self.provider.setText(f"Running on: {label(status.provider.active)}")
        available = ", ".join(label(name) for name in status.provider.available)
        self.provider.setToolTip(html.escape(status.message or f"Available: {available}"))

    def set_failed(self, previous: EngineStatus | None) -> None:
        if previous is None:
            self.model.setText("No model loaded")
            self.provider.setText("")
        else:
            self.set_engine(previous)

    def set_timing(self, ms: float) -> None:
        self.timing.setText(f"{ms:.0f} ms")
