"""The window with a broken autosave or a data folder it cannot write: the user is told, the
text is never replaced by the example, and closing never raises."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from cloze_app.core import atomic
from cloze_app.core.app.autosave import autosave_dir, autosave_path
from cloze_app.gui.document import EXAMPLE_TEXT


def shown(window, words: str) -> bool:  # type: ignore[no-untyped-def]
    return words in window.message_bar.accessibleDescription()  # the plain text of every message


@pytest.mark.parametrize(
    "raw",
    [b'{"format": 2, "bytes": 5}\nhello', b'{"format": 1, "path": "/x\xc3', b'{"format": 1}\nab\xff\xfecd'],
    ids=["newer format", "header cut mid-character", "two bad bytes"],
)
def test_a_broken_autosave_is_kept_and_the_user_told(qtbot, make_window, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    path = autosave_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    window = make_window(wait_for_model=False)
    backup = path.with_name(path.name + ".broken")
    assert backup.read_bytes() == raw
    assert shown(window, str(backup))
    if raw.endswith(b"cd"):
        assert window.editor.text() == "ab\ufffd\ufffdcd"  # what could be read, with a message
    window.document.autosave()
    window.document.store.flush()
    assert backup.read_bytes() == raw  # the window's autosaves never touch it


def test_an_autosave_that_fails_is_shown_and_closing_never_raises(  # type: ignore[no-untyped-def]
    qtbot, make_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(wait_for_model=False)
    window.editor.setPlainText("")
    window.editor.insertPlainText("Precious words typed and not saved.")  # as typed: modified

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    window.document.autosave()
    qtbot.waitUntil(lambda: shown(window, "could not be autosaved"), timeout=10_000)
    assert shown(window, "No space left on device")

    asked: list[str] = []

    def answer(*args: object, **_kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "warning", answer)
    assert not window.close()  # Cancel: the window stays open with the text
    assert asked and "could not autosave" in asked[0]
    assert window.editor.text() == "Precious words typed and not saved."

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert window.close()  # the user chose to discard: closes, no exception


def test_a_failed_save_only_promises_the_autosave_when_it_worked(  # type: ignore[no-untyped-def]
    qtbot, make_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(wait_for_model=False)
    window.editor.setPlainText("Draft")
    errors: list[str] = []
    window.document.message.connect(lambda text, _level: errors.append(text))
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")

    assert not window.document.save_to(not_a_folder / "draft.txt")
    assert "kept in the autosave" in errors[-1]

    folder = autosave_dir()
    for child in folder.glob("*.autosave"):
        child.unlink()
    monkeypatch.setattr(atomic.os, "fsync", lambda _fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    assert not window.document.save_to(not_a_folder / "draft.txt")
    assert "kept in the autosave" not in errors[-1] and "could not be autosaved either" in errors[-1]
    monkeypatch.undo()


def test_the_example_text_never_replaces_a_broken_autosave(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    path = autosave_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"format": 7, "bytes": 4}\nmine')
    window = make_window(wait_for_model=False)
    qtbot.wait(50)
    window.document.autosave()
    window.document.store.flush()
    assert path.with_name(path.name + ".broken").read_bytes().endswith(b"mine")
    assert window.editor.text() == EXAMPLE_TEXT or window.editor.text() == ""


def test_opening_a_name_with_a_nul_byte_is_a_message(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(wait_for_model=False)
    errors: list[str] = []
    window.document.message.connect(lambda text, _level: errors.append(text))
    assert not window.document.open_path(Path("/tmp/a\0b.txt"))
    assert errors and "Could not open" in errors[-1]
