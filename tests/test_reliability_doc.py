"""docs/reliability.md names the tests behind each case; every one of them must exist."""

from __future__ import annotations

import re

from tests.conftest import REPO

DOC = REPO / "docs" / "reliability.md"


def test_every_test_the_reliability_table_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named: list[tuple[str, str]] = []
    for cell in re.findall(r"`([^`]*::test_[^`]*)`", text):
        path, _, name = cell.partition("::")
        named.append((path, name))
    # "`::test_x`" after a full name continues that file.
    current = ""
    resolved = []
    for path, name in named:
        current = path or current
        resolved.append((current, name))
    assert len(resolved) >= 30
    missing = [
        f"{path}::{name}"
        for path, name in resolved
        if not (REPO / path).is_file() or f"def {name}(" not in (REPO / path).read_text(encoding="utf-8")
    ]
    assert missing == []
