"""Atomic writes give files the mode users expect (not mkstemp's private 0600)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloze_app.core.atomic import atomic_write_text, current_umask

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_0666_less_the_umask(tmp_path: Path, umask_022: None) -> None:
    assert current_umask() == 0o022
    target = tmp_path / "story.txt"
    atomic_write_text(target, "The ___ sat.")
    assert mode(target) == 0o644
    assert target.read_text(encoding="utf-8") == "The ___ sat."


def test_a_stricter_umask_is_respected(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        atomic_write_text(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "private.txt") == 0o600


def test_replacing_a_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "shared.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o664)
    atomic_write_text(target, "new")
    assert mode(target) == 0o664
    target.chmod(0o600)
    atomic_write_text(target, "newer")
    assert mode(target) == 0o600 and target.read_text(encoding="utf-8") == "newer"
    assert [p.name for p in tmp_path.iterdir()] == ["shared.txt"]  # no temporary file left behind
