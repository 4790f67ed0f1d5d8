"""PySide6 6.12.0 on Python 3.11 released a reference to None on every void Qt call and aborted
the interpreter after some thousands of them (pyproject pins <6.12); this keeps the pin honest."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget


def test_many_void_qt_calls_leave_none_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(300_000):  # more than None has references in a whole test run
        widget.update()
    assert sys.getrefcount(None) >= before - 1000
