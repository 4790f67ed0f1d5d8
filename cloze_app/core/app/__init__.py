"""Application state: settings and autosave."""
