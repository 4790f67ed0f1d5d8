"""Guard against a reference-count bug in PySide6 6.12 on Python 3.11 (before importing Qt).

With PySide6-Essentials 6.12.0 on CPython 3.11, every call of a void Qt method from Python
(``widget.update()``, ``painter.fillRect(...)``, ``highlighter.setFormat(...)``) releases one
reference to ``None`` it never took, and emitting a signal does the same to ``True``/``False``.
From Python 3.12 on these objects are immortal (PEP 683) and nothing happens; on 3.11 the count
reaches zero after some thousands of calls and the interpreter aborts with
``Fatal Python error: none_dealloc`` (a 1 MB document's first highlighting is enough).

:func:`protect_singletons` gives those objects the same immortality 3.12 has: it adds 2**40
references to each, so no amount of stray releases can bring them to zero. On 3.12 and later it
does nothing. This is a workaround, not a fix: the fix is a PySide6 release without the bug.
"""

from __future__ import annotations

import ctypes
import sys

_EXTRA_REFERENCES = 1 << 40
_done = False


def protect_singletons() -> bool:
    """Make ``None``, ``True``, ``False``, ``NotImplemented`` and ``Ellipsis`` effectively immortal.

    Returns:
        True when references were added (CPython before 3.12, first call), else False.
    """
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    for obj in (None, True, False, NotImplemented, Ellipsis):
        # ob_refcnt is the first field of every object in a release build of CPython 3.11.
        ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA_REFERENCES
    _done = True
    return True
