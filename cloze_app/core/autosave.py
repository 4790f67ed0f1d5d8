"""Autosave of the open document: atomic snapshots in the data dir, restored after a crash or kill.

The GUI calls :meth:`AutosaveStore.save` a moment after every edit (and on quit); at the next
start :meth:`AutosaveStore.load` returns the last snapshot. A snapshot names the file the text
belongs to (if any) and whether it held changes not yet saved there, so the window can tell
"restored unsaved text" from "reopened your last document". Writes go through
:func:`cloze_app.core.atomic.atomic_write_text`: a kill mid-write leaves the previous snapshot.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_bytes

AUTOSAVE_NAME = "document.autosave"
FORMAT_VERSION = 1
# File layout: one line of JSON (everything but the text), a newline, then the text verbatim.
# Not one JSON object: json.dumps of a 1 MB string holds the GIL for ~20 ms, a visible stutter.


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


def autosave_path() -> Path:
    """Where the snapshot lives (``CLOZE_HOME`` moves it with everything else)."""
    return paths.data_dir() / "autosave" / AUTOSAVE_NAME


class AutosaveStore:
    """Reads and writes document snapshots; writing can happen off the caller's thread.

    Args:
        path: the snapshot file; by default :func:`autosave_path`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or autosave_path()
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def save(self, document: AutosavedDocument) -> None:
        """Write a snapshot now (atomically), stamping the time."""
        header = asdict(document)
        del header["text"]
        header["saved_at"] = document.saved_at or time.time()
        header["format"] = FORMAT_VERSION
        data = json.dumps(header).encode("utf-8") + b"\n" + document.text.encode("utf-8", "surrogatepass")
        atomic_write_bytes(self.path, data)

    def save_in_background(self, document: AutosavedDocument) -> None:
        """Queue a snapshot on one writer thread, so a slow disk never blocks typing.

        Snapshots are written in order; :meth:`flush` waits for the last one.
        """
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cloze-autosave")
        self._pending = self._executor.submit(self.save, document)

    def flush(self) -> None:
        """Wait until queued snapshots are on disk; errors from the writer are raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Finish queued writes and stop the writer thread."""
        try:
            self.flush()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None

    def load(self) -> AutosavedDocument | None:
        """The last snapshot, or None when there is none or it cannot be read."""
        try:
            raw = self.path.read_bytes()
            head, newline, body = raw.partition(b"\n")
            data: Any = json.loads(head.decode("utf-8"))
            text = body.decode("utf-8", "surrogatepass")
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        if not newline or not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            return None
        path = data.get("path")
        cursor = data.get("cursor")
        saved_at = data.get("saved_at")
        return AutosavedDocument(
            text=text,
            path=path if isinstance(path, str) else "",
            modified=bool(data.get("modified", True)),
            saved_at=float(saved_at) if isinstance(saved_at, (int, float)) else 0.0,
            cursor=cursor if isinstance(cursor, int) and cursor >= 0 else 0,
            closed_cleanly=data.get("closed_cleanly") is True,
        )

    def clear(self) -> None:
        """Forget the snapshot (after the user chose to discard the text)."""
        self.flush()
        self.path.unlink(missing_ok=True)
