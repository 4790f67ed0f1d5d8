"""Autosave under bad input and faults: an unreadable snapshot is never overwritten (a ``.broken``
copy is kept and the user told), a failed write is reported and never raises at close, killed
writes leave no temporary files behind, and ``kill -9`` at any moment keeps a whole snapshot."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloze_app.core import atomic
from cloze_app.core.app.autosave import AutosavedDocument, AutosaveStore, slot_path

TEXT = "Le café ☕ est prêt. 🍕 " * 50


def snapshot_bytes(text: str = TEXT, **header: object) -> bytes:
    body = text.encode("utf-8")
    fields: dict[str, object] = {"format": 1, "path": "", "modified": True, "bytes": len(body)}
    fields.update(header)
    return json.dumps(fields).encode() + b"\n" + body


GOOD = snapshot_bytes()
# Each case: the file's bytes, whether any text comes back, and a word the message must hold.
CORRUPT = {
    "two bad bytes in the text": (GOOD[:80] + b"\xff\xfe" + GOOD[82:], "in part", True),
    "header cut mid-character": (
        '{"format": 1, "path": "/home/é'.encode()[:-1],
        "could not be restored",
        False,
    ),
    "header not JSON": (b"\x00\x01garbage\n" + TEXT.encode(), "could not be restored", False),
    "newer format version": (snapshot_bytes(format=2), "newer Cloze", False),
    "unknown format": (snapshot_bytes(format="x"), "could not be restored", False),
    "body cut in half": (GOOD[: len(GOOD) - len(TEXT.encode()) // 2], "in part", True),
    "header a list": (b"[1, 2]\n" + TEXT.encode(), "could not be restored", False),
    "deeply nested header": (b"[" * 100_000 + b"\nx", "could not be restored", False),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_an_unreadable_snapshot_is_kept_as_broken_and_never_overwritten(tmp_path: Path, case: str) -> None:
    raw, words, recovers = CORRUPT[case]
    path = tmp_path / "document.autosave"
    path.write_bytes(raw)
    store = AutosaveStore(path)

    loaded = store.load()

    assert store.problem is not None and words in store.problem
    backup = tmp_path / "document.autosave.broken"
    assert backup.read_bytes() == raw  # byte for byte what was there
    assert str(backup) in store.problem
    assert (loaded is not None) == recovers
    if loaded is not None:
        assert loaded.modified and not loaded.closed_cleanly
        assert "Nothing was lost" not in store.problem
    store.save(AutosavedDocument("new text"))  # the next autosave no longer touches the old bytes
    assert backup.read_bytes() == raw


def test_a_second_broken_snapshot_does_not_replace_the_first_copy(tmp_path: Path) -> None:
    path = tmp_path / "document.autosave"
    for raw in (b"first\n", b"second\n"):
        path.write_bytes(raw)
        AutosaveStore(path).load()
    assert (tmp_path / "document.autosave.broken").read_bytes() == b"first\n"
    assert (tmp_path / "document.autosave.broken-2").read_bytes() == b"second\n"


def test_a_body_cut_short_is_never_restored_as_complete(tmp_path: Path) -> None:
    path = tmp_path / "document.autosave"
    store = AutosaveStore(path)
    store.save(AutosavedDocument(TEXT))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 100])
    again = AutosaveStore(path)
    loaded = again.load()
    assert loaded is not None and TEXT.startswith(loaded.text.rstrip("\ufffd"))
    assert again.problem is not None and "of the" in again.problem


def test_a_claimed_slot_with_a_broken_snapshot_goes_to_the_window_with_its_message(tmp_path: Path) -> None:
    slot_path(0, tmp_path).write_bytes(CORRUPT["newer format version"][0])
    store = AutosaveStore.claim(tmp_path)
    try:
        assert store.path == slot_path(0, tmp_path)
        assert store.problem is not None and "newer Cloze" in store.problem
    finally:
        store.close()


def test_leftover_temp_files_of_killed_writes_are_removed_when_the_slot_is_claimed(tmp_path: Path) -> None:
    path = slot_path(0, tmp_path)
    AutosaveStore(path).save(AutosavedDocument("kept"))
    leftovers = [tmp_path / f".{path.name}.abc{i}.tmp" for i in range(6)]
    for leftover in leftovers:
        leftover.write_bytes(b"half a snapshot")
    other = tmp_path / "notes.txt.tmp"
    other.write_text("not ours")
    store = AutosaveStore.claim(tmp_path)
    try:
        assert not any(p.exists() for p in leftovers)
        assert other.exists()
        loaded = store.load()
        assert loaded is not None and loaded.text == "kept"
    finally:
        store.close()


def _folder_gone(folder: Path) -> None:
    """The autosave folder replaced by a file: every write fails (works even as root)."""
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    folder.write_text("not a folder")


def _folder_read_only(folder: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder.chmod(0o500)


def _disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)


@pytest.mark.parametrize("fault", ["folder gone", "read-only folder", "disk full"])
def test_a_failed_write_is_reported_kept_in_last_error_and_close_never_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    folder = tmp_path / "autosave"
    folder.mkdir()
    store = AutosaveStore(folder / "document.autosave")
    store.save(AutosavedDocument("before"))
    reports: list[OSError | None] = []
    store.on_error = reports.append
    if fault == "folder gone":
        _folder_gone(folder)
    elif fault == "read-only folder":
        _folder_read_only(folder)
    else:
        _disk_full(monkeypatch)
    try:
        store.save_in_background(AutosavedDocument("after"))
        store.flush()
        assert isinstance(store.last_error, OSError)
        assert reports and isinstance(reports[-1], OSError)
        with pytest.raises(OSError):
            store.save(AutosavedDocument("at close"))
        store.close()  # never raises
    finally:
        if folder.is_dir():
            folder.chmod(0o700)
    if fault == "disk full":
        monkeypatch.undo()
        left = list(folder.glob("*.tmp")) + list(folder.glob(".*.tmp"))
        assert left == []  # a failed write removes its temporary file
        loaded = AutosaveStore(folder / "document.autosave").load()
        assert loaded is not None and loaded.text == "before"  # the last good snapshot is intact


def test_a_write_that_works_again_clears_the_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = AutosaveStore(tmp_path / "document.autosave")
    reports: list[OSError | None] = []
    store.on_error = reports.append
    _disk_full(monkeypatch)
    with pytest.raises(OSError):
        store.save(AutosavedDocument("x"))
    monkeypatch.undo()
    store.save(AutosavedDocument("y"))
    assert store.last_error is None and reports[-1] is None


WRITER = """
import sys, time
from collections.abc import Iterator
from pathlib import Path
from cloze_app.core.app.autosave import AutosavedDocument, AutosaveStore
store = AutosaveStore.claim(Path(sys.argv[1]))
print("ready", flush=True)
n = 0
while True:
    n += 1
    store.save(AutosavedDocument(("%d " % n) * 20000 + "end"))
