"""Cloze: offline fill-in-the-blank with a local masked language model."""

__version__ = "0.1.0"
