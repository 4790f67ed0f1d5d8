"""The real bundled model in the window: type a sentence with a blank, insert a suggestion."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cloze_app.core.app.settings import Settings
from cloze_app.core.models.registry import DEFAULT_MODEL_ID
from tests.conftest import bundled_model_available
from tests.gui.conftest import type_text, wait_for_words

pytestmark = [
    pytest.mark.bundled,
    pytest.mark.skipif(not bundled_model_available(), reason="models/cloze-minilm-en is not committed yet"),
]


def test_suggestions_from_the_bundled_model_and_alt_1(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(Settings(debounce_ms=20))
    assert window.service.status is not None and window.service.status.info.id == DEFAULT_MODEL_ID
    assert wait_for_words(qtbot, window)  # the first-start example already has suggestions
    type_text(qtbot, window, "She drank a cup of ___ with her breakfast.")
    words = wait_for_words(qtbot, window)
    assert len(words) == 10
    assert {"tea", "coffee", "milk", "water", "juice"} & {w.lower() for w in words[:5]}
    window.activateWindow()
    qtbot.keyClick(window.editor, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.editor.text() == f"She drank a cup of {words[0]} with her breakfast."
    window.editor.undo()
    assert "___" in window.editor.text()
