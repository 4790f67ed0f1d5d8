"""Autosave of the open document: atomic snapshots in the data dir, restored after a crash or kill.

The GUI calls :meth:`AutosaveStore.save` a moment after every edit (and on quit); at the next
start :meth:`AutosaveStore.load` returns the last snapshot. A snapshot names the file the text
belongs to (if any) and whether it held changes not yet saved there, so the window can tell
"restored unsaved text" from "reopened your last document". Writes go through
:func:`cloze_app.core.atomic.atomic_write_text`: a kill mid-write leaves the previous snapshot.

Several copies of the app may run at once, so snapshots live in numbered slots in
``<data dir>/autosave/``: slot 0 is ``document.autosave`` (the name from before slots existed),
slot N is ``document-N.autosave``. :meth:`AutosaveStore.claim` gives each running copy its own
slot and holds an OS lock on ``<slot file>.lock`` until :meth:`AutosaveStore.close`; the OS drops
the lock when the process ends, even on a crash or kill, so a dead window's slot (and its text)
goes to the next copy started, while the slot of a window still open is never taken.

A snapshot that cannot be read (bad bytes, a cut header, a newer format, a body shorter than its
header says) is never overwritten: :meth:`AutosaveStore.load` moves it aside as
``<slot file>.broken`` (numbered when that exists), restores what can be read, and says so in
:attr:`AutosaveStore.problem`. A write that fails (disk full, read-only folder) is reported to
:attr:`AutosaveStore.on_error` and :attr:`AutosaveStore.last_error`; closing never raises.
Temporary files left by a killed write are removed when the slot is claimed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_bytes

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

AUTOSAVE_NAME = "document.autosave"
MAX_SLOTS = 16
FORMAT_VERSION = 1
# File layout: one line of JSON (everything but the text), a newline, then the text verbatim.
# Not one JSON object: json.dumps of a 1 MB string holds the GIL for ~20 ms, a visible stutter.

log = logging.getLogger(__name__)
# What a non-blocking lock attempt raises when another process (or open file) holds the lock.
_LOCK_HELD = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, getattr(errno, "EDEADLOCK", errno.EDEADLK)}


@dataclass(frozen=True)
class AutosavedDocument:
    """One snapshot of the document.

    Attributes:
        text: the whole text as it was in the editor.
        path: the file the text was opened from or saved to ("" for an untitled document).
        modified: True when ``text`` held changes not yet saved to ``path``.
        saved_at: seconds since the epoch when the snapshot was written.
        cursor: the cursor position, so the user lands where they were.
        closed_cleanly: True for the snapshot written when the window closed normally; a
            snapshot without it means the app crashed or was killed.
    """

    text: str
    path: str = ""
    modified: bool = True
    saved_at: float = 0.0
    cursor: int = 0
    closed_cleanly: bool = False

    @property
    def needs_restoring(self) -> bool:
        """True when this text would be lost unless a window shows it: a crash or unsaved edits."""
        return self.modified or not self.closed_cleanly


def autosave_dir() -> Path:
    """The folder of the snapshot slots (``CLOZE_HOME`` moves it with everything else)."""
    return paths.data_dir() / "autosave"


def slot_path(slot: int, directory: Path | None = None) -> Path:
    """The snapshot file of ``slot``: slot 0 keeps the old name ``document.autosave``."""
    name = AUTOSAVE_NAME if slot == 0 else f"document-{slot}.autosave"
    return (directory or autosave_dir()) / name


def autosave_path() -> Path:
    """Slot 0's snapshot, the only one before slots existed."""
    return slot_path(0)


def broken_copy_path(path: Path) -> Path:
    """A free name beside ``path`` for an unreadable snapshot: ``.broken``, then ``.broken-2`` …"""
    candidate = path.with_name(path.name + ".broken")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.broken-{number}")
        number += 1
    return candidate


def remove_leftover_temp_files(path: Path) -> int:
    """Delete the temporary files a killed write of ``path`` left behind; returns how many.

    Only call while holding ``path``'s slot: no other writer can be mid-write then.
    """
    removed = 0
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed += 1
    return removed


class _Unreadable(Exception):
    """A snapshot file exists but cannot be restored as written; ``partial`` is what can be."""

    def __init__(self, reason: str, partial: AutosavedDocument | None = None) -> None:
        super().__init__(reason)
        self.partial = partial