"""


@pytest.mark.slow
def test_kill_9_during_autosave_never_leaves_a_partial_snapshot_or_temp_files(tmp_path: Path) -> None:
    folder = tmp_path / "autosave"
    for round_ in range(8):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            time.sleep(0.05 + 0.03 * round_)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            if process.stdout is not None:
                process.stdout.close()
        store = AutosaveStore.claim(folder)
        try:
            assert store.path == slot_path(0, folder)
            assert store.problem is None
            assert not list(folder.glob(".*.tmp"))  # the claim removed what the kill left
            snapshot = store.load()
            if snapshot is not None:
                words = snapshot.text.split()
                assert words[-1] == "end" and len(set(words[:-1])) == 1 and len(words) == 20001
        finally:
            store.close()


def test_a_snapshot_that_cannot_be_read_at_all_is_moved_aside_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "document.autosave"
    path.mkdir()  # something no read can open (root reads any file, so a folder stands in)
    (path / "inside").write_text("the user's")
    store = AutosaveStore(path)
    assert store.load() is None
    assert store.problem is not None and "cannot be read" in store.problem
    store.save(AutosavedDocument("new"))
    assert (tmp_path / "document.autosave.broken" / "inside").read_text() == "the user's"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KB tmpfs (Linux, with the right to mount; skipped elsewhere)."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot run mount")
    if mounted.returncode != 0:
        pytest.skip("no right to mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, timeout=30, check=False)


def test_a_really_full_disk_keeps_the_last_snapshot_and_leaves_no_temp_file(small_disk: Path) -> None:
    store = AutosaveStore(small_disk / "document.autosave")
    store.save(AutosavedDocument("the last good text"))
    reports: list[OSError | None] = []
    store.on_error = reports.append
    store.save_in_background(AutosavedDocument("x" * 200_000))  # more than the disk holds
    store.close()  # never raises
    assert isinstance(store.last_error, OSError) and store.last_error.errno == errno.ENOSPC
    assert reports and reports[-1] is store.last_error
    loaded = AutosaveStore(small_disk / "document.autosave").load()
    assert loaded is not None and loaded.text == "the last good text"
    assert [p.name for p in small_disk.iterdir()] == ["document.autosave"]


@pytest.mark.parametrize("path", ["/tmp/a\0b", "/" + "x" * 5000, 17])
def test_a_snapshot_naming_an_impossible_file_keeps_its_text(tmp_path: Path, path: object) -> None:
    target = tmp_path / "document.autosave"
    target.write_bytes(snapshot_bytes("kept text", path=path))
    loaded = AutosaveStore(target).load()
    assert loaded is not None and loaded.text == "kept text" and loaded.path == ""
