"""Exception types the engine raises; every message says what went wrong and what to do."""

from __future__ import annotations


class ClozeError(Exception):
    """Base class of every error Cloze raises on purpose."""


class InputError(ClozeError):
    """The user's text cannot be filled as it is."""


class EmptyTextError(InputError):
    """The text is empty or only white space."""

    def __init__(self) -> None:
        super().__init__("The text is empty: type a sentence with a blank (___) in it.")


class NoBlankError(InputError):
    """The text has no blank to fill."""

    def __init__(self, mask_token: str = "[MASK]") -> None:
        super().__init__(
            f"The text has no blank: mark one with ___ (two or more underscores) or {mask_token}."
        )


class TooManyBlanksError(InputError):
    """The text has more blanks than one request may fill."""

    def __init__(self, count: int, limit: int) -> None:
        self.count = count
        self.limit = limit
        super().__init__(
            f"The text has {count} blanks; at most {limit} can be filled in one request. "
            "Split the text or remove some blanks."
        )


class ModelError(ClozeError):
    """A model folder is missing, incomplete, or does not match its manifest."""


class ProviderError(ClozeError):
    """An execution provider was asked for but cannot run here."""


class InferenceError(ClozeError):
    """onnxruntime failed while running the model."""
