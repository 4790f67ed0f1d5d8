"""Autosave slots: every running copy of the app keeps its own snapshot, and none is lost."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloze_app.core.app import autosave
from cloze_app.core.app.autosave import (
    AutosavedDocument,
    AutosaveStore,
    autosave_dir,
    autosave_path,
    slot_path,
)

REPO = Path(__file__).resolve().parent.parent
CRASHED = AutosavedDocument(text="text of a window that crashed", modified=True)
CLEAN = AutosavedDocument(text="reopen me", path="", modified=False, closed_cleanly=True)


@pytest.fixture
def stores() -> Iterator[list[AutosaveStore]]:
    """Claimed stores, closed at the end so no test leaves a slot held."""
    held: list[AutosaveStore] = []
    yield held
    for store in held:
        store.close()


def claim(stores: list[AutosaveStore], directory: Path | None = None) -> AutosaveStore:
    store = AutosaveStore.claim(directory)
    stores.append(store)
    return store


def test_slot_zero_keeps_the_old_file_name_and_its_snapshot_comes_back(stores: list[AutosaveStore]) -> None:
    assert slot_path(0) == autosave_path() == autosave_dir() / "document.autosave"
    assert slot_path(3) == autosave_dir() / "document-3.autosave"
    AutosaveStore().save(CRASHED)  # written by a version without slots
    store = claim(stores)
    assert store.path == autosave_path() and store.locked
    loaded = store.load()
    assert loaded is not None and loaded.text == CRASHED.text


def test_two_stores_claimed_at_once_get_different_slots(stores: list[AutosaveStore]) -> None:
    first, second = claim(stores), claim(stores)
    assert first.path == slot_path(0)
    assert second.path == slot_path(1)
    first.save(AutosavedDocument(text="first window"))
    second.save(AutosavedDocument(text="second window"))
    assert first.load().text == "first window"  # type: ignore[union-attr]
    assert second.load().text == "second window"  # type: ignore[union-attr]


def test_the_slot_of_an_open_window_is_never_taken(stores: list[AutosaveStore]) -> None:
    # A live window's snapshot looks exactly like a crashed one (not closed cleanly, modified):
    # only the lock tells them apart.
    open_window = claim(stores)
    open_window.save(AutosavedDocument(text="still being typed"))
    for _ in range(3):
        other = claim(stores)
        assert other.path != open_window.path
        assert other.load() is None
    assert open_window.load().text == "still being typed"  # type: ignore[union-attr]


def test_close_gives_the_slot_back_to_the_next_claim(stores: list[AutosaveStore]) -> None:
    first, second = claim(stores), claim(stores)
    first.save(CLEAN)
    first.close()
    assert not first.locked
    third = claim(stores)
    assert third.path == first.path
    assert third.load().text == CLEAN.text  # type: ignore[union-attr]
    assert second.path != third.path


def test_an_orphaned_crash_in_slot_one_comes_back_while_slot_zero_is_held(
    stores: list[AutosaveStore],
) -> None:
    held = claim(stores)
    AutosaveStore(slot_path(1)).save(CRASHED)
    store = claim(stores)
    assert held.path == slot_path(0)
    assert store.path == slot_path(1)
    assert store.load().text == CRASHED.text  # type: ignore[union-attr]


def test_an_orphan_is_preferred_to_a_lower_free_slot(stores: list[AutosaveStore]) -> None:
    AutosaveStore(slot_path(0)).save(CLEAN)  # a window closed normally, nothing unsaved
    AutosaveStore(slot_path(3)).save(CRASHED)
    AutosaveStore(slot_path(5)).save(
        AutosavedDocument(text="closed unsaved", modified=True, closed_cleanly=True)
    )
    first = claim(stores)
    assert first.path == slot_path(3)
    second = claim(stores)
    assert second.path == slot_path(5)  # text closed cleanly but never saved is not thrown away either
    third = claim(stores)
    assert third.path == slot_path(0)
    assert third.load().text == CLEAN.text  # type: ignore[union-attr]
    assert claim(stores).path == slot_path(1)


def test_with_every_slot_held_a_pid_file_is_used_and_logged(
    stores: list[AutosaveStore], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(autosave, "MAX_SLOTS", 3)
    paths = {claim(stores).path for _ in range(3)}
    assert paths == {slot_path(0), slot_path(1), slot_path(2)}
    overflow = claim(stores)
    assert overflow.path not in paths and str(os.getpid()) in overflow.path.name
    assert not overflow.locked
    assert "autosave slots" in caplog.text
    overflow.save(CRASHED)
    assert overflow.load().text == CRASHED.text  # type: ignore[union-attr]


def test_a_store_dropped_without_close_frees_its_slot(stores: list[AutosaveStore]) -> None:
    dropped = AutosaveStore.claim()
    assert dropped.path == slot_path(0)
    del dropped
    gc.collect()
    assert claim(stores).path == slot_path(0)


def test_a_custom_directory_and_plain_stores_take_no_locks(
    tmp_path: Path, stores: list[AutosaveStore]
) -> None:
    folder = tmp_path / "elsewhere"
    store = claim(stores, folder)
    assert store.path == folder / "document.autosave"
    assert (folder / "document.autosave.lock").exists()
    plain = AutosaveStore(tmp_path / "plain.autosave")
    assert not plain.locked
    plain.save(CRASHED)
    assert not (tmp_path / "plain.autosave.lock").exists()


HOLDER = textwrap.dedent(
    """
    import sys
    from cloze_app.core.app.autosave import AutosavedDocument, AutosaveStore
    store = AutosaveStore.claim()
    store.save(AutosavedDocument(text=sys.argv[1]))
    print(store.path, flush=True)
    sys.stdin.readline()  # hold the slot until told; then die without close()
    """
)


@pytest.mark.skipif(not hasattr(os, "kill"), reason="needs processes")
def test_another_process_holds_its_slot_until_it_dies_then_its_text_comes_back(
    stores: list[AutosaveStore],
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, "typed in the other window"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        child_path = Path(child.stdout.readline().strip())
        assert child_path == slot_path(0)
        mine = claim(stores)
        assert mine.path == slot_path(1) and mine.load() is None
        child.kill()  # a crash: no close(), no clean snapshot
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
    after = claim(stores)
    assert after.path == child_path
    assert after.load().text == "typed in the other window"  # type: ignore[union-attr]
