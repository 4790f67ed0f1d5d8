"""SHA-256 of model files, remembered across starts while the file is provably unchanged.

Hashing the bundled model's files takes ~30 ms of every start. The digest of a file is kept in
the cache folder (``digests.json``) with the file's resolved path, size, inode, device,
modification time and change time (``st_ctime_ns``: the system sets it on every write, rename
or ``utime``, so putting an old modification time back does not hide a change). A later start
reuses the digest only when all of these are the same, and hashes the file again otherwise.

A file changed within :data:`SETTLE_NS` of its last write is hashed but not remembered, so a
second change in the same timestamp tick (coarse file systems) cannot go unseen. A cache file
that is missing, damaged, or cannot be written is ignored: the file is hashed, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_text

CACHE_NAME = "digests.json"
CACHE_VERSION = 1
MAX_ENTRIES = 64  # files; the oldest entries go first
MAX_CACHE_BYTES = 1 << 20
SETTLE_NS = 2_000_000_000  # a file last written this recently is not remembered

_lock = threading.Lock()  # one read-modify-write of the cache file at a time in this process


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks so large models do not fill memory (no cache)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _identity(stat: os.stat_result) -> dict[str, int]:
    return {
        "size": stat.st_size,
        "inode": stat.st_ino,
        "device": stat.st_dev,
        "mtime_ns": stat.st_mtime_ns,
        "ctime_ns": stat.st_ctime_ns,
    }


def cache_path() -> Path:
    """Where the remembered digests live."""
    return paths.cache_dir() / CACHE_NAME


def _read_entries() -> dict[str, Any]:
    try:
        path = cache_path()
        if path.stat().st_size > MAX_CACHE_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    entries = data.get("files")
    return entries if isinstance(entries, dict) else {}


def _remember(key: str, entry: dict[str, Any]) -> None:
    with _lock:
        entries = _read_entries()
        entries.pop(key, None)
        entries[key] = entry
        kept = dict(list(entries.items())[-MAX_ENTRIES:])
        with contextlib.suppress(OSError):
            path = cache_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps({"version": CACHE_VERSION, "files": kept}, indent=0))


def cached_sha256(path: Path) -> str:
    """SHA-256 of ``path``: the remembered one when the file is unchanged since, else computed
    (and remembered when the file has settled).

    Raises:
        OSError: when the file cannot be read.
    """
    resolved = path.resolve()
    key = str(resolved)
    before = _identity(resolved.stat())
    entry = _read_entries().get(key)
    if isinstance(entry, dict) and all(entry.get(k) == v for k, v in before.items()):
        digest = entry.get("sha256")
        if isinstance(digest, str) and len(digest) == 64:
            return digest
    digest = sha256_file(resolved)
    after = _identity(resolved.stat())
    settled = time.time_ns() - max(after["mtime_ns"], after["ctime_ns"]) > SETTLE_NS
    if after == before and settled:  # not written while it was read, nor just before
        _remember(key, {**after, "sha256": digest})
    return digest
