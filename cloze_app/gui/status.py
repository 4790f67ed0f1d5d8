"""The message bar above the editor (errors with what to do) and the status bar widgets."""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from cloze_app.core.engine.providers import label
from cloze_app.gui.worker import EngineService, EngineStatus

FEEDBACK_DELAY_MS = 300  # a request that takes longer shows what runs, and for how long


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
        self._tinting = False
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
        # Errors and warnings keep their hue (red, amber) in any theme; info takes the theme's own
        # accent. Mixed one part in four into the window colour, so the palette's text stays legible.
        tint = {"error": QColor(220, 50, 47), "warning": QColor(230, 160, 20)}.get(
            self.level, QColor(palette.color(QPalette.ColorRole.Highlight))
        )
        mixed = QColor(
            (base.red() * 3 + tint.red()) // 4,
            (base.green() * 3 + tint.green()) // 4,
            (base.blue() * 3 + tint.blue()) // 4,
        )
        palette.setColor(QPalette.ColorRole.Window, mixed)
        self._tinting = True
        try:
            self.setPalette(palette)
        finally:
            self._tinting = False
        self.show()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """Re-tint when the theme changes while a message is shown."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._tinting and self._messages:
            self._refresh()

    def text(self) -> str:
        """The messages shown now, one per line ("" when hidden)."""
        return "" if self.isHidden() else "\n".join(t for t, _level in self._messages.values())


class StatusWidgets:
    """Model name, the provider really running, the last answer's model and time, a busy indicator."""

    def __init__(self, bar: QStatusBar) -> None:
        self.activity = QLabel("")
        self.activity.setObjectName("statusActivity")
        self.activity.setAccessibleName("Request in progress")
        self.model = QLabel("No model")
        self.model.setObjectName("statusModel")
        self.model.setAccessibleName("Model")
        self.provider = QLabel("")
        self.provider.setObjectName("statusProvider")
        self.provider.setAccessibleName("Execution provider in use")
        self.timing = QLabel("")
        self.timing.setObjectName("statusTiming")
        self.timing.setAccessibleName("Model and time of the last answer")
        self.busy = QProgressBar()
        self.busy.setObjectName("statusBusy")
        self.busy.setAccessibleName("Loading the model")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self._loading = False
        self._working = False
        bar.addWidget(self.activity, 1)
        for widget in (self.busy, self.model, self.provider, self.timing):
            widget.setContentsMargins(6, 0, 6, 0)
            bar.addPermanentWidget(widget)

    def set_loading(self, what: str) -> None:
        self.set_busy(True)
        self.model.setText(f"Loading {what}…")

    def set_busy(self, busy: bool) -> None:
        """A model load started or ended."""
        self._loading = busy
        self.busy.setVisible(self._loading or self._working)

    def set_activity(self, text: str) -> None:
        """What a slow request is doing ("Filling 3 blanks… 1.2 s"); "" when it ended."""
        self._working = bool(text)
        self.activity.setText(text)
        self.busy.setVisible(self._loading or self._working)

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

    def set_timing(self, ms: float, model: str = "") -> None:
        """The last answer: which model gave it and how long it took."""
        took = f"{ms:.0f} ms" if ms >= 1 else f"{ms:.1f} ms"
        self.timing.setText(f"{model} answered in {took}" if model else took)


class RequestFeedback(QObject):
    """Shows a request that runs longer than ``FEEDBACK_DELAY_MS`` in the status bar, with its time.

    ``describe(channel)`` names what a request of that channel does ("Filling 3 blanks"), or
    returns None for channels whose pages show their own progress.
    """

    def __init__(
        self,
        service: EngineService,
        status: StatusWidgets,
        describe: Callable[[str], str | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service, self._status, self._describe = service, status, describe
        self._pending: tuple[str, int, str, float] | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(100)
        self._tick.timeout.connect(self._update)
        service.request_started.connect(self._started)
        service.result_ready.connect(self._finished)
        service.request_failed.connect(self._finished)

    @Slot(str, int)
    def _started(self, channel: str, request_id: int) -> None:
        text = self._describe(channel)
        if text is None:
            return
        self._pending = (channel, request_id, text, time.monotonic())
        self._tick.start()

    @Slot(str, int, object)
    def _finished(self, channel: str, request_id: int, _result: object = None) -> None:
        if self._pending is not None and self._pending[:2] == (channel, request_id):
            self._end()

    def _end(self) -> None:
        self._pending = None
        self._tick.stop()
        self._status.set_activity("")

    @Slot()
    def _update(self) -> None:
        if self._pending is None:
            self._end()
            return
        channel, request_id, text, started = self._pending
        if not self._service.is_current(channel, request_id):  # superseded or cancelled
            self._end()
            return
        elapsed = time.monotonic() - started
        if elapsed * 1000 >= FEEDBACK_DELAY_MS:
            self._status.set_activity(f"{text}… {elapsed:.1f} s")