def _decode(raw: bytes) -> AutosavedDocument:
    """Parse a snapshot file's bytes.

    Raises:
        _Unreadable: naming what is wrong, with the part of the text that could be recovered.
    """
    head, newline, body = raw.partition(b"\n")
    try:
        data: Any = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _Unreadable("its header is damaged or cut off") from exc
    if not newline or not isinstance(data, dict):
        raise _Unreadable("its header is damaged or cut off")
    version = data.get("format")
    if version != FORMAT_VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            raise _Unreadable(
                f"it was written by a newer Cloze (format {version}); open it with that version"
            )
        raise _Unreadable(f"its format {str(version)[:20]!r} is unknown")
    path, cursor, saved_at = data.get("path"), data.get("cursor"), data.get("saved_at")
    expected = data.get("bytes")
    try:
        text, damage = body.decode("utf-8", "surrogatepass"), ""
    except UnicodeDecodeError:
        text, damage = body.decode("utf-8", "replace"), "some bytes are damaged (shown as \ufffd)"
    if isinstance(expected, int) and expected != len(body):
        damage = f"it holds {len(body):,} of the {expected:,} bytes it should"
    document = AutosavedDocument(
        text=text,
        # A path no system can open (NUL, thousands of characters) is no path: the text is kept.
        path=path if isinstance(path, str) and "\0" not in path and len(path) <= 4096 else "",
        modified=bool(data.get("modified", True)),
        saved_at=float(saved_at) if isinstance(saved_at, (int, float)) else 0.0,
        cursor=cursor if isinstance(cursor, int) and cursor >= 0 else 0,
        closed_cleanly=data.get("closed_cleanly") is True,
    )
    if damage:
        raise _Unreadable(damage, AutosavedDocument(text, document.path, True, document.saved_at, 0, False))
    return document


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


class _LockHeld(Exception):
    """Another running copy holds this slot."""


def _try_lock(path: Path) -> int | None:
    """Lock ``path``'s lock file without waiting.

    Returns:
        the open descriptor holding the lock, or None when this file system cannot lock (the
        slot is then used unlocked, as before slots existed, rather than not at all).

    Raises:
        _LockHeld: another process (or another claim in this one) holds the lock.
    """
    lock_path = _lock_path(path)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by child processes
    except OSError as exc:
        log.warning("Cannot open autosave lock %s (%s); using the slot without a lock", lock_path, exc)
        return None
    try:
        if sys.platform == "win32":
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in _LOCK_HELD:
            raise _LockHeld(str(lock_path)) from exc
        log.warning("Cannot lock %s (%s); using the slot without a lock", lock_path, exc)
        return None
    return fd


def _unlock(fd: int) -> None:
    # Closing the descriptor releases the lock on every platform; unlock first on Windows,
    # where the release on close is documented as happening "eventually".
    if sys.platform == "win32":
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    os.close(fd)


