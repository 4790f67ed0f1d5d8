"""The PySide6 desktop window; calls cloze_app.core, never the reverse."""
