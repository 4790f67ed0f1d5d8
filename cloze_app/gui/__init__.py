"""The PySide6 desktop window; calls cloze_app.core, never the reverse."""

from cloze_app.gui._refcount import protect_singletons

# Before any Qt call: PySide6 6.12 on Python 3.11 drops references to None/True/False.
protect_singletons()