class AutosaveStore:
    """Reads and writes document snapshots; writing can happen off the caller's thread.

    A running window gets its store from :meth:`claim`, which holds the slot's lock until
    :meth:`close`. ``AutosaveStore(path)`` uses one file with no lock.

    Args:
        path: the snapshot file; by default :func:`autosave_path`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or autosave_path()
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None
        self._lock_fd: int | None = None
        # What went wrong reading the snapshot (shown once by the window), and what was recovered.
        self.problem: str | None = None
        self._recovered: AutosavedDocument | None = None
        # The last failed write (None once a write succeeds again), and who to tell at once; the
        # callback runs on the writer thread.
        self.last_error: OSError | None = None
        self.on_error: Callable[[OSError | None], None] | None = None

    @classmethod
    def claim(cls, directory: Path | None = None) -> AutosaveStore:
        """A store on a slot no other running copy of the app holds, locked until :meth:`close`.

        The lowest free slot whose snapshot needs restoring (a crash, or text never saved) comes
        first, so that text reaches this window; else the lowest free slot. With every slot held,
        a file named after this process, unlocked (logged; never an error).

        Args:
            directory: the folder of the slots; by default :func:`autosave_dir`.
        """
        directory = directory or autosave_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            # No slots without a folder: the window starts anyway, and every autosave reports
            # that it failed (so the user knows to save elsewhere).
            log.warning("Cannot create the autosave folder %s (%s)", directory, exc)
            return cls(slot_path(0, directory))
        first_free: AutosaveStore | None = None
        for slot in range(MAX_SLOTS):
            path = slot_path(slot, directory)
            if first_free is not None and not path.exists():
                continue  # only an existing snapshot could beat the free slot already held
            try:
                fd = _try_lock(path)
            except _LockHeld:
                continue
            store = cls(path)
            store._lock_fd = fd
            if fd is not None:
                remove_leftover_temp_files(path)
            snapshot = store.load()
            if store.problem is not None or (snapshot is not None and snapshot.needs_restoring):
                if first_free is not None:
                    first_free.close()
                return store
            if first_free is None:
                first_free = store
            else:
                store.close()
        if first_free is not None:
            return first_free
        path = directory / f"document-pid{os.getpid()}.autosave"
        log.warning(
            "All %d autosave slots in %s are held by running copies of Cloze; autosaving to %s "
            "without a lock (restored only by hand after a crash)",
            MAX_SLOTS,
            directory,
            path,
        )
        return cls(path)

    @property
    def locked(self) -> bool:
        """True while this store holds its slot's lock."""
        return self._lock_fd is not None

    def save(self, document: AutosavedDocument) -> None:
        """Write a snapshot now (atomically), stamping the time."""
        header = asdict(document)
        del header["text"]
        header["saved_at"] = document.saved_at or time.time()
        header["format"] = FORMAT_VERSION
        body = document.text.encode("utf-8", "surrogatepass")
        header["bytes"] = len(body)  # a body cut short is recognised, never restored as complete
        try:
            atomic_write_bytes(self.path, json.dumps(header).encode("utf-8") + b"\n" + body)
        except OSError as exc:
            self._written(exc)
            raise
        self._recovered = None
        self._written(None)

    def _written(self, error: OSError | None) -> None:
        changed = (error is None) != (self.last_error is None)
        self.last_error = error
        if self.on_error is not None and (changed or error is not None):
            self.on_error(error)

    def save_in_background(self, document: AutosavedDocument) -> None:
        """Queue a snapshot on one writer thread, so a slow disk never blocks typing.

        Snapshots are written in order; :meth:`flush` waits for the last one.
        """
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cloze-autosave")
        self._pending = self._executor.submit(self._save_quietly, document)

    def _save_quietly(self, document: AutosavedDocument) -> None:
        # A failure is in last_error and went to on_error; the next snapshot tries again.
        with contextlib.suppress(OSError):
            self.save(document)

    def flush(self) -> None:
        """Wait until queued snapshots were written (or failed: see :attr:`last_error`)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Finish queued writes, stop the writer thread and give the slot back; never raises
        for a failed write (see :attr:`last_error`)."""
        try:
            self.flush()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None
            fd, self._lock_fd = self._lock_fd, None
            if fd is not None:
                _unlock(fd)

    def __del__(self) -> None:
        # A store dropped without close() (a test, an error while building the window) must not
        # keep its slot for the rest of the process.
        fd, self._lock_fd = getattr(self, "_lock_fd", None), None
        if fd is not None:
            with contextlib.suppress(OSError):
                _unlock(fd)

    def load(self) -> AutosavedDocument | None:
        """The last snapshot, or None when there is none.

        An unreadable snapshot is moved aside (never overwritten later), :attr:`problem` says
        what happened and where the file is, and what could be read is returned as unsaved text.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return self._recovered
        except OSError as exc:  # unreadable here (permissions, a folder): moved aside, not replaced
            self._set_aside(f"it cannot be read: {exc.strerror or exc}", None)
            return self._recovered
        try:
            return _decode(raw)
        except _Unreadable as exc:
            self._set_aside(str(exc), exc.partial)
            return self._recovered

    def _set_aside(self, reason: str, partial: AutosavedDocument | None) -> None:
        backup = broken_copy_path(self.path)
        try:
            self.path.replace(backup)
        except OSError as exc:
            self.problem = (
                f"The autosave {self.path} could not be read ({reason}) nor moved aside "
                f"({exc.strerror or exc}). Copy it somewhere safe before you type: it will be replaced."
            )
        else:
            kept = f"The file was kept unchanged as {backup}."
            if partial is None:
                self.problem = f"The autosaved text could not be restored: {reason}. {kept}"
            else:
                self.problem = f"The autosaved text was restored only in part: {reason}. {kept}"
        self._recovered = partial

    def clear(self) -> None:
        """Forget the snapshot (after the user chose to discard the text)."""
        self.flush()
        self.path.unlink(missing_ok=True)
